"""The demo's onboarding and board adding, against a real Home Assistant.

These tests open sockets to the test's HTTP server on 127.0.0.1 only (the
``socket_enabled`` opt-in of pytest-socket). ``local_auth`` gives the test
Home Assistant the username/password provider the demo's owner lives in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import MagicMock

from aiohttp.test_utils import TestClient
from homeassistant.components import onboarding
from homeassistant.config_entries import SOURCE_ZEROCONF
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.settings import DATA_SETTINGS
from demo.haconfig import ONBOARDING_DONE
from demo.hass_api import HassApi, HassApiError
from tests.helpers import ARDUINO_TXT, HOSTNAME, make_zeroconf_info

type ClientFactory = Callable[[], Awaitable[TestClient[Any, Any]]]


def _api(client: TestClient[Any, Any]) -> HassApi:
    return HassApi(client.session, str(client.make_url("")).rstrip("/"))


@pytest.mark.usefixtures("local_auth")
async def test_demo_onboarding_creates_the_owner_and_finishes_onboarding(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    hass_storage["onboarding"] = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": ONBOARDING_DONE},
    }
    assert await async_setup_component(hass, "onboarding", {})
    api = _api(await hass_client_no_auth())
    await api.wait_until_up()

    await api.onboard(name="Demo", username="demo", password="demo")

    assert onboarding.async_is_onboarded(hass)
    assert api.token is not None
    owner = next(user for user in await hass.auth.async_get_users() if user.is_owner)
    assert [cred.data["username"] for cred in owner.credentials] == ["demo"]


@pytest.mark.usefixtures("local_auth")
async def test_demo_onboarding_fails_on_an_already_onboarded_home_assistant(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    hass_storage["onboarding"] = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": [*ONBOARDING_DONE, "user"]},
    }
    assert await async_setup_component(hass, "onboarding", {})
    api = _api(await hass_client_no_auth())

    with pytest.raises(HassApiError, match="/api/onboarding/users answered 404"):
        await api.onboard(name="Demo", username="demo", password="demo")


@pytest.fixture
async def discovered_board(
    hass: HomeAssistant, mock_browser: MagicMock, config_dir: object
) -> str:
    """Set up what the flow API needs and discover a board with a password."""
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, "websocket_api", {})
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=make_zeroconf_info(properties={**ARDUINO_TXT, "auth_upload": "yes"}),
    )
    return str(result["flow_id"])


async def test_demo_adds_a_discovered_board_with_its_password(
    hass: HomeAssistant,
    discovered_board: str,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    api = _api(await hass_client_no_auth())
    api.token = hass_access_token

    flow_id = await api.wait_for_discovery(DOMAIN, HOSTNAME)
    entry_id = await api.finish_flow(flow_id, [{}, {CONF_PASSWORD: "demo-ota"}])

    assert flow_id == discovered_board
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    assert entry.unique_id == HOSTNAME
    assert entry.data[CONF_PASSWORD] == "demo-ota"
    await hass.async_block_till_done()


async def test_a_flow_that_ends_without_an_entry_is_an_error(
    hass: HomeAssistant,
    discovered_board: str,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    api = _api(await hass_client_no_auth())
    api.token = hass_access_token

    with pytest.raises(HassApiError, match="flow ended with form"):
        await api.finish_flow(discovered_board, [{}])


async def test_demo_turns_the_pull_server_on_through_a_boards_options(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    assert await async_setup_component(hass, "config", {})
    await hass.config.async_update(internal_url="http://127.0.0.1:8123")
    settings = hass.data[DATA_SETTINGS]
    await settings.async_set_parallel_uploads(7)
    assert not hass.data[DATA_SETTINGS].pull_enabled
    api = _api(await hass_client_no_auth())
    api.token = hass_access_token

    url = await api.enable_pull_server(init_integration.entry_id)

    assert settings.pull_enabled
    assert url == f"http://127.0.0.1:8123/api/esp_ota/pull/{settings.pull_token}"
    assert settings.parallel_uploads == 7  # the other fields keep their values
    await hass.async_block_till_done()


async def test_turning_the_pull_server_on_for_an_unknown_entry_is_an_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    assert await async_setup_component(hass, "config", {})
    api = _api(await hass_client_no_auth())
    api.token = hass_access_token

    with pytest.raises(HassApiError, match=r"options/flow answered (404|500)"):
        await api.enable_pull_server("no-such-entry")
    assert not hass.data[DATA_SETTINGS].pull_enabled
