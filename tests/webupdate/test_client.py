"""The web updater client against the emulated cores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from custom_components.esp_ota.webupdate import (
    CHUNK_SIZE,
    BoardErrorReason,
    BoardUpdateError,
    FilesystemNotSupportedError,
    NotAnUpdaterError,
    UnexpectedAnswerError,
    UpdaterForm,
    UploadInterruptedError,
    WebAuthenticationError,
    WebConnectionError,
    WebTimeoutError,
    WebTimeouts,
    WebUpdateError,
    WebUpdater,
)
from tests.helpers import FAST_WEB_TIMEOUTS as FAST
from tools.esp_emulator import Core
from tools.esp_emulator.web_updater import WebUpdaterEmulator

type MakeBoard = Callable[..., Awaitable[WebUpdaterEmulator]]
FORM = UpdaterForm("firmware", "filesystem")
IMAGE = b"\xe9" + bytes(range(256)) * 400


def _client(
    session: aiohttp.ClientSession, board: WebUpdaterEmulator, **options: object
) -> WebUpdater:
    return WebUpdater(
        session,
        "127.0.0.1",
        board.port,
        timeouts=FAST,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("core", list(Core))
async def test_probe_recognises_both_cores_forms_with_one_get(
    session: aiohttp.ClientSession, make_web_board: MakeBoard, core: Core
) -> None:
    board = await make_web_board(core=core)
    assert await _client(session, board).probe() == FORM
    assert board.requests == [("GET", "/update")]


async def test_probe_with_credentials_passes_and_without_them_is_an_auth_error(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(username="admin", password="pw")
    assert await _client(session, board, username="admin", password="pw").probe()
    with pytest.raises(WebAuthenticationError):
        await _client(session, board).probe()
    with pytest.raises(WebAuthenticationError) as err:
        await _client(session, board, username="admin", password="nope").probe()
    assert "nope" not in str(err.value)


async def test_probe_of_another_page_is_not_an_updater(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(path="/firmware")
    with pytest.raises(NotAnUpdaterError):
        await _client(session, board).probe()


async def test_a_401_from_another_server_is_not_an_updater(
    session: aiohttp.ClientSession, aiohttp_raw_server: object, unused_tcp_port: int
) -> None:
    async def handler(request: aiohttp.web.BaseRequest) -> aiohttp.web.Response:
        return aiohttp.web.Response(
            status=401, headers={"WWW-Authenticate": 'Basic realm="Router"'}
        )

    server = await aiohttp_raw_server(handler, host="127.0.0.1")  # type: ignore[operator]
    client = WebUpdater(session, "127.0.0.1", server.port, timeouts=FAST)
    with pytest.raises(NotAnUpdaterError):
        await client.probe()


async def test_probe_of_a_closed_port_is_a_connection_error(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board()
    client = _client(session, board)
    await board.stop()
    with pytest.raises(WebConnectionError):
        await client.probe()
    assert not await client.is_up()


async def _silent_server() -> tuple[asyncio.Server, int]:
    """Start a server that accepts, reads everything and never answers."""

    async def swallow(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await reader.read(65536):
            pass
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_a_board_that_never_answers_times_out(
    session: aiohttp.ClientSession,
) -> None:
    server, port = await _silent_server()
    short = WebTimeouts(request=0.1, stall=0.5, answer=0.1)
    client = WebUpdater(session, "127.0.0.1", port, timeouts=short)
    try:
        with pytest.raises(WebTimeoutError):
            await client.probe()
        assert not await client.is_up()
        with pytest.raises(WebTimeoutError) as err:
            await client.upload(IMAGE, form=FORM)
        assert isinstance(err.value, TimeoutError)
        assert "stalled after" in str(err.value)
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("core", list(Core))
async def test_upload_sends_the_image_in_slices_with_progress(
    session: aiohttp.ClientSession, make_web_board: MakeBoard, core: Core
) -> None:
    board = await make_web_board(
        core=core, username="u", password="p", reboot_delay=60.0
    )
    seen: list[tuple[int, int]] = []
    client = _client(session, board, username="u", password="p")
    await client.upload(IMAGE, form=FORM, progress=lambda *args: seen.append(args))
    assert board.received_images == [IMAGE]
    assert [sent for sent, _ in seen] == [
        min(start + CHUNK_SIZE, len(IMAGE))
        for start in range(0, len(IMAGE), CHUNK_SIZE)
    ]
    assert {total for _, total in seen} == {len(IMAGE)}
    # The board restarts: its page does not answer until it is back.
    assert board.rebooting
    assert not await client.is_up()


async def test_a_running_board_is_up(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(username="u", password="p")
    # Any answer counts, the credentials challenge too.
    assert await _client(session, board).is_up()


async def test_filesystem_images_go_to_the_filesystem_field(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board()
    await _client(session, board).upload(b"littlefs", form=FORM, filesystem=True)
    assert board.received_filesystems == [b"littlefs"]
    assert board.received_images == []


async def test_the_old_form_takes_flash_under_its_field_but_no_filesystem(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(legacy_form=True)
    client = _client(session, board)
    form = await client.probe()
    with pytest.raises(FilesystemNotSupportedError):
        await client.upload(b"fs", form=form, filesystem=True)
    await client.upload(IMAGE, form=form)
    assert board.received_images == [IMAGE]


async def test_an_esp32_without_credentials_rejects_a_foreign_origin(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    """The emulator's Origin check is real: a browser on another site fails."""
    board = await make_web_board(core=Core.ESP32)
    form = aiohttp.FormData()
    form.add_field("firmware", IMAGE, filename="firmware.bin")
    async with session.post(
        f"http://127.0.0.1:{board.port}/update",
        data=form,
        headers={"Origin": "http://evil.example"},
    ) as response:
        text = await response.text()
    assert text == "Update error: Wrong origin received!"
    assert board.received_images == []


