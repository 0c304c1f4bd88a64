"""Board presence through Home Assistant's shared zeroconf instance.

The browser is mocked; its handler is called directly. Announced records are
put into the mocked zeroconf's real DNSCache, which is where python-zeroconf's
AsyncServiceInfo reads them from.
"""

from __future__ import annotations

import asyncio
from unittest.mock import MagicMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from zeroconf import ServiceStateChange

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import ARDUINO_SERVICE_TYPE, DOMAIN
from custom_components.esp_ota.entity import EspOtaEntity

from .helpers import (
    ARDUINO_TXT,
    ENTRY_DATA,
    HOST,
    HOSTNAME,
    ONLINE,
    PORT,
    announce,
    fire,
)


async def test_discovered_board_is_offline_until_announced_then_online(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    assert hass.states.get(ONLINE).state == STATE_OFF
    assert board.last_seen is None

    announce(mock_async_zeroconf, mock_browser)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert board.available is True
    assert board.last_seen is not None
    state = hass.states.get(ONLINE)
    assert state.state == STATE_ON
    assert state.attributes["host"] == HOST
    assert state.attributes["port"] == PORT
    assert state.attributes["last_seen"] == board.last_seen.isoformat()


async def test_online_sensor_is_a_diagnostic_connectivity_sensor(
    hass: HomeAssistant, board: EspOtaBoard, entity_registry: er.EntityRegistry
) -> None:
    entity = entity_registry.async_get(ONLINE)
    assert entity is not None
    assert entity.unique_id == f"{HOSTNAME}_online"
    assert entity.entity_category == "diagnostic"
    assert entity.translation_key == "online"
    assert hass.states.get(ONLINE).attributes["device_class"] == "connectivity"


async def test_board_going_away_is_offline_and_coming_back_is_online(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    announce(mock_async_zeroconf, mock_browser)
    await hass.async_block_till_done(wait_background_tasks=True)

    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    await hass.async_block_till_done()
    assert board.available is False
    assert hass.states.get(ONLINE).state == STATE_OFF
    # Logged once per outage, not on every repeated goodbye.
    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    assert caplog.text.count("is unavailable") == 1

    announce(mock_async_zeroconf, mock_browser)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.available is True
    assert hass.states.get(ONLINE).state == STATE_ON
    assert "is back online" in caplog.text


async def test_board_added_by_hand_is_assumed_online_until_mdns_says_otherwise(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=HOSTNAME,
        title=HOSTNAME,
        source=SOURCE_USER,
        data=dict(ENTRY_DATA),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(ONLINE).state == STATE_ON

    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    await hass.async_block_till_done()
    assert hass.states.get(ONLINE).state == STATE_OFF


async def test_new_address_from_mdns_is_stored_in_the_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    announce(mock_async_zeroconf, mock_browser, host="192.168.1.99", port=8266)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (board.host, board.port) == ("192.168.1.99", 8266)
    assert init_integration.data[CONF_HOST] == "192.168.1.99"
    assert init_integration.data[CONF_PORT] == 8266
    assert init_integration.runtime_data is board, "address change reloaded the entry"
    assert hass.states.get(ONLINE).attributes["host"] == "192.168.1.99"


async def test_txt_version_change_is_picked_up_live(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    board = init_integration.runtime_data
    announce(mock_async_zeroconf, mock_browser, txt={**ARDUINO_TXT, "version": "1.0"})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.version == "1.0"

    announce(
        mock_async_zeroconf,
        mock_browser,
        txt={**ARDUINO_TXT, "board": "esp32s3", "fw_version": "1.1"},
        state_change=ServiceStateChange.Updated,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.version == "1.1"
    assert board.board_id == "esp32s3"
    assert board.txt["fw_version"] == "1.1"
    (device,) = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert (device.sw_version, device.model) == ("1.1", "esp32s3")


async def test_other_boards_on_the_network_change_nothing(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    announce(
        mock_async_zeroconf,
        mock_browser,
        name=f"esp8266-other.{ARDUINO_SERVICE_TYPE}",
        server="esp8266-other.local.",
        host="192.168.1.2",
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    fire(
        mock_async_zeroconf,
        mock_browser,
        ServiceStateChange.Removed,
        f"esp8266-other.{ARDUINO_SERVICE_TYPE}",
    )
    assert board.available is False
    assert board.host == HOST


async def test_removal_finds_a_board_whose_instance_name_differs_from_its_host(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    renamed = f"Garden Valve.{ARDUINO_SERVICE_TYPE}"
    announce(mock_async_zeroconf, mock_browser, name=renamed)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.available is True

    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed, renamed)
    assert board.available is False


async def test_unresolvable_or_unusable_services_are_ignored(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    # Nothing in the cache and no answer to the query.
    with patch(
        "custom_components.esp_ota.presence.AsyncServiceInfo.async_request",
        return_value=False,
    ):
        fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Added)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert board.available is False

    # Only a link-local address: Home Assistant's converter refuses it.
    announce(mock_async_zeroconf, mock_browser, host="169.254.7.7")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.available is False

    # A port no board can use.
    announce(mock_async_zeroconf, mock_browser, port=0)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert board.available is False


async def test_waiting_for_an_announcement_ends_with_the_next_one(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    waiter = hass.async_create_task(board.async_wait_for_announcement(30))
    await asyncio.sleep(0)
    assert not waiter.done()
    announce(mock_async_zeroconf, mock_browser)
    await waiter


async def test_waiting_for_an_announcement_times_out(board: EspOtaBoard) -> None:
    with pytest.raises(TimeoutError):
        await board.async_wait_for_announcement(0)


async def test_waiting_for_an_announcement_is_cancelled_on_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, board: EspOtaBoard
) -> None:
    waiter = hass.async_create_task(board.async_wait_for_announcement(30))
    await asyncio.sleep(0)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def test_listeners_hear_every_change_until_removed(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    calls: list[bool] = []
    remove = board.async_add_listener(lambda: calls.append(board.available))
    announce(mock_async_zeroconf, mock_browser)
    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    assert calls == [True, False]
    remove()
    remove()  # removing twice is harmless
    announce(mock_async_zeroconf, mock_browser)
    assert calls == [True, False]


async def test_base_entity_is_available_only_while_the_board_is_present(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    entity = EspOtaEntity(board, "probe")
    assert entity.unique_id == f"{HOSTNAME}_probe"
    assert entity.device_info is not None
    assert entity.device_info["identifiers"] == {(DOMAIN, HOSTNAME)}
    assert entity.available is False
    announce(mock_async_zeroconf, mock_browser)
    assert entity.available is True
    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    assert entity.available is False


async def test_password_comes_from_the_entry_and_empty_means_none(
    hass: HomeAssistant, init_integration: MockConfigEntry, board: EspOtaBoard
) -> None:
    assert board.password is None
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "password": "pw"}
    )
    assert board.password == "pw"
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "password": ""}
    )
    assert board.password is None


async def test_board_reloaded_while_the_browser_runs_starts_from_its_last_announcement(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    # A second board keeps the shared browser running across the reload.
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="esp8266-shed",
        source="zeroconf",
        data={**ENTRY_DATA, "hostname": "esp8266-shed"},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    announce(mock_async_zeroconf, mock_browser, txt={**ARDUINO_TXT, "version": "7"})
    await hass.async_block_till_done(wait_background_tasks=True)

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.available is True
    assert init_integration.runtime_data.version == "7"
    assert hass.states.get(ONLINE).state == STATE_ON

    # Once gone, a reload no longer brings back the stale announcement.
    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.available is False


async def test_removal_of_a_service_without_a_usable_name_is_ignored(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    announce(mock_async_zeroconf, mock_browser)
    fire(
        mock_async_zeroconf,
        mock_browser,
        ServiceStateChange.Removed,
        f"?? bad\x00.{ARDUINO_SERVICE_TYPE}",
    )
    assert board.available is True


async def test_unload_cancels_a_resolution_still_waiting_for_an_answer(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def never_answers(*_: object) -> bool:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return False

    with patch(
        "custom_components.esp_ota.presence.AsyncServiceInfo.async_request",
        side_effect=never_answers,
    ):
        fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Added)
        await started.wait()
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        await cancelled.wait()
