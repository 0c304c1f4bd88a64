"""The emulated boards behave as the cores' sources say, and we cope with each.

Sources: esp8266/Arduino ``libraries/ArduinoOTA/ArduinoOTA.cpp`` at f946290
(master) and 616d6b14, ``cores/esp8266/Updater.h`` ``write(T&)``;
espressif/arduino-esp32 ``libraries/ArduinoOTA/src/ArduinoOTA.cpp``.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from custom_components.esp_ota.espota import (
    BoardRefusedError,
    ImageRejectedError,
    upload,
)
from tests.espota.helpers import FAST
from tools.esp_emulator import (
    Core,
    EndSequence,
    build_esp32_image,
    build_esp8266_image,
    default_free_space,
    esp32_bootable,
)
from tools.esp_emulator.image import md5_hex

END_DELAY = 0.3


@pytest.mark.parametrize("sequence", [EndSequence.MASTER, EndSequence.LEGACY])
async def test_esp8266_end_sequences_of_both_core_versions_end_in_ok(
    make_board, sequence
) -> None:
    board = make_board(core=Core.ESP8266, end_sequence=sequence, end_delay_s=END_DELAY)
    await board.start()
    image = build_esp8266_image(40_000)
    seen: list[int] = []

    started = time.monotonic()
    result = await upload(
        "127.0.0.1",
        board.port,
        image,
        progress=lambda sent, _total: seen.append(sent),
        timeouts=FAST,
    )
    took = time.monotonic() - started
    await board.session_ended.wait()

    assert result.message == "OK"
    assert board.received_images == [image]
    assert seen[-1] == len(image)
    # master waits delay(1000) before OK; 616d6b14 prints OK at once.
    if sequence is EndSequence.MASTER:
        assert took >= END_DELAY
    else:
        assert took < END_DELAY + 1.0


async def test_master_esp8266_holds_the_socket_open_after_ok(make_board) -> None:
    board = make_board(
        core=Core.ESP8266, end_sequence=EndSequence.MASTER, end_delay_s=END_DELAY
    )
    await board.start()

    await upload("127.0.0.1", board.port, build_esp8266_image(8_000), timeouts=FAST)

    assert board.busy.is_set()
    await board.session_ended.wait()
    assert board.received_images


@pytest.mark.parametrize(
    ("core", "space"), [(Core.ESP8266, 1_044_464), (Core.ESP32, 0x140000)]
)
async def test_default_free_space_is_that_of_a_4_mb_board(
    make_board, core, space
) -> None:
    board = make_board(core=core)
    await board.start()
    size = 2 * 1024 * 1024
    image = (
        build_esp32_image("1.0", size)
        if core is Core.ESP32
        else build_esp8266_image(size)
    )

    assert default_free_space(core) == space
    if core is Core.ESP8266:
        with pytest.raises(BoardRefusedError, match="Not Enough Space"):
            await upload("127.0.0.1", board.port, image, timeouts=FAST)
    else:
        # An ESP32 says OK at once and never connects back.
        with pytest.raises(Exception, match="did not connect back"):
            await upload("127.0.0.1", board.port, image, timeouts=FAST)
    assert board.errors == ["BEGIN"]


@pytest.mark.parametrize("core", [Core.ESP8266, Core.ESP32])
async def test_board_storing_an_md5_password_hash_accepts_the_password(
    make_board, core
) -> None:
    board = make_board(core=core, password_hash=md5_hex(b"hashed-secret"))
    await board.start()
    image = (
        build_esp32_image("1.0", 20_000)
        if core is Core.ESP32
        else build_esp8266_image(20_000)
    )

    result = await upload(
        "127.0.0.1", board.port, image, password="hashed-secret", timeouts=FAST
    )

    assert result.message == "OK"
    assert board.received_images == [image]


async def test_esp32_refuses_an_image_it_could_not_boot(make_board) -> None:
    board = make_board(core=Core.ESP32)
    await board.start()
    image = bytearray(build_esp32_image("1.0", 20_000))
    image[-1] ^= 0xFF  # checksum no longer matches the segments
    assert not esp32_bootable(bytes(image))

    with pytest.raises(ImageRejectedError, match="Could Not Activate The Firmware"):
        await upload("127.0.0.1", board.port, bytes(image), timeouts=FAST)

    assert board.received_images == []
    assert board.errors == ["END"]


def test_esp32_bootable_follows_the_image_layout() -> None:
    good = build_esp32_image("1.0", 4096)
    assert esp32_bootable(good)
    assert not esp32_bootable(b"\xe9" + bytes(4095))
    assert not esp32_bootable(good[:100])
    assert not esp32_bootable(b"\x00" + good[1:])
    with_hash_flag = bytearray(good)
    with_hash_flag[23] = 1
    assert not esp32_bootable(bytes(with_hash_flag))


async def test_esp8266_prints_one_count_per_burst_of_available_data(
    make_board,
) -> None:
    """Updater::write(T&) reads on while data is available: few counts."""
    board = make_board(core=Core.ESP8266, sector_erase_s=0.005)
    await board.start()
    image = build_esp8266_image(200_000)
    counts: list[bytes] = []

    async def stream_everything(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(image)
        while data := await reader.read(4096):
            counts.append(data)

    server = await asyncio.start_server(stream_everything, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", board.port)
        )
        transport.sendto(f"0 {port} {len(image)} {md5_hex(image)}\n".encode())
        await board.session_ended.wait()
        transport.close()

    text = b"".join(counts).decode()
    assert text.endswith("OK")
    # A stop-and-wait sender would get one count per 1460 bytes (137 here).
    assert len(text) - 2 < 137 * 3