async def test_wrong_credentials_on_upload_are_an_auth_error(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(username="u", password="p")
    with pytest.raises(WebAuthenticationError):
        await _client(session, board, username="u", password="x").upload(
            IMAGE, form=FORM
        )
    assert board.received_images == []


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"free_space": 100}, BoardErrorReason.NOT_ENOUGH_SPACE),
        ({"board_error": "ERROR[9]: MD5 Failed: x\n"}, BoardErrorReason.MD5),
    ],
)
async def test_board_errors_are_raised_with_the_boards_text(
    session: aiohttp.ClientSession,
    make_web_board: MakeBoard,
    options: dict[str, object],
    reason: BoardErrorReason,
) -> None:
    board = await make_web_board(**options)
    with pytest.raises(BoardUpdateError) as err:
        await _client(session, board).upload(IMAGE, form=FORM)
    assert err.value.reason is reason
    assert isinstance(err.value, WebUpdateError)


async def test_an_image_without_the_magic_byte_is_refused_by_the_board(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(core=Core.ESP32)
    with pytest.raises(BoardUpdateError) as err:
        await _client(session, board).upload(b"\x00" * 64, form=FORM)
    assert err.value.board_message == "Wrong Magic Byte"


async def test_a_dropped_connection_is_an_interrupted_upload_and_a_retry_works(
    session: aiohttp.ClientSession, make_web_board: MakeBoard
) -> None:
    board = await make_web_board(interrupt_after=32 * 1024)
    client = _client(session, board)
    with pytest.raises(UploadInterruptedError) as err:
        await client.upload(IMAGE, form=FORM)
    assert err.value.total == len(IMAGE)
    assert 0 < err.value.sent <= len(IMAGE)
    await client.upload(IMAGE, form=FORM)
    assert board.received_images == [IMAGE]


async def test_an_answer_the_cores_never_send_is_unexpected(
    session: aiohttp.ClientSession, aiohttp_raw_server: object
) -> None:
    async def handler(request: aiohttp.web.BaseRequest) -> aiohttp.web.Response:
        await request.read()
        return aiohttp.web.Response(status=500)

    server = await aiohttp_raw_server(handler, host="127.0.0.1")  # type: ignore[operator]
    client = WebUpdater(session, "127.0.0.1", server.port, "update", timeouts=FAST)
    assert client.url.endswith(f"{server.port}/update")
    with pytest.raises(UnexpectedAnswerError) as err:
        await client.upload(IMAGE, form=FORM)
    assert err.value.status == 500


def test_host_and_origin_follow_aiohttps_host_rule() -> None:
    session = object()
    assert WebUpdater(session, "::1", 8080).url == "http://[::1]:8080/update"  # type: ignore[arg-type]
    client = WebUpdater(session, "esp.local")  # type: ignore[arg-type]
    assert client.url == "http://esp.local:80/update"
