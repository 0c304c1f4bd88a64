"""Fixtures for web updater boards: an emulated board on 127.0.0.1 added to HA.

Imported by conftest.py so pytest finds the fixtures. Tests using them open
loopback sockets only (``socket_enabled``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import (
    CONF_HOSTNAME,
    CONF_PATH,
    CONF_TRANSPORT,
    DEFAULT_WEB_PATH,
    DOMAIN,
    TRANSPORT_WEB,
)
from custom_components.esp_ota.webupdate import WebTimeouts
from tools.esp_emulator.web_updater import WebUpdaterConfig, WebUpdaterEmulator

WEB_HOSTNAME = "esp8266-porch"
# Short but generous: the emulator answers in milliseconds.
FAST_WEB_TIMEOUTS = WebTimeouts(request=2.0, stall=2.0, answer=2.0)


@pytest.fixture
def fast_web_timeouts() -> Generator[None]:
    """Make web waits, reboot grace, polling and the come-back wait short."""
    transport = "custom_components.esp_ota.transport.web_updater"
    with (
        patch(f"{transport}.TIMEOUTS", FAST_WEB_TIMEOUTS),
        patch(f"{transport}.REBOOT_GRACE", 0.0),
        patch(f"{transport}.POLL_FIRST", 0.01),
        patch(f"{transport}.POLL_MAX", 0.05),
        patch(
            "custom_components.esp_ota.config_flow_web.PROBE_TIMEOUTS",
            FAST_WEB_TIMEOUTS,
        ),
        patch("custom_components.esp_ota.install.COMEBACK_TIMEOUT", 5.0),
    ):
        yield


@dataclass
class WebBoard:
    """An emulated web updater board and its config entry, loaded in HA."""

    emulator: WebUpdaterEmulator
    entry: MockConfigEntry
    update_entity: str

    @property
    def runtime(self) -> EspOtaBoard:
        """Return the entry's board runtime."""
        runtime: EspOtaBoard = self.entry.runtime_data
        return runtime


type WebBoardFactory = Callable[..., Awaitable[WebBoard]]


def web_entry_data(
    port: int, *, hostname: str = WEB_HOSTNAME, **extra: Any
) -> dict[str, Any]:
    """Return config entry data of a web board on 127.0.0.1."""
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_HOSTNAME: hostname,
        CONF_TRANSPORT: TRANSPORT_WEB,
        CONF_PATH: DEFAULT_WEB_PATH,
        **extra,
    }


@pytest.fixture
async def web_emulator(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncIterator[WebUpdaterEmulator]:
    """Start one emulated web updater board (ESP8266, no credentials).

    Requests ``hass`` so the emulator runs on Home Assistant's test loop.
    """
    emulator = WebUpdaterEmulator(WebUpdaterConfig())
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def add_web_board(
    hass: HomeAssistant,
    socket_enabled: None,
    fast_web_timeouts: None,
    mock_browser: MagicMock,
) -> AsyncIterator[WebBoardFactory]:
    """Start emulated web updater boards and add each to Home Assistant."""
    emulators: list[WebUpdaterEmulator] = []

    async def _add(
        hostname: str = WEB_HOSTNAME,
        *,
        source: str = "user",
        credentials: tuple[str, str] | None = None,
        **options: Any,
    ) -> WebBoard:
        if credentials is not None:
            options.setdefault("username", credentials[0])
            options.setdefault("password", credentials[1])
        emulator = WebUpdaterEmulator(WebUpdaterConfig(**options))
        await emulator.start()
        emulators.append(emulator)
        extra: dict[str, Any] = {}
        if credentials is not None:
            extra = {CONF_USERNAME: credentials[0], CONF_PASSWORD: credentials[1]}
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=hostname,
            unique_id=hostname,
            source=source,
            data=web_entry_data(emulator.port, hostname=hostname, **extra),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        slug = hostname.replace("-", "_")
        return WebBoard(
            emulator=emulator, entry=entry, update_entity=f"update.{slug}_firmware"
        )

    yield _add
    for emulator in emulators:
        await emulator.stop()
