"""Helpers shared by the esp_ota tests: values, board handles, and the steps a person takes.

One home for what several test modules use (after aioesphomeapi's
``tests/common.py``); fixtures live in ``conftest.py`` (after Home Assistant
core's WLED tests). A package's own helpers sit beside its tests in
``tests/<package>/helpers.py``. No test module imports another test module or a
conftest: ``tests/test_test_layout.py`` keeps it so.

The steps go through Home Assistant as a person or an automation would: the
``esp_ota.stage_firmware`` action, the update card's Install, the config and
options flows, the file upload the frontend's file selector makes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address
import os
from pathlib import Path
import re
import socket
from typing import Any
from unittest.mock import MagicMock

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.update import ATTR_IN_PROGRESS, ATTR_UPDATE_PERCENTAGE
from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PORT
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from zeroconf import DNSAddress, DNSCache, DNSService, DNSText, ServiceStateChange
from zeroconf.const import _CLASS_IN, _TYPE_A, _TYPE_SRV, _TYPE_TXT

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import (
    ARDUINO_SERVICE_TYPE,
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_PATH,
    CONF_TRANSPORT,
    DEFAULT_WEB_PATH,
    DOMAIN,
    HTTP_SERVICE_TYPE,
    TRANSPORT_ESPOTA,
    TRANSPORT_WEB,
)
from custom_components.esp_ota.presence import DATA_PRESENCE, EspOtaPresence
from custom_components.esp_ota.watched_folder import SCAN_INTERVAL
from custom_components.esp_ota.webupdate import WebTimeouts
from tools.esp_emulator import BoardEmulator
from tools.esp_emulator.web_updater import WebUpdaterEmulator

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "esp_ota"

# The discovered ArduinoOTA board most tests use.
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
ONLINE = "binary_sensor.esp32_garden_online"
ARDUINO_TXT: dict[str, str | None] = {
    "board": BOARD,
    "tcp_check": "no",
    "ssh_upload": "no",
    "auth_upload": "no",
}

# The web updater board.
WEB_HOSTNAME = "esp8266-porch"
# Short but generous: the emulator answers in milliseconds.
FAST_WEB_TIMEOUTS = WebTimeouts(request=2.0, stall=2.0, answer=2.0)

AUTOMATION = Context()  # what an automation's or script's call carries: no user
RESOLVE = "custom_components.esp_ota.config_flow.async_resolve_host"
# A slug key as hassfest's translations schema wants it (see test_translation_rules).
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")

type ZeroconfInfoFactory = Callable[..., ZeroconfServiceInfo]


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


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Discovery


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


def http_info(
    port: int, name: str = WEB_HOSTNAME, host: str = "127.0.0.1"
) -> ZeroconfServiceInfo:
    """Build the _http._tcp announcement of a web updater board."""
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        hostname=f"{name}.local.",
        name=f"{name}.{HTTP_SERVICE_TYPE}",
        port=port,
        properties={},
        type=HTTP_SERVICE_TYPE,
    )


def async_get_presence_now(hass: HomeAssistant) -> EspOtaPresence:
    """Return the running presence tracker (set up with the first board)."""
    return hass.data[DATA_PRESENCE]


def announce(
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
    *,
    host: str = HOST,
    port: int = PORT,
    txt: dict[str, str] | None = None,
    name: str = SERVICE_NAME,
    server: str = f"{HOSTNAME}.local.",
    state_change: ServiceStateChange = ServiceStateChange.Added,
) -> None:
    """Put the board's records in the zeroconf cache and fire the browser event."""
    cache = DNSCache()
    entries = (txt if txt is not None else ARDUINO_TXT).items()
    text = b"".join(
        bytes([len(item)]) + item for item in (f"{k}={v}".encode() for k, v in entries)
    )
    cache.async_add_records(
        [
            DNSService(name, _TYPE_SRV, _CLASS_IN, 120, 0, 0, port, server),
            DNSText(name, _TYPE_TXT, _CLASS_IN, 4500, text),
            DNSAddress(server, _TYPE_A, _CLASS_IN, 120, socket.inet_aton(host)),
        ]
    )
    mock_async_zeroconf.zeroconf.cache = cache
    fire(mock_async_zeroconf, mock_browser, state_change, name)


