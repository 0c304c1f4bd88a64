"""Edges of an upload, a fixed connect-back port, and retries.

Edges: a cancel at connect-back, unmet challenges, error lines, slow lookups.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
import socket

import pytest

from custom_components.esp_ota.espota import (
    AuthenticationError,
    BoardRefusedError,
    ConnectBackTimeoutError,
    HostLookupError,
    ImageRejectedError,
    TransferError,
    upload,
)
from custom_components.esp_ota.espota.transport import BoardStream
from tests.espota import scripted_board
from tests.espota.helpers import FAST
from tests.helpers import free_port
from tools.esp_emulator import Core, Fault, build_esp32_image, build_esp8266_image


async def test_cancel_right_after_the_board_connects_leaks_no_socket(
    open_fds, monkeypatch
) -> None:
    task: asyncio.Task[object] | None = None
    accepted = BoardStream.connection_made

    def accept_then_cancel(stream: BoardStream, transport: object) -> None:
        accepted(stream, transport)  # type: ignore[arg-type]
        assert task is not None
        task.cancel()  # lands before the upload takes the connection

    monkeypatch.setattr(BoardStream, "connection_made", accept_then_cancel)

    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await reader.read()

    before = open_fds()
    board, port = await scripted_board.start([b"OK"], script)
    task = asyncio.create_task(upload("127.0.0.1", port, b"\xe9" * 1000, timeouts=FAST))
    with pytest.raises(asyncio.CancelledError):
        await task
    await board.close()

    assert open_fds() == before


@pytest.mark.parametrize("core", [Core.ESP8266, Core.ESP32])
async def test_challenge_without_a_password_is_answered_so_the_board_is_idle(
    make_board, core
) -> None:
    board = make_board(core=core, password="pw")
    await board.start()

    with pytest.raises(AuthenticationError, match="requires a password"):
        await upload("127.0.0.1", board.port, b"\xe9" * 100, timeouts=FAST)

    assert board.errors == ["AUTH"]
    assert board.state == "idle"


async def test_challenge_with_an_unknown_nonce_is_answered_before_the_error() -> None:
    # espota.py answers any challenge, so the board leaves OTA_WAITAUTH.
    board, port = await scripted_board.start([b"AUTH abc"])
    try:
        with pytest.raises(AuthenticationError, match="nonce of 3 characters"):
            await upload("127.0.0.1", port, b"x", password="pw", timeouts=FAST)
    finally:
        await board.close()

    assert len(board.datagrams) == 2
    assert board.datagrams[1].startswith(b"200 ")


async def test_error_line_from_a_board_that_keeps_the_socket_open_is_reported_at_once() -> (
    None
):
    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await reader.readexactly(size)
        writer.write(f"{size}ERROR[7]: MD5 Check Failed\r\n".encode())
        await writer.drain()
        await asyncio.sleep(30)

    board, port = await scripted_board.start([b"OK"], script)
    try:
        async with asyncio.timeout(5):
            with pytest.raises(ImageRejectedError, match="MD5 Check Failed"):
                await upload(
                    "127.0.0.1",
                    port,
                    b"\xe9" * 5000,
                    timeouts=replace(FAST, result=30.0),
                )
    finally:
        await board.close()


async def test_a_host_name_lookup_that_hangs_times_out(monkeypatch) -> None:
    loop = asyncio.get_running_loop()

    async def never(*args: object, **kwargs: object) -> object:
        await asyncio.Event().wait()
        raise AssertionError  # pragma: no cover

    monkeypatch.setattr(loop, "getaddrinfo", never)

    with pytest.raises(HostLookupError, match=r"took longer than 0\.1 s"):
        await upload(
            "garden.local", 3232, b"\xe9" * 100, timeouts=replace(FAST, lookup=0.1)
        )


async def test_an_unknown_host_name_is_reported(monkeypatch) -> None:
    # The resolver answers as for a name nobody knows; no query leaves the test.
    loop = asyncio.get_running_loop()

    async def unknown(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(loop, "getaddrinfo", unknown)

    with pytest.raises(HostLookupError, match="could not be looked up"):
        await upload("nonexistent.invalid", 3232, b"\xe9", timeouts=FAST)


async def test_board_connects_back_to_the_fixed_port(make_board) -> None:
    board = make_board(core=Core.ESP32)
    await board.start()
    port = free_port()
    image = build_esp32_image("1.0", 20_000)

    result = await upload(
        "127.0.0.1",
        board.port,
        image,
        listen_host="127.0.0.1",
        listen_port=port,
        timeouts=FAST,
    )

    assert result.message == "OK"
    assert board.invitations[0].split()[1] == str(port).encode()


async def test_never_connected_back_names_the_address_and_port(make_board) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.REFUSE)
    await board.start()
    port = free_port()

    with pytest.raises(ConnectBackTimeoutError) as caught:
        await upload(
            "127.0.0.1",
            board.port,
            build_esp32_image("1.0", 20_000),
            listen_port=port,
            timeouts=replace(FAST, connect_back=0.2),
        )

    assert (caught.value.address, caught.value.port) == ("127.0.0.1", port)
    assert f"127.0.0.1 TCP port {port}" in str(caught.value)
    assert "open that port" in str(caught.value)


async def test_a_broken_transfer_is_retried_and_progress_restarts(make_board) -> None:
    board = make_board(core=Core.ESP8266, fault=Fault.DROP, fault_at=0.5)
    await board.start()
    image = build_esp8266_image(200_000)
    seen: list[int] = []

    async def heal() -> None:
        await board.session_ended.wait()
        board.config.fault = Fault.NONE

    healer = asyncio.create_task(heal())
    result = await upload(
        "127.0.0.1",
        board.port,
        image,
        progress=lambda sent, _total: seen.append(sent),
        retries=1,
        timeouts=replace(FAST, retry_pause=0.05),
    )
    await healer

    assert result.message == "OK"
    assert result.attempts == 2
    restart = seen.index(0)
    assert max(seen[:restart]) > 0
    assert seen[-1] == len(image)
    assert board.received_images == [image]


async def test_the_final_error_names_every_attempt(make_board) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.DROP, fault_at=0.3)
    await board.start()

    with pytest.raises(TransferError) as caught:
        await upload(
            "127.0.0.1",
            board.port,
            build_esp32_image("1.0", 100_000),
            retries=2,
            timeouts=replace(FAST, retry_pause=0.05),
        )

    assert len(caught.value.attempts) == 3
    assert "attempt 1:" in str(caught.value)
    assert "attempt 3:" in str(caught.value)
    assert len([d for d in board.invitations if d[:1] == b"0"]) == 3


async def test_a_refusal_is_never_retried(make_board) -> None:
    board = make_board(core=Core.ESP8266, free_space=10_000)
    await board.start()

    with pytest.raises(BoardRefusedError):
        await upload(
            "127.0.0.1",
            board.port,
            build_esp8266_image(20_000),
            retries=3,
            timeouts=replace(FAST, retry_pause=0.05),
        )

    assert len(board.invitations) == 1


async def test_a_stalled_transfer_is_retried_with_a_fresh_invitation() -> None:
    attempts = 0

    async def stall_once(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await reader.readexactly(1460)
            writer.write(b"1460")
            await writer.drain()
            await asyncio.Event().wait()  # stalled, socket kept open
        await reader.readexactly(size)
        writer.write(f"{size}OK".encode())
        await writer.drain()

    board, port = await scripted_board.start([b"OK", b"OK"], stall_once)
    seen: list[int] = []
    try:
        result = await upload(
            "127.0.0.1",
            port,
            b"\xe9" * 100_000,
            progress=lambda sent, _total: seen.append(sent),
            retries=1,
            timeouts=replace(FAST, ack=0.3),
        )
    finally:
        await board.close()

    assert result.message == "OK"
    assert result.attempts == 2
    assert len([d for d in board.datagrams if d[:2] == b"0 "]) == 2
    assert seen.index(0) > 0  # progress restarted for the retry
    assert seen[-1] == 100_000


async def test_an_authentication_failure_is_never_retried(make_board) -> None:
    board = make_board(core=Core.ESP8266, password="right-one")
    await board.start()

    with pytest.raises(AuthenticationError):
        await upload(
            "127.0.0.1",
            board.port,
            build_esp8266_image(20_000),
            password="wrong-one",
            retries=3,
            timeouts=replace(FAST, retry_pause=0.05),
        )

    assert len([d for d in board.invitations if d[:2] == b"0 "]) == 1
