"""Events for automations: every install a person or automation starts.

Installs go through the emulated board; the events are heard on Home
Assistant's bus as an automation's event trigger would hear them.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.esp_ota.compat import find_device
from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.events import (
    EVENT_INSTALL_FINISHED,
    EVENT_INSTALL_STARTED,
)
from tools.esp_emulator import Fault
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, install, stage


def device_id(hass: HomeAssistant, hostname: str) -> str:
    """Return the id of the board's device."""
    device = find_device(dr.async_get(hass), (DOMAIN, hostname))
    assert device is not None
    return device.id


async def test_a_persons_install_is_told_when_it_starts_and_ends(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    started = async_capture_events(hass, EVENT_INSTALL_STARTED)
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)
    await stage(hass, board, build_esp32_app(version="2.0.0"))

    await install(hass, board, person)
    await hass.async_block_till_done()

    expected: dict[str, Any] = {
        "board": "esp32-garden",
        "config_entry_id": board.entry.entry_id,
        "device_id": device_id(hass, "esp32-garden"),
        "version": "2.0.0",
        "target": "app",
        "method": "espota",
    }
    assert [event.data for event in started] == [expected]
    assert len(finished) == 1
    data = dict(finished[0].data)
    seconds = data.pop("seconds")
    assert isinstance(seconds, float)
    assert seconds >= 0
    assert data == expected | {"outcome": "succeeded", "reason": None, "message": None}
    # An automation can tell who asked for the install.
    assert started[0].context.user_id == person.user_id
    assert finished[0].context.user_id == person.user_id


async def test_an_automations_unconfirmed_install_ends_refused(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    started = async_capture_events(hass, EVENT_INSTALL_STARTED)
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)
    await stage(hass, board, build_esp32_app(version="2.0.0"))

    with pytest.raises(HomeAssistantError):
        await install(hass, board, None)
    await hass.async_block_till_done()

    assert len(started) == 1
    assert [(e.data["outcome"], e.data["reason"]) for e in finished] == [
        ("refused", "not_confirmed")
    ]
    # The reason in words, as an automation would send it on.
    assert finished[0].data["message"] == (
        "Version 2.0.0 for esp32-garden was not confirmed by a person, so an "
        'automation may not install it. Press "Confirm firmware" on the '
        "board's device page first."
    )
    assert board.emulator.received_images == []


async def test_a_wrong_password_ends_failed_with_the_reason(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(password="right", fault=Fault.WRONG_PASSWORD)
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)
    await stage(hass, board, build_esp32_app(version="2.0.0"))

    with pytest.raises(HomeAssistantError):
        await install(hass, board, person)
    await hass.async_block_till_done()

    assert [(e.data["outcome"], e.data["reason"]) for e in finished] == [
        ("failed", "authentication_failed")
    ]
    # No password, address or other secret travels in the event.
    assert "right" not in repr(finished[0].data)
    assert "127.0.0.1" not in repr(finished[0].data)
