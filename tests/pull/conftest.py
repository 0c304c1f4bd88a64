"""Fixtures for the pull server tests.

Sockets: the pull view is exercised through ``hass_client_no_auth``, an aiohttp
test server that Home Assistant's app runs on 127.0.0.1; the emulated pull
client (``tools.esp_emulator.pull_client``) talks real HTTP to it. Tests that
open such a server opt in with pytest-socket's ``socket_enabled`` (through
the ``pull_server`` fixture); only loopback is ever allowed.

The helpers these tests share (``PullServer``, ``board``, ``card``, …) live in
``helpers.py`` beside this file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import MagicMock

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.settings import DATA_SETTINGS

from .helpers import PullServer


@pytest.fixture
async def pull_server(
    hass: HomeAssistant,
    hass_client_no_auth: Callable[[], Awaitable[TestClient]],
    socket_enabled: None,
    mock_browser: MagicMock,
    config_dir: Any,
) -> PullServer:
    """Load esp_ota with the pull server on and return a client for it."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.data[DATA_SETTINGS].async_set_pull(enabled=True, rotate_token=False)
    return PullServer(hass, await hass_client_no_auth())
