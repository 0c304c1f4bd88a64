"""A board is "heard from" whenever any of its mDNS records arrives.

python-zeroconf's browser reports only records that changed; a board that
reboots with the same records is seen only through the record listener, and
that is what an install waits for after a flash.
"""

from __future__ import annotations

import asyncio
import socket
from unittest.mock import MagicMock

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from zeroconf import (
    DNSAddress,
    DNSService,
    RecordUpdate,
    ServiceStateChange,
    current_time_millis,
)
from zeroconf.asyncio import AsyncServiceInfo
from zeroconf.const import _CLASS_IN, _TYPE_A, _TYPE_SRV

from custom_components.esp_ota.board import EspOtaBoard
from custom_components.esp_ota.const import ARDUINO_SERVICE_TYPE
from custom_components.esp_ota.presence import service_info_from_zeroconf

from .helpers import HOST, HOSTNAME, PORT, SERVICE_NAME, fire


def _records(name: str = HOSTNAME, ttl: int = 120) -> list[RecordUpdate]:
    server = f"{name}.local."
    return [
        RecordUpdate(
            DNSService(
                f"{name}.{ARDUINO_SERVICE_TYPE}",
                _TYPE_SRV,
                _CLASS_IN,
                ttl,
                0,
                0,
                PORT,
                server,
            ),
            None,
        ),
        RecordUpdate(
            DNSAddress(server, _TYPE_A, _CLASS_IN, ttl, socket.inet_aton(HOST)), None
        ),
    ]


def _listener(mock_async_zeroconf: MagicMock) -> object:
    return mock_async_zeroconf.zeroconf.async_add_listener.call_args.args[0]


async def test_unchanged_records_after_a_reboot_end_an_install_wait(
    hass: HomeAssistant, board: EspOtaBoard, mock_async_zeroconf: MagicMock
) -> None:
    waiter = hass.async_create_task(board.async_wait_for_announcement(30))
    await asyncio.sleep(0)
    assert not waiter.done()

    listener = _listener(mock_async_zeroconf)
    listener.async_update_records(
        mock_async_zeroconf.zeroconf, current_time_millis(), _records()
    )

    await waiter
    assert board.available is True
    assert board.last_seen is not None


async def test_goodbye_records_and_other_boards_do_not_count(
    hass: HomeAssistant, board: EspOtaBoard, mock_async_zeroconf: MagicMock
) -> None:
    waiter = hass.async_create_task(board.async_wait_for_announcement(30))
    await asyncio.sleep(0)
    listener = _listener(mock_async_zeroconf)
    goodbye, other = _records(ttl=0), _records(name="esp8266-porch")
    now = current_time_millis()

    listener.async_update_records(mock_async_zeroconf.zeroconf, now, goodbye)
    listener.async_update_records(mock_async_zeroconf.zeroconf, now, other)
    await asyncio.sleep(0)

    assert not waiter.done()
    assert board.available is False
    waiter.cancel()


async def test_a_board_heard_again_after_going_away_is_online(
    hass: HomeAssistant,
    board: EspOtaBoard,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    board.async_mark_alive()
    assert board.available is True
    fire(mock_async_zeroconf, mock_browser, ServiceStateChange.Removed)
    assert board.available is False

    _listener(mock_async_zeroconf).async_update_records(
        mock_async_zeroconf.zeroconf, current_time_millis(), _records()
    )
    assert board.available is True
    assert hass.states.get("binary_sensor.esp32_garden_online").state == "on"


async def test_the_record_listener_is_removed_with_the_last_board(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
) -> None:
    listener = _listener(mock_async_zeroconf)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    mock_async_zeroconf.zeroconf.async_remove_listener.assert_called_once_with(listener)


def test_resolved_records_without_an_address_are_not_an_announcement() -> None:
    info = AsyncServiceInfo(ARDUINO_SERVICE_TYPE, SERVICE_NAME, port=PORT)
    assert service_info_from_zeroconf(info) is None


def test_resolved_records_convert_like_home_assistant_discovery() -> None:
    info = AsyncServiceInfo(
        ARDUINO_SERVICE_TYPE,
        SERVICE_NAME,
        port=PORT,
        server=f"{HOSTNAME}.local.",
        addresses=[socket.inet_aton(HOST)],
        properties={b"board": b"esp32", b"bad": b"\xff\xfe", b"flag": None},
    )
    converted = service_info_from_zeroconf(info)
    assert converted is not None
    assert str(converted.ip_address) == HOST
    assert converted.hostname == f"{HOSTNAME}.local."
    assert converted.port == PORT
    assert converted.properties == {
        "board": "esp32",
        "bad": "\ufffd\ufffd",
        "flag": None,
    }
