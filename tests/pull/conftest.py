"""Fixtures for the pull server tests.

Sockets: the pull view is exercised through ``hass_client_no_auth``, an aiohttp
test server that Home Assistant's app runs on 127.0.0.1; the emulated pull
client (``tools.esp_emulator.pull_client``) talks real HTTP to it. Tests that
open such a server opt in with pytest-socket's ``socket_enabled`` (through
the ``pull_server`` fixture); only loopback is ever allowed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import os
from typing import Any
from unittest.mock import MagicMock

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import (
    CONF_HOSTNAME,
    CONF_MAC,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_PULL,
)
from custom_components.esp_ota.pull.config_flow import pull_hostname
from custom_components.esp_ota.settings import DATA_SETTINGS
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullBoard

MAC = "24:6f:28:aa:bb:cc"
OTHER_MAC = "24:6f:28:dd:ee:ff"


def slug(mac: str) -> str:
    """Return the entity id part of a pull board's device."""
    return pull_hostname(mac).replace("-", "_")


@dataclass
class PullServer:
    """The pull view of a running Home Assistant, and helpers to call it."""

    hass: HomeAssistant
    client: TestClient

    @property
    def token(self) -> str:
        """Return the current secret token."""
        return self.hass.data[DATA_SETTINGS].pull_token

    @property
    def url(self) -> str:
        """Return the full URL boards call."""
        return str(self.client.make_url(f"/api/esp_ota/pull/{self.token}"))

    async def get(
        self, headers: dict[str, str], *, token: str | None = None
    ) -> ClientResponse:
        """GET the pull URL with headers (read the body before returning)."""
        response = await self.client.get(
            f"/api/esp_ota/pull/{self.token if token is None else token}",
            headers=headers,
        )
        await response.read()
        return response

    async def add_board(
        self, mac: str = MAC, title: str | None = None
    ) -> MockConfigEntry:
        """Add a pull board's config entry and load it.

        Named after its MAC unless a title is given (the device takes it).
        """
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=title or pull_hostname(mac),
            unique_id=mac,
            source="integration_discovery",
            data={
                CONF_TRANSPORT: TRANSPORT_PULL,
                CONF_MAC: mac,
                CONF_HOSTNAME: pull_hostname(mac),
            },
        )
        entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        return entry

    async def enable_details(self, entry: MockConfigEntry) -> None:
        """Enable the sensors disabled by default, as a person would, and reload."""
        registry = er.async_get(self.hass)
        for item in er.async_entries_for_config_entry(registry, entry.entry_id):
            if item.disabled_by is er.RegistryEntryDisabler.INTEGRATION:
                registry.async_update_entity(item.entity_id, disabled_by=None)
        assert await self.hass.config_entries.async_reload(entry.entry_id)
        await self.hass.async_block_till_done()

    async def stage(self, entry: MockConfigEntry, image: bytes, **data: Any) -> None:
        """Stage an image for the board through the action, from a file."""
        folder = self.hass.config.path("builds")
        self.hass.config.allowlist_external_dirs = {folder}

        def write() -> str:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"{len(os.listdir(folder))}.bin")
            with open(path, "wb") as file:
                file.write(image)
            return path

        path = await self.hass.async_add_executor_job(write)
        await self.hass.services.async_call(
            DOMAIN,
            "stage_firmware",
            {"config_entry_id": entry.entry_id, "path": path, **data},
            blocking=True,
        )


type PullServerFactory = Callable[..., Awaitable[PullServer]]


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


def board(
    core: Core = Core.ESP32, mac: str = MAC, sketch: bytes = b"", **kwargs: Any
) -> PullBoard:
    """Return an emulated pull board (uppercase MAC, as WiFi.macAddress())."""
    return PullBoard(
        sta_mac=mac.upper(), sketch=sketch or b"\xe9old", core=core, **kwargs
    )
