"""One identity per board: discovery, adding by hand and reconfigure in every order.

The identity is the mDNS host name (identity.py): a board added by address
takes it when it announces itself, keeping its device and entity ids; a board
is never added twice; reconfigure cannot point an entry at another board.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import CONF_HOSTNAME, CONF_PATH, DOMAIN
from tools.esp_emulator.web_updater import WebUpdaterEmulator

from .helpers import (
    ENTRY_DATA,
    HOST,
    HOSTNAME,
    RESOLVE,
    WEB_HOSTNAME,
    ZeroconfInfoFactory,
    add_web_board_by_hand,
    discover,
    http_info,
    web_entry_data,
)

pytestmark = pytest.mark.usefixtures("fast_web_timeouts", "mock_browser")


async def _add_by_hand(hass: HomeAssistant, host: str) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(RESOLVE, return_value=True):
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: host, CONF_PORT: 3232}
        )


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, host: str) -> Any:
    result = await entry.start_reconfigure_flow(hass)
    with patch(RESOLVE, return_value=True):
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: host, CONF_PORT: 3232}
        )


def _registry_view(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """Return entity id -> unique id of the entry's entities."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    return {entity.entity_id: entity.unique_id for entity in entities}


def _identifiers(hass: HomeAssistant, entry_id: str) -> list[set[tuple[str, str]]]:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    return [set(device.identifiers) for device in devices]


async def test_a_board_added_by_address_keeps_its_entities_when_discovered(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await _add_by_hand(hass, HOST)
    entry = result["result"]
    await hass.async_block_till_done()
    before = _registry_view(hass, entry.entry_id)
    assert before
    assert all(unique_id.startswith(f"{HOST}_") for unique_id in before.values())

    result = await discover(hass, zeroconf_info())
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()

    assert entry.unique_id == HOSTNAME
    assert entry.state is ConfigEntryState.LOADED
    after = _registry_view(hass, entry.entry_id)
    # Same entity ids (and so history); unique ids now built on the host name.
    assert set(after) == set(before)
    assert all(unique_id.startswith(f"{HOSTNAME}_") for unique_id in after.values())
    assert _identifiers(hass, entry.entry_id) == [{(DOMAIN, HOSTNAME)}]


async def test_a_discovered_board_is_not_added_again_by_name_or_address(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await discover(hass, zeroconf_info())
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    for host in (f"{HOSTNAME}.local", HOSTNAME.upper(), HOST):
        result = await _add_by_hand(hass, host)
        assert result["type"] is FlowResultType.ABORT, host
        assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_a_board_added_by_name_is_the_one_discovery_finds(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await _add_by_hand(hass, f"{HOSTNAME}.local")
    entry = result["result"]
    assert entry.unique_id == HOSTNAME
    result = await discover(hass, zeroconf_info(host="192.168.1.77"))
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.168.1.77"


async def test_reconfigure_cannot_point_an_entry_at_another_board(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await _reconfigure(hass, mock_config_entry, "esp32-shed.local")
    assert result["reason"] == "unique_id_mismatch"
    assert mock_config_entry.data[CONF_HOST] == HOST

    # Its own name (any domain) or an address (cannot be checked) is fine.
    result = await _reconfigure(hass, mock_config_entry, f"{HOSTNAME}.lan")
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_HOST] == f"{HOSTNAME}.lan"
    result = await _reconfigure(hass, mock_config_entry, "192.168.1.99")
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.unique_id == HOSTNAME


async def test_reconfigure_names_a_board_known_by_address_unless_taken(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    by_address = MockConfigEntry(
        domain=DOMAIN,
        title="192.168.1.60",
        unique_id="192.168.1.60",
        data={**ENTRY_DATA, CONF_HOST: "192.168.1.60", CONF_HOSTNAME: "192.168.1.60"},
    )
    by_address.add_to_hass(hass)
    result = await _reconfigure(hass, by_address, f"{HOSTNAME}.local")
    assert result["reason"] == "already_configured"
    assert by_address.unique_id == "192.168.1.60"

    result = await _reconfigure(hass, by_address, "esp32-shed.local")
    assert result["reason"] == "reconfigure_successful"
    assert by_address.unique_id == "esp32-shed"
    assert (by_address.title, by_address.data[CONF_HOSTNAME]) == ("esp32-shed",) * 2


async def test_a_web_board_added_by_address_takes_its_name_when_discovered(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: web_emulator.port}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    before = _registry_view(hass, entry.entry_id)

    result = await discover(hass, http_info(web_emulator.port))
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.unique_id == WEB_HOSTNAME
    assert entry.data[CONF_HOSTNAME] == WEB_HOSTNAME
    assert set(_registry_view(hass, entry.entry_id)) == set(before)
    # Neither by address nor by name is it added a second time.
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: web_emulator.port}
    )
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reconfigure_of_a_web_board_refuses_another_board_before_asking_it(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=WEB_HOSTNAME,
        unique_id=WEB_HOSTNAME,
        data=web_entry_data(web_emulator.port),
        minor_version=2,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "esp8266-attic.local", CONF_PORT: 80, CONF_PATH: "/update"},
    )
    assert result["reason"] == "unique_id_mismatch"
    assert web_emulator.requests == []


@pytest.mark.parametrize("taken", [False, True])
async def test_web_entries_keyed_by_host_and_port_are_migrated(
    hass: HomeAssistant, mock_browser: MagicMock, taken: bool
) -> None:
    if taken:
        MockConfigEntry(domain=DOMAIN, unique_id=WEB_HOSTNAME, data={}).add_to_hass(
            hass
        )
    old = MockConfigEntry(
        domain=DOMAIN,
        title=WEB_HOSTNAME,
        unique_id=f"{WEB_HOSTNAME}:80",
        data=web_entry_data(80),
        version=1,
        minor_version=1,
    )
    old.add_to_hass(hass)
    assert await hass.config_entries.async_setup(old.entry_id)
    await hass.async_block_till_done()
    assert old.state is ConfigEntryState.LOADED
    assert old.minor_version == 2
    assert old.unique_id == (f"{WEB_HOSTNAME}:80" if taken else WEB_HOSTNAME)


async def test_an_entry_from_a_newer_version_is_not_loaded(
    hass: HomeAssistant, mock_browser: MagicMock
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=HOSTNAME, data=dict(ENTRY_DATA), version=2
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
