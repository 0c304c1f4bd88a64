"""The board's byte counts: glued, split across reads, repeated after silence."""

from __future__ import annotations

import asyncio
from dataclasses import replace
import threading
import time

import pytest

from custom_components.esp_ota.espota import TransferError, upload
from custom_components.esp_ota.espota.transport import BoardStream
from tests.espota.helpers import FAST
from tools.esp_emulator import BoardConfig, BoardEmulator, Core, build_esp32_image


class ThreadedBoard:
    """An emulated board on its own event loop, so ours can be busy."""

    def __init__(self, config: BoardConfig) -> None:
        """Create the board and its thread; nothing runs yet."""
        self.loop = asyncio.new_event_loop()
        self.board = BoardEmulator(config)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> BoardEmulator:
        """Start the loop thread and the board."""
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.board.start(), self.loop).result(5)
        return self.board

    def __exit__(self, *exc_info: object) -> None:
        """Stop the board and the loop thread."""
        asyncio.run_coroutine_threadsafe(self.board.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def test_counts_glued_while_our_loop_is_busy_are_all_taken() -> None:
    image = build_esp32_image("1.0", 1_000_000)
    # Flash slower than loopback delivers: the board always has a full
    # 1460-byte read waiting, so its counts are all "1460" but the last.
    config = BoardConfig(core=Core.ESP32, reboot_delay=0.0, flash_speed=4_000_000)
    blocked = False
    seen: list[int] = []

    def on_progress(sent: int, total: int) -> None:
        nonlocal blocked
        seen.append(sent)
        if not blocked and sent > total // 3:
            blocked = True
            time.sleep(0.15)  # the event loop busy elsewhere for 150 ms

    with ThreadedBoard(config) as board:
        result = await upload(
            "127.0.0.1", board.port, image, progress=on_progress, timeouts=FAST
        )

    assert blocked
    assert result.message == "OK"
    assert result.written == len(image)
    assert seen[-2] >= len(image) * 0.99
    assert seen[-1] == len(image)


async def test_a_count_split_across_two_reads_is_read_as_one(scripted) -> None:
    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await reader.readexactly(1460)
        writer.write(b"14")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"60")
        await writer.drain()

    port = await scripted([b"OK"], script)

    with pytest.raises(TransferError) as caught:
        await upload("127.0.0.1", port, b"\xe9" * 500_000, timeouts=FAST)

    assert caught.value.written == 1460


async def test_a_count_the_esp32_repeats_after_silence_is_not_new_data(
    scripted,
) -> None:
    async def script(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int
    ) -> None:
        await reader.readexactly(1460)
        for _ in range(3):  # ArduinoOTA.cpp: if (written && tried++ < 3)
            writer.write(b"1460")
            await writer.drain()
            await asyncio.sleep(1.0)

    port = await scripted([b"OK"], script)

    with pytest.raises(TransferError) as caught:
        await upload(
            "127.0.0.1", port, b"\xe9" * 500_000, timeouts=replace(FAST, ack=5.0)
        )

    assert caught.value.written == 1460


async def test_counts_are_read_in_batches_not_one_wake_up_each(
    make_board, monkeypatch
) -> None:
    """The uploader's CPU cost (docs/espota.md): one read per 20 ms, not per count."""
    reads = 0
    read = BoardStream.read

    async def counted(stream: BoardStream) -> bytes:
        nonlocal reads
        reads += 1
        return await read(stream)

    monkeypatch.setattr(BoardStream, "read", counted)
    # An ESP32 prints a count per read of at most 1460 bytes: over 200 here,
    # about 5 ms apart at this flash speed.
    board = make_board(core=Core.ESP32, flash_speed=300_000)
    await board.start()
    image = build_esp32_image("1.0", 300_000)

    result = await upload("127.0.0.1", board.port, image, timeouts=FAST)

    assert result.message == "OK"
    assert result.written == len(image)
    assert reads * 2 < len(image) // 1460
