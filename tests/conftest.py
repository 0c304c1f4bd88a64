"""Fixtures shared by the esp_ota tests.

Sockets: pytest-homeassistant-custom-component disables socket creation for
every test and, when a test opts in, allows 127.0.0.1 only. Tests that talk to
the board emulator over loopback opt in with pytest-socket's ``socket_enabled``
fixture (directly or through a fixture that requests it); no test may open a
socket to anything but loopback.

mDNS: Home Assistant's shared zeroconf instance is replaced by phcc's
``mock_async_zeroconf`` (a real ``DNSCache``, no sockets), and our own
``AsyncServiceBrowser`` by a mock whose handler the tests call directly
(``mock_browser``), so no test ever multicasts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import (
    ARDUINO_SERVICE_TYPE,
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
)
from custom_components.esp_ota.presence import DATA_PRESENCE, EspOtaPresence
from tools.esp_emulator import BoardConfig, BoardEmulator

from .espota.conftest import FAST as FAST_TIMEOUTS

# Web updater boards (add_web_board, web_emulator, fast_web_timeouts).
from .web_board import add_web_board, fast_web_timeouts, web_emulator  # noqa: F401

HOSTNAME = "esp32-garden"
SERVICE_NAME = f"{HOSTNAME}.{ARDUINO_SERVICE_TYPE}"
HOST = "192.168.1.50"
PORT = 3232
BOARD = "esp32"
ENTRY_DATA: dict[str, Any] = {
    CONF_HOST: HOST,
    CONF_PORT: PORT,
    CONF_HOSTNAME: HOSTNAME,
    CONF_BOARD: BOARD,
    CONF_TRANSPORT: TRANSPORT_ESPOTA,
}
ARDUINO_TXT: dict[str, str | None] = {
    "board": BOARD,
    "tcp_check": "no",
    "ssh_upload": "no",
    "auth_upload": "no",
}

type ZeroconfInfoFactory = Callable[..., ZeroconfServiceInfo]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/esp_ota in every test."""


def make_zeroconf_info(
    *,
    hostname: str = f"{HOSTNAME}.local.",
    name: str = SERVICE_NAME,
    host: str = HOST,
    port: int = PORT,
    properties: dict[str, Any] | None = None,
) -> ZeroconfServiceInfo:
    """Build the announcement Home Assistant's zeroconf hands to a flow."""
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        hostname=hostname,
        name=name,
        port=port,
        properties=dict(ARDUINO_TXT) if properties is None else properties,
        type=ARDUINO_SERVICE_TYPE,
    )


@pytest.fixture
def zeroconf_info() -> ZeroconfInfoFactory:
    """Return a factory of ZeroconfServiceInfo for esp32-garden (overridable)."""
    return make_zeroconf_info


@pytest.fixture
def mock_browser(mock_async_zeroconf: MagicMock) -> Generator[MagicMock]:
    """Replace our AsyncServiceBrowser; its handler is in call_args."""
    with patch(
        "custom_components.esp_ota.presence.AsyncServiceBrowser", autospec=True
    ) as browser:
        yield browser


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return a board entry added from discovery, without a password."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=HOSTNAME,
        unique_id=HOSTNAME,
        source="zeroconf",
        data=dict(ENTRY_DATA),
    )


@pytest.fixture(autouse=True)
def _config_dir_in_tmp_path(tmp_path: Path) -> Generator[None]:
    """Give every test's Home Assistant a config folder of its own.

    esp_ota keeps firmware in the config folder; by default phcc puts it inside
    its installed package, and no test may write outside temporary folders.
    """

    def config_path(*add_path: str) -> str:
        return str(tmp_path.joinpath("config", *add_path))

    with patch(
        "pytest_homeassistant_custom_component.common.get_test_config_dir",
        config_path,
    ):
        yield


@pytest.fixture(autouse=True)
def _file_upload_dir_in_tmp_path(tmp_path: Path) -> Generator[None]:
    """Give every test's file_upload a temporary folder of its own.

    Home Assistant's file_upload keeps uploads in one folder of the system's
    temporary directory and removes the whole folder when it stops: two test
    runs at once (or two Home Assistants in one run) would delete each other's
    uploads. An absolute name joined to gettempdir() stays absolute.
    """
    with patch(
        "homeassistant.components.file_upload.TEMP_DIR_NAME",
        str(tmp_path / "file_upload"),
    ):
        yield


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    """Give the same folder to newer phcc (HA 2026.x), which takes it from here.

    Its ``hass`` fixture calls its own import of get_test_config_dir, which the
    patch above does not reach; without this, tests share the installed
    package's folder and see each other's files.
    """
    return str(tmp_path / "config")


