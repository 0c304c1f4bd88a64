"""Tests for the esp_ota config flow: discovered, manual, reauth, reconfigure."""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.config_flow import async_resolve_host
from custom_components.esp_ota.const import (
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
)

from .helpers import (
    ARDUINO_TXT,
    ENTRY_DATA,
    HOST,
    HOSTNAME,
    PORT,
    RESOLVE,
    ZeroconfInfoFactory,
    discover,
)

pytestmark = pytest.mark.usefixtures("mock_browser")


async def test_discovered_board_is_confirmed_and_becomes_an_entry(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await discover(hass, zeroconf_info())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        "hostname": HOSTNAME,
        "board": "esp32",
        "address": f"{HOST}:{PORT}",
        "password": "not required",
    }
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"name": HOSTNAME}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == HOSTNAME
    assert result["data"] == ENTRY_DATA
    assert result["result"].unique_id == HOSTNAME
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_discovered_board_with_auth_upload_asks_for_its_password(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await discover(
        hass, zeroconf_info(properties={**ARDUINO_TXT, "auth_upload": "yes"})
    )
    assert result["description_placeholders"]["password"] == "required"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_password"
    schema_key = next(iter(result["data_schema"].schema))
    assert schema_key == CONF_PASSWORD
    assert schema_key.__class__.__name__ == "Required"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**ENTRY_DATA, CONF_PASSWORD: "s3cret"}


async def test_board_that_does_not_say_whether_it_needs_a_password_gets_an_optional_field(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    result = await discover(hass, zeroconf_info(properties={}))
    assert result["description_placeholders"]["password"] == "unknown"
    assert result["description_placeholders"]["board"] == "unknown"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "zeroconf_password"
    assert next(iter(result["data_schema"].schema)).__class__.__name__ == "Optional"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_PASSWORD not in result["data"]
    assert CONF_BOARD not in result["data"]


async def test_rediscovered_board_at_a_new_address_updates_its_entry(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=HOSTNAME, title=HOSTNAME, data=dict(ENTRY_DATA)
    )
    entry.add_to_hass(hass)

    result = await discover(hass, zeroconf_info(host="192.168.1.77", port=8266))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.168.1.77"
    assert entry.data[CONF_PORT] == 8266
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_rediscovery_of_a_loaded_board_updates_its_runtime_without_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    zeroconf_info: ZeroconfInfoFactory,
) -> None:
    board = init_integration.runtime_data
    assert board.available is False

    result = await discover(
        hass,
        zeroconf_info(
            host="192.168.1.78", properties={**ARDUINO_TXT, "version": "2.1"}
        ),
    )
    assert result["reason"] == "already_configured"
    assert init_integration.runtime_data is board, "entry was reloaded"
    assert board.available is True
    assert board.host == "192.168.1.78"
    assert board.version == "2.1"
    assert init_integration.data[CONF_HOST] == "192.168.1.78"


