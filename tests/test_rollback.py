"""Rollback detection: a board that goes back to the sketch it ran before.

The emulated board is told what to announce after its reboot (and later):
its old version is what an ESP32 with app rollback announces when the new app
did not mark itself valid.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.events import EVENT_INSTALL_FINISHED
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.rollback import ROLLBACK_WATCH
from tools.esp_emulator import Fault
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, EmulatedBoard, install, stage

LAST_INSTALL = "sensor.esp32_garden_last_install"


def rollback_issue(hass: HomeAssistant, board: EmulatedBoard) -> ir.IssueEntry | None:
    """Return the board's "rolled back" repair, if raised."""
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"rolled_back_{board.entry.entry_id}"
    )


async def test_a_board_back_on_its_old_version_is_a_failed_install(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Runs 1.0.0; the new app will not mark itself valid: the bootloader
    # boots the old one again.
    board = await add_board(fault=Fault.ROLLBACK)
    await stage(hass, board, build_esp32_app(version="2.0.0"))

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)

    assert err.value.translation_key == "rolled_back"
    # Said once, as the failed install: not also as "another version".
    assert "came back announcing" not in caplog.text
    assert "went back to version 1.0.0" in str(err.value)
    issue = rollback_issue(hass, board)
    assert issue is not None
    assert issue.translation_placeholders == {
        "board": "esp32-garden",
        "version": "2.0.0",
        "running": "1.0.0",
    }
    # The card shows what runs, and still offers the update.
    state = hass.states.get(board.update_entity)
    assert state.attributes["installed_version"] == "1.0.0"
    assert state.state == "on"
    assert hass.data[DATA_LEDGER].installed(board.entry.entry_id) is None
    last = hass.states.get(LAST_INSTALL)
    assert (last.state, last.attributes["reason"]) == ("failed", "rolled_back")


async def test_a_fall_back_within_ten_minutes_is_caught(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await install(hass, board, person)
    assert hass.data[DATA_LEDGER].installed(board.entry.entry_id) is not None
    assert rollback_issue(hass, board) is None

    # Minutes later the watchdog restarts it into the old app.
    board.announce("1.0.0")
    await hass.async_block_till_done()

    assert rollback_issue(hass, board) is not None
    assert hass.data[DATA_LEDGER].installed(board.entry.entry_id) is None
    assert [(e.data["outcome"], e.data["reason"]) for e in finished] == [
        ("succeeded", None),
        ("failed", "rolled_back"),
    ]
    assert hass.states.get(LAST_INSTALL).state == "failed"
    assert hass.states.get(board.update_entity).attributes["installed_version"] == (
        "1.0.0"
    )

    # The next install that stays clears the repair.
    board.emulator.config.on_reboot[:] = [lambda version: board.announce("2.0.0")]
    await install(hass, board, person)
    assert rollback_issue(hass, board) is None


async def test_the_old_version_after_the_watch_is_not_a_rollback(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await install(hass, board, person)

    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=ROLLBACK_WATCH + 1)
    )
    await hass.async_block_till_done()
    # Flashed by cable, say: esp_ota does not call that a rollback.
    board.announce("1.0.0")
    await hass.async_block_till_done()

    assert rollback_issue(hass, board) is None
    assert hass.states.get(LAST_INSTALL).state == "succeeded"


async def test_a_board_announcing_its_own_version_strings_is_not_watched(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(announce_version=False)
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await install(hass, board, person)
    board.announce(None)
    await hass.async_block_till_done()
    assert rollback_issue(hass, board) is None