@pytest.fixture
def config_dir(hass: HomeAssistant) -> Path:
    """Return the test's Home Assistant config folder."""
    return Path(hass.config.config_dir)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    config_dir: Path,
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> MockConfigEntry:
    """Set up the integration with mock_config_entry and return the entry."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
def person(hass_admin_user: MockUser) -> Context:
    """Return the context of a call a logged-in person makes from the UI."""
    return Context(user_id=hass_admin_user.id)


@pytest.fixture
def fast_timeouts() -> Generator[None]:
    """Make protocol waits and the come-back wait short."""
    with (
        patch(
            "custom_components.esp_ota.transport.arduino_ota.TIMEOUTS", FAST_TIMEOUTS
        ),
        patch("custom_components.esp_ota.install.COMEBACK_TIMEOUT", 5.0),
    ):
        yield


@dataclass
class EmulatedBoard:
    """An emulated board and its config entry, loaded in Home Assistant."""

    emulator: BoardEmulator
    entry: MockConfigEntry
    update_entity: str
    switch_entity: str
    button_entity: str
    announce: Callable[[str | None], None]
    """Announce the board (with a version) as Home Assistant's zeroconf would."""

    @property
    def runtime(self) -> EspOtaBoard:
        """Return the entry's board runtime."""
        runtime: EspOtaBoard = self.entry.runtime_data
        return runtime


type BoardFactory = Callable[..., Awaitable[EmulatedBoard]]


@pytest.fixture
async def add_board(
    hass: HomeAssistant,
    socket_enabled: None,
    fast_timeouts: None,
    mock_browser: MagicMock,
) -> AsyncIterator[BoardFactory]:
    """Start emulated boards on 127.0.0.1 and add each to Home Assistant.

    Each board announces itself (as HA's zeroconf would report it) when it is
    added and again after every reboot, with its version in the TXT record.
    """
    emulators: list[BoardEmulator] = []

    async def _add(
        hostname: str = HOSTNAME,
        *,
        board: str = BOARD,
        password: str | None = None,
        announce_version: bool = True,
        announce_after_reboot: bool = True,
        **options: Any,
    ) -> EmulatedBoard:
        options.setdefault("end_delay_s", 0.0)
        # A real board takes seconds to reboot; 50 ms keeps its boot
        # announcement after the final OK, as on a real network.
        options.setdefault("reboot_delay", 0.05)
        options.setdefault("version", "1.0.0")
        emulator = BoardEmulator(
            BoardConfig(hostname=hostname, board=board, password=password, **options)
        )
        await emulator.start()
        emulators.append(emulator)

        def announce(version: str | None) -> None:
            txt: dict[str, Any] = {**ARDUINO_TXT, "board": board}
            txt["auth_upload"] = "yes" if password else "no"
            if announce_version and version is not None:
                txt["version"] = version
            async_get_presence_now(hass).async_handle_service_info(
                make_zeroconf_info(
                    hostname=f"{hostname}.local.",
                    name=f"{hostname}.{ARDUINO_SERVICE_TYPE}",
                    host="127.0.0.1",
                    port=emulator.port,
                    properties=txt,
                )
            )

        if announce_after_reboot:
            emulator.config.on_reboot.append(announce)
        data = {
            **ENTRY_DATA,
            CONF_HOST: "127.0.0.1",
            CONF_PORT: emulator.port,
            CONF_HOSTNAME: hostname,
            CONF_BOARD: board,
        }
        if password:
            data[CONF_PASSWORD] = password
        entry = MockConfigEntry(
            domain=DOMAIN, title=hostname, unique_id=hostname, data=data
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        announce(emulator.version)
        slug = hostname.replace("-", "_")
        return EmulatedBoard(
            emulator=emulator,
            entry=entry,
            update_entity=f"update.{slug}_firmware",
            switch_entity=f"switch.{slug}_ota_updates_allowed",
            button_entity=f"button.{slug}_confirm_firmware",
            announce=announce,
        )

    yield _add
    for emulator in emulators:
        await emulator.stop()


def async_get_presence_now(hass: HomeAssistant) -> EspOtaPresence:
    """Return the running presence tracker (set up with the first board)."""
    return hass.data[DATA_PRESENCE]