def fire(
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
    state_change: ServiceStateChange,
    name: str = SERVICE_NAME,
) -> None:
    """Call the browser's handler as python-zeroconf does."""
    handler = mock_browser.call_args.kwargs["handlers"][0]
    handler(
        zeroconf=mock_async_zeroconf.zeroconf,
        service_type=ARDUINO_SERVICE_TYPE,
        name=name,
        state_change=state_change,
    )


# Flows


async def discover(hass: HomeAssistant, info: ZeroconfServiceInfo) -> Any:
    """Start the config flow Home Assistant's zeroconf starts for an announcement."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )


async def add_web_board_by_hand(hass: HomeAssistant, **user_input: Any) -> Any:
    """Add a web updater board by hand: host, then the web step with user_input."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: 1, "web_updater": True},
    )
    assert result["step_id"] == "web"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: 80, CONF_PATH: "/update", **user_input}
    )


async def upload_file(
    hass_client: ClientSessionGenerator, name: str, data: bytes
) -> str:
    """Upload a file the way the frontend's file selector does."""
    client = await hass_client()
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    response = await client.post("/api/file_upload", data=form)
    assert response.status == 200
    file_id: str = (await response.json())["file_id"]
    return file_id


async def submit_upload(
    hass: HomeAssistant, entry: MockConfigEntry, **user_input: object
) -> dict[str, object]:
    """Open the board's options, choose Upload, and submit user_input."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "upload"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "upload"
    return dict(
        await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    )


async def scan_watched_folder(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, times: int = 1
) -> None:
    """Move time on to the watched folder's next scan and let it finish (times over).

    A file is taken on its second scan: first sight, then unchanged.
    """
    for _ in range(times):
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


# Staging and installing


async def stage_action(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> Any:
    """Call esp_ota.stage_firmware for the entry and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )


async def stage_file(
    hass: HomeAssistant, entry_id: str, image: bytes, **data: Any
) -> None:
    """Write an image into an allowed folder and stage it for the entry from there."""
    folder = hass.config.path("builds")
    hass.config.allowlist_external_dirs = {folder}

    def write() -> str:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{len(os.listdir(folder))}.bin")
        with open(path, "wb") as file:
            file.write(image)
        return path

    path = await hass.async_add_executor_job(write)
    await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"config_entry_id": entry_id, "path": path, **data},
        blocking=True,
    )


async def stage(
    hass: HomeAssistant, board: EmulatedBoard | WebBoard, image: bytes, **data: Any
) -> None:
    """Stage an image for a board the way a person would, from a file."""
    await stage_file(hass, board.entry.entry_id, image, **data)


async def install(
    hass: HomeAssistant,
    board: EmulatedBoard | WebBoard,
    context: Context | None,
    **data: Any,
) -> None:
    """Press Install (with a person's context) or run it from an automation."""
    await hass.services.async_call(
        "update",
        "install",
        {ATTR_ENTITY_ID: board.update_entity, **data},
        blocking=True,
        context=context,
    )


async def install_watching_progress(
    hass: HomeAssistant, board: EmulatedBoard | WebBoard, context: Context | None
) -> list[int]:
    """Install and return the percentages the card showed while in progress."""
    seen: list[tuple[bool, Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        new = event.data["new_state"]
        seen.append(
            (new.attributes[ATTR_IN_PROGRESS], new.attributes[ATTR_UPDATE_PERCENTAGE])
        )

    unsub = async_track_state_change_event(hass, board.update_entity, record)
    try:
        await install(hass, board, context)
    finally:
        unsub()
    return [p for in_progress, p in seen if in_progress and p is not None]


def assert_progress_moved(percentages: list[int]) -> None:
    """Progress went up through intermediate values and ended at 100."""
    assert percentages == sorted(percentages)
    assert any(0 < p < 100 for p in percentages)
    assert percentages[-1] == 100
