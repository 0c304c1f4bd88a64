"""The last install of a board: a sensor, diagnostics, and repairs that end.

Installs go through the emulated board; a person's context or an automation's
(none) decides whether a confirmation exists.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.const import STATE_UNKNOWN, EntityCategory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.history import STORAGE_KEY
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, EmulatedBoard, install, stage

SENSOR = "sensor.esp32_garden_last_install"


def issues(hass: HomeAssistant) -> set[str]:
    """Return the ids of esp_ota's open repair issues."""
    return {
        issue_id for domain, issue_id in ir.async_get(hass).issues if domain == DOMAIN
    }


def details(hass: HomeAssistant) -> dict[str, Any]:
    """Return the sensor's state and attributes, without the time it ended."""
    state = hass.states.get(SENSOR)
    assert state is not None
    attributes = dict(state.attributes)
    assert attributes.pop("time").startswith("20")
    seconds = attributes.pop("seconds")
    assert isinstance(seconds, float)
    assert seconds >= 0
    return {"state": state.state, **attributes}


async def test_a_successful_install_is_kept_in_a_diagnostic_sensor(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    add_board: BoardFactory,
    person: Context,
) -> None:
    board = await add_board()
    assert hass.states.get(SENSOR).state == STATE_UNKNOWN
    entity = er.async_get(hass).async_get(SENSOR)
    assert entity is not None
    assert entity.entity_category is EntityCategory.DIAGNOSTIC

    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await install(hass, board, person)

    shown = details(hass)
    assert shown.pop("friendly_name") == "esp32-garden Last install"
    assert shown == {
        "state": "succeeded",
        "version": "2.0.0",
        "target": "app",
        "method": "espota",
        "reason": None,
        "device_class": "enum",
        "options": ["succeeded", "refused", "failed"],
    }
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, board.entry)
    last = diagnostics["last_install"]
    assert (last["version"], last["outcome"], last["method"]) == (
        "2.0.0",
        "succeeded",
        "espota",
    )


async def test_a_refused_install_says_why(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    # An automation, and nobody confirmed the image: refused before any byte.
    with pytest.raises(HomeAssistantError):
        await install(hass, board, None)
    assert details(hass)["state"] == "refused"
    assert details(hass)["reason"] == "not_confirmed"
    assert board.emulator.received_images == []


async def failed_install(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> EmulatedBoard:
    """Install on a board that never announces itself after its reboot."""
    board = await add_board(announce_after_reboot=False)
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    with (
        patch("custom_components.esp_ota.install.COMEBACK_TIMEOUT", 0.2),
        pytest.raises(HomeAssistantError),
    ):
        await install(hass, board, person)
    return board


async def test_a_board_that_comes_back_late_clears_its_repair(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await failed_install(hass, add_board, person)
    assert details(hass)["state"] == "failed"
    assert details(hass)["reason"] == "board_did_not_return"
    comeback = f"no_return_{board.entry.entry_id}"
    assert comeback in issues(hass)

    board.announce("2.0.0")  # heard from at last
    await hass.async_block_till_done()

    assert comeback not in issues(hass)
    # What happened stays visible.
    assert details(hass)["state"] == "failed"


async def test_removing_a_board_removes_its_repairs_and_records(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    hass_storage: dict[str, Any],
) -> None:
    board = await failed_install(hass, add_board, person)
    await stage(hass, board, build_esp32_app(version="2.1.0", seed=7))
    with pytest.raises(HomeAssistantError):
        await install(hass, board, None)  # asks for a confirmation
    assert issues(hass) == {
        f"no_return_{board.entry.entry_id}",
        f"confirm_{board.entry.entry_id}",
    }

    assert await hass.config_entries.async_remove(board.entry.entry_id)
    await hass.async_block_till_done()

    assert issues(hass) == set()
    assert board.entry.entry_id not in hass_storage[STORAGE_KEY]["data"]


async def test_the_last_install_survives_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    # What an earlier run saved.
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            mock_config_entry.entry_id: {
                "at": "2026-12-01T10:00:00+00:00",
                "version": "1.4.0",
                "target": "app",
                "method": "web",
                "outcome": "failed",
                "reason": "web_upload_failed",
                "seconds": 12.5,
            }
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get(SENSOR)
    assert state.state == "failed"
    assert state.attributes["reason"] == "web_upload_failed"
    assert state.attributes["seconds"] == 12.5
