"""Adding web updater boards: by hand, from _http._tcp discovery, reauth."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import (
    CONF_HOSTNAME,
    CONF_PATH,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
    TRANSPORT_WEB,
)
from custom_components.esp_ota.web_probes import STORAGE_KEY
from tools.esp_emulator.web_updater import WebUpdaterEmulator

from .helpers import (
    ENTRY_DATA,
    WEB_HOSTNAME,
    WebBoardFactory,
    ZeroconfInfoFactory,
    add_web_board_by_hand,
    discover,
    http_info,
    web_entry_data,
)

pytestmark = pytest.mark.usefixtures("fast_web_timeouts", "mock_browser")


async def test_a_board_added_by_hand_is_checked_with_one_get_and_becomes_an_entry(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    result = await add_web_board_by_hand(
        hass,
        **{CONF_HOST: "127.0.0.1", CONF_PORT: web_emulator.port, CONF_PATH: "update"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "127.0.0.1"
    # The same identity discovery would give (no port): identity.py.
    assert result["result"].unique_id == "127.0.0.1"
    assert result["data"] == web_entry_data(web_emulator.port, hostname="127.0.0.1")
    assert web_emulator.requests == [("GET", "/update")]


async def test_the_manual_step_prefills_the_host_typed_in_the_first_step(
    hass: HomeAssistant,
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: " esp8266-porch.local ", CONF_PORT: 8266, "web_updater": True},
    )
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    host = next(key for key in schema if key == CONF_HOST)
    assert host.default() == "esp8266-porch.local"


async def test_a_board_asking_for_credentials_leads_to_the_credentials_step(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    web_emulator.config.username, web_emulator.config.password = "admin", "s3cret"
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: web_emulator.port}
    )
    assert result["step_id"] == "web_credentials"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_USERNAME] == "admin"
    assert result["data"][CONF_PASSWORD] == "s3cret"
    assert all(method == "GET" for method, _ in web_emulator.requests)


async def test_wrong_credentials_given_up_front_are_an_error_on_the_form(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    web_emulator.config.username, web_emulator.config.password = "admin", "s3cret"
    result = await add_web_board_by_hand(
        hass,
        **{
            CONF_HOST: "127.0.0.1",
            CONF_PORT: web_emulator.port,
            CONF_USERNAME: "admin",
            CONF_PASSWORD: "nope",
        },
    )
    assert result["step_id"] == "web"
    assert result["errors"] == {"base": "invalid_auth"}


@pytest.mark.parametrize(
    ("path", "host", "error"),
    [
        ("/elsewhere", "127.0.0.1", {"base": "not_an_updater"}),
        ("/update", "not a host", {CONF_HOST: "invalid_host"}),
    ],
)
async def test_something_else_at_the_address_is_reported_on_the_form(
    hass: HomeAssistant,
    web_emulator: WebUpdaterEmulator,
    path: str,
    host: str,
    error: dict[str, str],
) -> None:
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: host, CONF_PORT: web_emulator.port, CONF_PATH: path}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error


async def test_a_board_that_does_not_answer_is_cannot_connect(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    port = web_emulator.port
    await web_emulator.stop()
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: port}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_a_discovered_updater_is_offered_after_one_get_and_added(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    result = await discover(hass, http_info(web_emulator.port))
    assert result["step_id"] == "web_confirm"
    assert result["description_placeholders"]["url"] == (
        f"http://127.0.0.1:{web_emulator.port}/update"
    )
    assert web_emulator.requests == [("GET", "/update")]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == WEB_HOSTNAME
    assert result["data"] == web_entry_data(web_emulator.port)


async def test_a_discovered_updater_with_credentials_asks_for_them(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    web_emulator.config.username, web_emulator.config.password = "admin", "pw"
    result = await discover(hass, http_info(web_emulator.port))
    assert result["step_id"] == "web_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "web_credentials"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "pw"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_device_that_is_no_updater_is_probed_once_and_remembered(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator, hass_storage: dict[str, Any]
) -> None:
    web_emulator.config.path = "/not-here"
    await web_emulator.stop()
    await web_emulator.start()
    info = http_info(web_emulator.port)
    result = await discover(hass, info)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_esp_updater"
    assert web_emulator.requests == [("GET", "/update")]

    result = await discover(hass, info)
    assert result["reason"] == "not_esp_updater"
    assert web_emulator.requests == [("GET", "/update")]
    assert WEB_HOSTNAME in hass_storage[STORAGE_KEY]["data"]["not_updaters"]


async def test_a_device_without_an_esp_name_is_never_probed(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    result = await discover(hass, http_info(web_emulator.port, name="printer"))
    assert result["reason"] == "not_esp_updater"
    assert web_emulator.requests == []


async def test_a_discovered_device_that_does_not_answer_is_not_remembered(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    port = web_emulator.port
    await web_emulator.stop()
    result = await discover(hass, http_info(port))
    assert result["reason"] == "cannot_connect"
    await web_emulator.start(port)
    result = await discover(hass, http_info(port))
    assert result["step_id"] == "web_confirm"


async def test_rediscovery_updates_a_web_entry_without_probing(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=WEB_HOSTNAME, data=web_entry_data(1)
    )
    entry.add_to_hass(hass)
    result = await discover(hass, http_info(web_emulator.port))
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == web_emulator.port
    assert web_emulator.requests == []


async def test_an_ota_board_announcing_http_too_keeps_its_ota_entry(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="esp32-garden",
        data={**ENTRY_DATA, CONF_HOST: "127.0.0.1"},
    )
    entry.add_to_hass(hass)
    result = await discover(hass, http_info(web_emulator.port, name="esp32-garden"))
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == ENTRY_DATA[CONF_PORT]
    assert entry.data[CONF_TRANSPORT] == TRANSPORT_ESPOTA
    assert web_emulator.requests == []


async def test_an_ota_announcement_never_moves_a_web_board_to_the_ota_port(
    hass: HomeAssistant, zeroconf_info: ZeroconfInfoFactory
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="esp32-garden",
        data=web_entry_data(80, hostname="esp32-garden"),
    )
    entry.add_to_hass(hass)
    result = await discover(hass, zeroconf_info())
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 80
    assert entry.data[CONF_TRANSPORT] == TRANSPORT_WEB


async def test_a_web_board_already_added_as_ota_board_by_name_is_not_added_twice(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator
) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        unique_id="127.0.0.1",
        data={**ENTRY_DATA, CONF_HOST: "127.0.0.1", CONF_HOSTNAME: "127.0.0.1"},
    ).add_to_hass(hass)
    result = await add_web_board_by_hand(
        hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: web_emulator.port}
    )
    assert result["reason"] == "already_configured"
    assert web_emulator.requests == []


async def test_reauth_of_a_web_board_checks_and_stores_new_credentials(
    hass: HomeAssistant, add_web_board: WebBoardFactory
) -> None:
    board = await add_web_board(credentials=("admin", "old"))
    board.emulator.config.password = "new"
    board.entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    assert flow["step_id"] == "reauth_web"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "new"}
    )
    assert result["reason"] == "reauth_successful"
    assert board.entry.data[CONF_PASSWORD] == "new"
    assert board.entry.data[CONF_TRANSPORT] == TRANSPORT_WEB


async def test_a_device_remembered_in_an_earlier_run_is_not_probed_again(
    hass: HomeAssistant, web_emulator: WebUpdaterEmulator, hass_storage: dict[str, Any]
) -> None:
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"not_updaters": {WEB_HOSTNAME: "2026-01-01T00:00:00+00:00"}},
    }
    result = await discover(hass, http_info(web_emulator.port))
    assert result["reason"] == "not_esp_updater"
    assert web_emulator.requests == []


async def test_reconfiguring_a_web_board_checks_the_new_address_first(
    hass: HomeAssistant, add_web_board: WebBoardFactory
) -> None:
    board = await add_web_board(credentials=("admin", "pw"))
    other = await add_web_board(
        "esp8266-other", path="/fw", credentials=("admin", "pw")
    )
    result = await board.entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_web"
    assert CONF_PASSWORD not in result["data_schema"].schema
    changes = {CONF_HOST: "127.0.0.1", CONF_PORT: other.emulator.port}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**changes, CONF_PATH: "/update"}
    )
    assert result["errors"] == {"base": "not_an_updater"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**changes, CONF_HOST: "not a host", CONF_PATH: "fw"}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**changes, CONF_PATH: "fw"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert board.entry.data[CONF_PORT] == other.emulator.port
    assert board.entry.data[CONF_PATH] == "/fw"
    assert board.entry.data[CONF_PASSWORD] == "pw"
