"""What esp_ota keeps per board: confirmations, installs, and their removal."""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.esp_ota.ledger import DATA_LEDGER, Ledger
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, install, stage


async def test_confirmations_and_installs_survive_a_restart(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(announce_version=False)
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await install(hass, board, person)
    key = board.entry.entry_id
    staged = get_store(hass).latest(key)
    assert staged is not None

    restarted = Ledger(hass)
    await restarted.async_load()
    assert restarted.is_confirmed(key, staged.sha256)
    confirmation = restarted.confirmation(key)
    assert confirmation is not None
    assert confirmation.user_id == person.user_id
    installed = restarted.installed(key)
    assert installed is not None
    assert (installed.version, installed.md5) == ("1.1.0", staged.md5)


async def test_deleting_a_board_forgets_its_firmware_and_records(
    hass: HomeAssistant, add_board: BoardFactory, person: Context, config_dir: Path
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await install(hass, board, person)
    key = board.entry.entry_id
    staged = get_store(hass).latest(key)
    assert staged is not None
    path = get_store(hass).path_for(staged)

    assert await hass.config_entries.async_remove(board.entry.entry_id)
    await hass.async_block_till_done()

    assert get_store(hass).latest(key) is None
    assert not path.exists()
    ledger = hass.data[DATA_LEDGER]
    assert ledger.installed(key) is None
    assert ledger.confirmation(key) is None


async def test_a_board_back_with_another_version_is_logged(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await add_board()
    # The sketch announces its own version string, not the one the image carries.
    board.emulator.config.on_reboot[:] = [lambda version: board.announce("v1.1")]
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await install(hass, board, person)
    assert "came back announcing version v1.1, not the flashed 1.1.0" in caplog.text


async def test_a_board_back_announcing_the_images_md5_is_not_logged(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await add_board()
    image = build_esp32_app(version="1.1.0")
    # ESP8266 sketches often announce ESP.getSketchMD5() (cores/esp8266/Esp.cpp).
    md5 = hashlib.md5(image).hexdigest().upper()  # noqa: S324 - the board's digest
    board.emulator.config.on_reboot[:] = [lambda version: board.announce(md5)]
    await stage(hass, board, image)
    await install(hass, board, person)
    assert "came back announcing" not in caplog.text


async def test_image_changed_on_disk_after_staging_is_not_flashed(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    staged = get_store(hass).latest(board.entry.entry_id)
    assert staged is not None
    path = get_store(hass).path_for(staged)
    await hass.async_add_executor_job(
        path.write_bytes, build_esp32_app(version="6.6.6")
    )

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "image_changed_on_disk"
    assert board.emulator.invitations == []