async def test_entry_added_by_ip_takes_the_host_name_when_the_board_announces_itself(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=HOST,
        title=HOST,
        source=SOURCE_USER,
        data={**ENTRY_DATA, CONF_HOSTNAME: HOST},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await discover(hass, zeroconf_info())
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.unique_id == HOSTNAME
    assert entry.title == HOSTNAME
    assert entry.data[CONF_HOSTNAME] == HOSTNAME
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hostname == HOSTNAME
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert [device.identifiers for device in devices] == [{(DOMAIN, HOSTNAME)}]


async def test_ignored_board_is_not_offered_again(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=HOSTNAME, source=SOURCE_IGNORE, data={}
    ).add_to_hass(hass)
    result = await discover(hass, zeroconf_info())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    "overrides",
    [
        {"port": 0},
        {"port": 70000},
        {"hostname": "bad host", "name": "bad host._arduino._tcp.local."},
        {"host": "169.254.1.1"},
    ],
)
async def test_unusable_announcement_is_aborted_not_crashed(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory, overrides: dict[str, Any]
) -> None:
    result = await discover(hass, zeroconf_info(**overrides))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_hostile_txt_record_is_shown_as_unknown(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    hostile = {
        "board": "\ufffd\ufffd",
        "auth_upload": "y" * 100_000,
        "x" * 300: "y",
        "version": None,
    }
    result = await discover(hass, zeroconf_info(properties=hostile))
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"]["board"] == "unknown"
    assert result["description_placeholders"]["password"] == "unknown"


async def test_board_added_by_hand_becomes_an_entry(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    with patch(RESOLVE, return_value=True) as resolve:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "ESP32-Garden.local", CONF_PORT: 3232, CONF_PASSWORD: "pw"},
        )
    resolve.assert_awaited_once_with(hass, "ESP32-Garden.local")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == HOSTNAME
    assert result["result"].unique_id == HOSTNAME
    assert result["data"] == {
        CONF_HOST: "ESP32-Garden.local",
        CONF_PORT: 3232,
        CONF_HOSTNAME: HOSTNAME,
        CONF_TRANSPORT: TRANSPORT_ESPOTA,
        CONF_PASSWORD: "pw",
    }


async def test_board_added_by_ip_address_needs_no_lookup(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: 8266}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == HOST
    assert CONF_PASSWORD not in result["data"]


async def test_board_added_by_hand_twice_is_already_configured(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(RESOLVE, return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "esp32-garden.local.", CONF_PORT: 3232}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("host", "resolves", "error"),
    [("not a host", True, "invalid_host"), ("nowhere.local", False, "cannot_resolve")],
)
async def test_manual_step_reports_bad_hosts_and_recovers(
    hass: HomeAssistant, host: str, resolves: bool, error: str
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(RESOLVE, return_value=resolves):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: host, CONF_PORT: 3232}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: error}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: 3232}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_host_names_are_resolved_with_a_bounded_lookup(
    hass: HomeAssistant,
) -> None:
    with patch.object(hass.loop, "getaddrinfo", AsyncMock(return_value=[])) as lookup:
        assert await async_resolve_host(hass, "esp32-garden.local")
    assert lookup.await_args.args[0] == "esp32-garden.local"
    with patch.object(
        hass.loop, "getaddrinfo", AsyncMock(side_effect=socket.gaierror("no such host"))
    ):
        assert not await async_resolve_host(hass, "nowhere.local")
    with patch.object(hass.loop, "getaddrinfo", AsyncMock(side_effect=TimeoutError)):
        assert not await async_resolve_host(hass, "slow.example")
    with patch.object(hass.loop, "getaddrinfo", AsyncMock()) as lookup:
        assert await async_resolve_host(hass, "10.1.2.3")
    lookup.assert_not_awaited()


async def test_reauth_stores_the_new_password_and_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_browser: MagicMock
) -> None:
    old_board = init_integration.runtime_data
    init_integration.async_start_reauth(hass)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PASSWORD: "n3w"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data[CONF_PASSWORD] == "n3w"
    assert init_integration.runtime_data is not old_board
    assert init_integration.runtime_data.password == "n3w"


async def test_reconfigure_changes_address_and_removes_an_emptied_password(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_PASSWORD: "old"}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    with patch(RESOLVE, return_value=False):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "gone.lan", CONF_PORT: 3232}
        )
    assert result["errors"] == {CONF_HOST: "cannot_resolve"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "bad host", CONF_PORT: 3232}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "10.0.0.9", CONF_PORT: 8266, CONF_PASSWORD: ""}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data == {
        **ENTRY_DATA,
        CONF_HOST: "10.0.0.9",
        CONF_PORT: 8266,
    }
    assert mock_config_entry.unique_id == HOSTNAME
    assert mock_config_entry.runtime_data.host == "10.0.0.9"


async def test_reconfigure_can_set_a_password(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: PORT, CONF_PASSWORD: "pw"}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_PASSWORD] == "pw"
