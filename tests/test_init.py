"""Set-up and unload of an esp_ota config entry, and its device."""

from __future__ import annotations

from unittest.mock import MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import ARDUINO_SERVICE_TYPE, DOMAIN
from custom_components.esp_ota.presence import DATA_PRESENCE

from .helpers import ENTRY_DATA, HOSTNAME


async def test_entry_sets_up_a_board_and_unloads_cleanly(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_browser: MagicMock
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    board = init_integration.runtime_data
    assert isinstance(board, EspOtaBoard)
    assert (board.hostname, board.host, board.port) == (HOSTNAME, "192.168.1.50", 3232)
    assert mock_browser.call_args.args[1] == [ARDUINO_SERVICE_TYPE]

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert DATA_PRESENCE not in hass.data
    mock_browser.return_value.async_cancel.assert_awaited_once()


async def test_board_becomes_a_device_named_after_its_host(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, HOSTNAME)}
    assert device.name == HOSTNAME
    assert device.manufacturer == "Espressif"
    assert device.model == "esp32"
    assert device.sw_version is None


async def test_all_boards_share_one_browser_that_stops_after_the_last_unload(
    hass: HomeAssistant, mock_browser: MagicMock
) -> None:
    entries = [
        MockConfigEntry(
            domain=DOMAIN,
            unique_id=name,
            title=name,
            data={**ENTRY_DATA, "hostname": name},
        )
        for name in ("esp32-a", "esp32-b")
    ]
    for entry in entries:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert mock_browser.call_count == 1
    assert set(hass.data[DATA_PRESENCE].boards) == {"esp32-a", "esp32-b"}

    assert await hass.config_entries.async_unload(entries[0].entry_id)
    mock_browser.return_value.async_cancel.assert_not_awaited()
    assert set(hass.data[DATA_PRESENCE].boards) == {"esp32-b"}

    assert await hass.config_entries.async_unload(entries[1].entry_id)
    mock_browser.return_value.async_cancel.assert_awaited_once()
    assert DATA_PRESENCE not in hass.data
