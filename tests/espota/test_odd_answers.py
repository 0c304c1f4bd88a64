"""Answers only a broken or unusual board gives still end in a clear error."""

from __future__ import annotations

import asyncio
from dataclasses import replace
import runpy
import sys

import pytest

from custom_components.esp_ota.espota import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    EspOtaError,
    ImageRejectedError,
    TransferError,
    TransferTimeoutError,
    upload,
)
from tests.espota import scripted_board
from tests.espota.helpers import FAST
from tools.esp_emulator import Core, build_esp8266_image

NONCE = b"AUTH " + b"0" * 32


async def test_unknown_answer_raises_a_generic_espota_error(scripted) -> None:
    port = await scripted([b"HELLO"])

    with pytest.raises(EspOtaError, match="does not understand: 'HELLO'"):
        await upload("127.0.0.1", port, b"x", timeouts=FAST)


async def test_challenge_with_an_unknown_nonce_length_raises_authentication_error(
    scripted,
) -> None:
    port = await scripted([b"AUTH abc"])

    with pytest.raises(AuthenticationError, match="nonce of 3 characters"):
        await upload("127.0.0.1", port, b"x", password="pw", timeouts=FAST)


async def test_no_answer_to_the_authentication_raises_board_not_responding(
    scripted,
) -> None:
    port = await scripted([NONCE, None])

    with pytest.raises(BoardNotRespondingError, match="authentication"):
        await upload(
            "127.0.0.1", port, b"x", password="pw", timeouts=replace(FAST, auth=0.1)
        )


async def test_esp8266_refusal_after_authentication_raises_board_refused(
    make_board,
) -> None:
    board = make_board(core=Core.ESP8266, password="pw", free_space=100)
    await board.start()

    with pytest.raises(BoardRefusedError, match="Not Enough Space"):
        await upload(
            "127.0.0.1",
            board.port,
            build_esp8266_image(1000),
            password="pw",
            timeouts=FAST,
        )


async def test_unexpected_answer_to_the_authentication_raises_authentication_error(
    scripted,
) -> None:
    port = await scripted([NONCE, b"WHAT"])

    with pytest.raises(AuthenticationError, match="rejected the password"):
        await upload("127.0.0.1", port, b"x", password="pw", timeouts=FAST)


async def _ack_all_then(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    size: int,
    tail: bytes | None,
) -> None:
    await scripted_board.read_all(reader, size)
    writer.write(str(size).encode())
    await writer.drain()
    if tail is None:
        await asyncio.Event().wait()  # stay silent until cancelled
    writer.write(tail)
    await writer.drain()


async def test_silence_after_the_last_ack_raises_transfer_timeout(scripted) -> None:
    port = await scripted([b"OK"], lambda r, w, n: _ack_all_then(r, w, n, None))

    with pytest.raises(TransferTimeoutError, match="gave no final answer"):
        await upload(
            "127.0.0.1", port, b"\xe9" * 3000, timeouts=replace(FAST, result=0.2)
        )


async def test_close_without_text_after_the_last_ack_raises_image_rejected(
    scripted,
) -> None:
    port = await scripted([b"OK"], lambda r, w, n: _ack_all_then(r, w, n, b""))

    with pytest.raises(ImageRejectedError, match="no reason given"):
        await upload("127.0.0.1", port, b"\xe9" * 3000, timeouts=FAST)


async def test_ok_arriving_in_pieces_is_recognised(scripted) -> None:
    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await scripted_board.read_all(reader, size)
        writer.write(f"{size}O".encode())
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"K")
        await writer.drain()

    port = await scripted([b"OK"], script)

    result = await upload("127.0.0.1", port, b"\xe9" * 3000, timeouts=FAST)

    assert result.message == "OK"


async def test_error_text_before_the_image_is_through_raises_transfer_error(
    scripted,
) -> None:
    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await reader.readexactly(100)
        writer.write(b"100ERROR[6]: Stream Read Timeout\r\n")
        await writer.drain()

    port = await scripted([b"OK"], script)

    with pytest.raises(TransferError, match="Stream Read Timeout") as caught:
        await upload("127.0.0.1", port, b"\xe9" * 2_000_000, timeouts=FAST)

    assert caught.value.written == 100


def test_module_runs_as_a_program(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["espota", "upload", "-f", "x"])

    with pytest.raises(SystemExit) as caught:
        runpy.run_module("custom_components.esp_ota.espota", run_name="__main__")

    assert caught.value.code == 2
    assert "-i/--ip" in capsys.readouterr().err
