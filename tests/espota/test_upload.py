"""Uploads from our uploader to the emulated boards of both cores."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.esp_ota.espota import Command, upload
from tests.espota.helpers import FAST, image_for
from tools.esp_emulator import (
    AuthVariant,
    Core,
    StoredHash,
    build_esp32_image,
    build_esp8266_image,
)

CORES = [Core.ESP8266, Core.ESP32]


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("password", [None, "garden-secret"])
async def test_flash_upload_lands_on_the_board_and_reports_ok(
    make_board, core, password
) -> None:
    board = make_board(core=core, password=password)
    await board.start()
    image = image_for(core)
    seen: list[tuple[int, int]] = []

    result = await upload(
        "127.0.0.1",
        board.port,
        image,
        password=password,
        progress=lambda sent, total: seen.append((sent, total)),
        timeouts=FAST,
    )

    assert result.message == "OK"
    assert result.size == len(image)
    assert board.received_images == [image]
    assert seen[-1] == (len(image), len(image))
    sents = [sent for sent, _ in seen]
    assert sents == sorted(sents)
    assert len(set(sents)) == len(sents)


@pytest.mark.parametrize("core", CORES)
async def test_filesystem_upload_is_sent_with_command_100(make_board, core) -> None:
    board = make_board(core=core, version="1.0")
    await board.start()
    fs_image = b"\x00littlefs" * 3000

    result = await upload(
        "127.0.0.1", board.port, fs_image, command=Command.FILESYSTEM, timeouts=FAST
    )

    assert result.message == "OK"
    assert board.received_filesystems == [fs_image]
    assert board.received_images == []
    assert board.invitations[0].startswith(b"100 ")
    await board.rebooted.wait()
    assert board.version == "1.0"


async def test_esp32_board_reboots_with_the_version_from_the_image(make_board) -> None:
    rebooted_with: list[str | None] = []
    board = make_board(
        core=Core.ESP32, version="1.0.0", on_reboot=[rebooted_with.append]
    )
    await board.start()

    await upload(
        "127.0.0.1", board.port, build_esp32_image("2.5.0", 20_000), timeouts=FAST
    )
    await board.rebooted.wait()

    assert board.version == "2.5.0"
    assert rebooted_with == ["2.5.0"]


async def test_esp8266_board_takes_its_new_version_from_the_configured_callback(
    make_board,
) -> None:
    board = make_board(
        core=Core.ESP8266,
        version="1.0",
        version_for_image=lambda image: f"v{len(image)}",
    )
    await board.start()

    await upload("127.0.0.1", board.port, build_esp8266_image(12_345), timeouts=FAST)
    await board.rebooted.wait()

    assert board.version == "v12345"


@pytest.mark.parametrize("stored_hash", [StoredHash.SHA256, StoredHash.MD5])
async def test_pbkdf2_sha256_board_accepts_the_password_whatever_hash_it_stores(
    make_board, stored_hash
) -> None:
    board = make_board(
        core=Core.ESP32,
        password="pw",
        auth_variant=AuthVariant.PBKDF2_SHA256,
        stored_hash=stored_hash,
    )
    await board.start()
    image = image_for(Core.ESP32)

    result = await upload("127.0.0.1", board.port, image, password="pw", timeouts=FAST)

    assert result.message == "OK"
    assert board.received_images == [image]
    nonce_answers = [d for d in board.invitations if d.startswith(b"200 ")]
    assert all(len(d.split()[1]) == 64 for d in nonce_answers)


async def test_image_is_read_from_a_file_path(make_board, tmp_path: Path) -> None:
    board = make_board(core=Core.ESP8266)
    await board.start()
    image = build_esp8266_image(30_000)
    path = tmp_path / "firmware.bin"
    path.write_bytes(image)

    result = await upload("127.0.0.1", board.port, str(path), timeouts=FAST)

    assert result.message == "OK"
    assert board.received_images == [image]


@pytest.mark.parametrize("core", CORES)
async def test_upload_with_latency_and_small_window_still_completes(
    make_board, core
) -> None:
    board = make_board(
        core=core,
        rtt_s=0.003,
        recv_window=5840,
        flash_speed=5_000_000,
        sector_erase_s=0.001,
    )
    await board.start()
    image = image_for(core, size=120_000)

    result = await upload("127.0.0.1", board.port, image, timeouts=FAST)

    assert result.message == "OK"
    assert board.received_images == [image]
