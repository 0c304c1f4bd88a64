"""Update all: many installs at once end in one summary, one failure stops none.

Three emulated boards, one ``update.install`` call on all of them as the
frontend's "Update all" makes it, with a person's context: one installs, one
refuses the password, one has its update window closed.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.esp_ota.batch import NOTIFICATION_ID, SETTLE
from tools.esp_emulator import Fault
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, install, stage


def summary(hass: HomeAssistant) -> dict[str, str] | None:
    """Return the batch summary notification, if there is one."""
    return _async_get_or_create_notifications(hass).get(NOTIFICATION_ID)


async def test_update_all_finishes_every_board_and_sums_up(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    garden = await add_board("esp32-garden")
    cellar = await add_board(
        "esp32-cellar", password="right", fault=Fault.WRONG_PASSWORD
    )
    barn = await add_board("esp32-barn")
    shed = await add_board("esp32-shed")
    for board in (garden, cellar, barn, shed):
        await stage(hass, board, build_esp32_app(version="2.0.0"))
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: barn.switch_entity}, blocking=True
    )
    # The shed's board is asleep: its install waits for it.
    shed.entry.runtime_data.async_handle_goodbye()

    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "update",
            "install",
            {
                ATTR_ENTITY_ID: [
                    garden.update_entity,
                    cellar.update_entity,
                    barn.update_entity,
                    shed.update_entity,
                ]
            },
            blocking=True,
            context=person,
        )
    await hass.async_block_till_done()
    # Nothing else starts: the batch ends a moment after its last install.
    assert summary(hass) is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=SETTLE))
    await hass.async_block_till_done()

    # The failure did not stop the garden's install.
    assert len(garden.emulator.received_images) == 1
    notice = summary(hass)
    assert notice is not None
    assert notice["title"] == "ESP OTA: installs finished"
    lines = notice["message"].splitlines()
    assert lines[0] == (
        "1 installed, 1 failed, 1 not started, 1 waiting for their board."
    )
    assert sorted(lines[1:]) == [
        (
            "- esp32-barn was not started: OTA updates are switched off for "
            'esp32-barn. Turn on its "OTA updates allowed" switch first.'
        ),
        (
            "- esp32-cellar failed: esp32-cellar refused the OTA password. Enter "
            "the current password in the re-authentication dialog."
        ),
        "- esp32-shed is away: its install starts when it is next seen.",
    ]


async def test_a_single_install_adds_no_summary(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    await install(hass, board, person)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=SETTLE))
    await hass.async_block_till_done()
    assert summary(hass) is None
