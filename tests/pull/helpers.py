"""Helpers shared by the pull server tests: the pull view, pull boards, the card."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
    ATTR_UPDATE_PERCENTAGE,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import (
    CONF_HOSTNAME,
    CONF_MAC,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_PULL,
)
from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS
from custom_components.esp_ota.pull.config_flow import pull_hostname
from custom_components.esp_ota.settings import DATA_SETTINGS
from tests.helpers import stage_file
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
        await stage_file(self.hass, entry.entry_id, image, **data)


def board(
    core: Core = Core.ESP32, mac: str = MAC, sketch: bytes = b"", **kwargs: Any
) -> PullBoard:
    """Return an emulated pull board (uppercase MAC, as WiFi.macAddress())."""
    return PullBoard(
        sta_mac=mac.upper(), sketch=sketch or b"\xe9old", core=core, **kwargs
    )


def card(hass: HomeAssistant, mac: str) -> tuple[Any, ...]:
    """Return what the update card shows: installed, latest, in progress, percent."""
    state = hass.states.get(f"update.{slug(mac)}_firmware")
    assert state is not None
    return (
        state.attributes[ATTR_INSTALLED_VERSION],
        state.attributes[ATTR_LATEST_VERSION],
        state.attributes[ATTR_IN_PROGRESS],
        state.attributes[ATTR_UPDATE_PERCENTAGE],
    )


async def press_install(
    hass: HomeAssistant, context: Context | None, mac: str = MAC
) -> None:
    """Press Install on the pull board's update card (a person's context or none)."""
    await hass.services.async_call(
        "update",
        "install",
        {ATTR_ENTITY_ID: f"update.{slug(mac)}_firmware"},
        blocking=True,
        context=context,
    )


async def wait_until(
    hass: HomeAssistant, entry: MockConfigEntry, done: Callable[[], bool]
) -> None:
    """Wait (bounded) until the check-in registry's board state satisfies ``done``."""
    checkins = hass.data[DATA_CHECK_INS]
    reached = asyncio.Event()

    def check() -> None:
        if done():
            reached.set()

    remove = checkins.async_add_listener(entry, check)
    try:
        check()
        async with asyncio.timeout(10):
            await reached.wait()
    finally:
        remove()
