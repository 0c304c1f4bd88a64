"""A waiting install outlives a reload of the entry and a restart of Home Assistant.

The update entity keeps it in its restore data (RestoreEntity); a reload
removes and re-adds the entity through that data, as a restart does.
"""

from __future__ import annotations

from datetime import timedelta
import hashlib
from typing import Any

from homeassistant.core import Context, HomeAssistant, State
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    mock_restore_cache_with_extra_data,
)

from custom_components.esp_ota.events import EVENT_INSTALL_FINISHED
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, install, stage

UPDATE = "update.esp32_garden_firmware"


async def test_a_waiting_install_outlives_a_reload_and_starts_with_the_same_person(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    board.entry.runtime_data.async_handle_goodbye()
    await install(hass, board, person)
    assert board.emulator.received_images == []
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)

    # The reload re-adds the entity from its restore data; a board added by
    # hand counts as present at once, so the waiting install starts.
    assert await hass.config_entries.async_reload(board.entry.entry_id)
    await hass.async_block_till_done()

    assert len(board.emulator.received_images) == 1
    assert [e.data["outcome"] for e in finished] == ["succeeded"]
    assert finished[0].context.user_id == person.user_id
    state = hass.states.get(UPDATE)
    assert state.attributes["installed_version"] == "2.0.0"
    assert state.attributes["release_summary"] is None


def _restored(hass: HomeAssistant, armed: Any) -> None:
    mock_restore_cache_with_extra_data(hass, [(State(UPDATE, "on"), {"armed": armed})])


async def test_a_waiting_install_restored_after_a_restart_waits_for_the_board(
    hass: HomeAssistant, add_board: BoardFactory, hass_admin_user: Any
) -> None:
    image = build_esp32_app(version="2.0.0")
    until = dt_util.utcnow() + timedelta(hours=3)
    _restored(
        hass,
        {
            "sha256": hashlib.sha256(image).hexdigest(),
            "version": "2.0.0",
            "user_id": hass_admin_user.id,
            "until": until.isoformat(),
            "summary": "Waiting for esp32-garden: version 2.0.0 installs when …",
        },
    )
    # Added by hand and announced at once: the image is not staged yet, so the
    # waiting install cannot start and ends (logged), as when it was removed.
    board = await add_board()
    assert hass.states.get(UPDATE).attributes["release_summary"] is None
    assert board.emulator.received_images == []


@pytest.mark.parametrize(
    "armed",
    [
        None,
        "garbage",
        {"sha256": "0" * 64, "version": "2.0.0"},
        {
            "sha256": "0" * 64,
            "version": "2.0.0",
            "user_id": 7,
            "until": "2026-01-01T00:00:00+00:00",
            "summary": "x",
        },
        {
            "sha256": "0" * 64,
            "version": "2.0.0",
            "user_id": None,
            "until": "2020-01-01T00:00:00+00:00",
            "summary": "expired",
        },
    ],
)
async def test_restore_data_that_is_expired_or_unreadable_arms_nothing(
    hass: HomeAssistant, add_board: BoardFactory, armed: Any
) -> None:
    _restored(hass, armed)
    board = await add_board()
    assert hass.states.get(UPDATE).attributes["release_summary"] is None
    assert board.emulator.received_images == []
