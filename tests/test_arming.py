"""Install when next seen: a board that is away is armed, and flashed on return.

The emulated board says goodbye over (mocked) mDNS to be away, and announces
itself again to come back; installs are asked as a person or an automation.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.events import EVENT_INSTALL_ARMED, EVENT_INSTALL_FINISHED
from custom_components.esp_ota.settings import DATA_SETTINGS
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, EmulatedBoard, install, stage


async def away(hass: HomeAssistant, board: EmulatedBoard) -> None:
    """Make the board go away (its mDNS goodbye)."""
    board.entry.runtime_data.async_handle_goodbye()
    await hass.async_block_till_done()
    assert not board.entry.runtime_data.available


async def armed_board(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> EmulatedBoard:
    """Return a board that is away, with 2.0.0 armed by a person's Install."""
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await away(hass, board)
    await install(hass, board, person)
    return board


async def assert_nothing_flashed_on_return(
    hass: HomeAssistant, board: EmulatedBoard
) -> None:
    """Bring the board back; check that no install started."""
    board.announce("1.0.0")
    await hass.async_block_till_done()
    assert board.emulator.received_images == []


def summary(hass: HomeAssistant, board: EmulatedBoard) -> str | None:
    """Return the update card's release summary."""
    return hass.states.get(board.update_entity).attributes["release_summary"]


async def test_install_on_a_board_that_is_away_starts_when_it_is_seen(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await away(hass, board)
    armed = async_capture_events(hass, EVENT_INSTALL_ARMED)
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)

    # The card stays usable while the board is away; Install returns at once.
    assert hass.states.get(board.update_entity).state == "on"
    await install(hass, board, person)

    assert board.emulator.received_images == []
    assert summary(hass, board).startswith(
        "Waiting for esp32-garden: version 2.0.0 installs when the board is next seen"
    )
    assert [(e.data["board"], e.data["version"]) for e in armed] == [
        ("esp32-garden", "2.0.0")
    ]
    assert armed[0].context.user_id == person.user_id

    board.announce("1.0.0")  # back from its sleep
    await hass.async_block_till_done()

    assert len(board.emulator.received_images) == 1
    state = hass.states.get(board.update_entity)
    assert state.attributes["installed_version"] == "2.0.0"
    assert state.attributes["release_summary"] is None
    assert [e.data["outcome"] for e in finished] == ["succeeded"]
    assert finished[0].context.user_id == person.user_id


async def test_an_automation_arms_only_a_confirmed_image(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await away(hass, board)

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, None)
    assert err.value.translation_key == "not_confirmed"
    assert summary(hass, board) is None
    assert hass.states.get("sensor.esp32_garden_last_install").state == "refused"

    await assert_nothing_flashed_on_return(hass, board)


async def test_a_waiting_install_expires(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await armed_board(hass, add_board, person)

    hours = hass.data[DATA_SETTINGS].arm_hours
    assert hours == 24
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=hours, seconds=1))
    await hass.async_block_till_done()
    assert summary(hass, board) is None

    await assert_nothing_flashed_on_return(hass, board)


async def test_a_waiting_install_can_be_cancelled(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await armed_board(hass, add_board, person)

    await hass.services.async_call(
        DOMAIN,
        "cancel_waiting_install",
        {ATTR_ENTITY_ID: board.update_entity},
        blocking=True,
        context=person,
    )
    assert summary(hass, board) is None
    await assert_nothing_flashed_on_return(hass, board)

    # Nothing waits any more: cancelling again says so.
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "cancel_waiting_install",
            {ATTR_ENTITY_ID: board.update_entity},
            blocking=True,
        )
    assert err.value.translation_key == "nothing_waiting"
    assert "No install is waiting for esp32-garden" in str(err.value)


async def test_with_arming_off_a_board_that_is_away_is_refused(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    settings = hass.data[DATA_SETTINGS]
    await settings.async_set_uploads(
        connect_back_port=settings.connect_back_port,
        retries=settings.upload_retries,
        arm_hours=0,
    )
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await away(hass, board)

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "board_offline"
    assert (
        hass.states.get("sensor.esp32_garden_last_install").attributes["reason"]
        == "board_offline"
    )


async def test_the_waiting_image_removed_meanwhile_is_not_flashed(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await armed_board(hass, add_board, person)
    # The staged images are dropped while the board sleeps.
    await get_store(hass).async_remove_board(board.entry.entry_id)
    await assert_nothing_flashed_on_return(hass, board)
