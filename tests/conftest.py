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

Values, board handles and the steps tests take (stage, install, announce, …)
live in ``helpers.py``; this file holds fixtures only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

import aiohttp
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import Context, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import (
    ARDUINO_SERVICE_TYPE,
    CONF_BOARD,
    CONF_HOSTNAME,
    DOMAIN,
)
from tools.esp_emulator import BoardConfig, BoardEmulator
from tools.esp_emulator.web_updater import WebUpdaterConfig, WebUpdaterEmulator

from .espota.helpers import FAST as FAST_TIMEOUTS
from .helpers import (
    ARDUINO_TXT,
    BOARD,
    ENTRY_DATA,
    FAST_WEB_TIMEOUTS,
    HOSTNAME,
    WEB_HOSTNAME,
    BoardFactory,
    EmulatedBoard,
    WebBoard,
    WebBoardFactory,
    ZeroconfInfoFactory,
    async_get_presence_now,
    make_zeroconf_info,
    web_entry_data,
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/esp_ota in every test."""


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
def entry_source() -> str:
    """Return how mock_config_entry's board was added (a package may override)."""
    return "zeroconf"


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """Return mock_config_entry's data (a module may override)."""
    return dict(ENTRY_DATA)


@pytest.fixture
def mock_config_entry(entry_source: str, entry_data: dict[str, Any]) -> MockConfigEntry:
    """Return the esp32-garden board entry, added from discovery unless overridden."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=HOSTNAME,
        unique_id=HOSTNAME,
        source=entry_source,
        data=entry_data,
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
def inbox(config_dir: Path, init_integration: MockConfigEntry) -> Path:
    """Return the board's watched folder (its inbox), which set-up created."""
    path = config_dir / "esp_ota" / "inbox" / HOSTNAME
    assert path.is_dir()
    return path


@pytest.fixture
def board(init_integration: MockConfigEntry) -> EspOtaBoard:
    """Return the runtime of the loaded esp32-garden entry."""
    runtime: EspOtaBoard = init_integration.runtime_data
    return runtime


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


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp session for loopback requests, closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session
