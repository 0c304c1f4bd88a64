"""What a fleet checking in and downloading at once costs: batched, not per request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.esp_ota.pull.checkins import (
    DATA_CHECK_INS,
    PROGRESS_INTERVAL,
    SAVE_DELAY,
)

from .helpers import MAC, PullServer, board, slug


async def test_progress_reaches_listeners_at_most_every_interval_and_at_the_end(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    checkins = hass.data[DATA_CHECK_INS]
    seen: list[tuple[int, int] | None] = []
    checkins.async_add_listener(entry, lambda: seen.append(checkins.progress(entry)))
    now = 1000.0
    with patch(
        "custom_components.esp_ota.pull.checkins.time.monotonic",
        side_effect=lambda: now,
    ):
        checkins.async_progress(entry, 0, 400)  # nothing told yet: told
        checkins.async_progress(entry, 100, 400)  # right after: only recorded
        assert checkins.progress(entry) == (100, 400)
        now += PROGRESS_INTERVAL
        checkins.async_progress(entry, 200, 400)  # an interval later: told
        checkins.async_progress(entry, 300, 400)
        checkins.async_progress(entry, 400, 400)  # the end: always told
    assert seen == [(0, 400), (200, 400), (400, 400)]


async def test_a_check_in_counts_as_telling_so_the_first_step_waits(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    checkins = hass.data[DATA_CHECK_INS]
    seen: list[tuple[int, int] | None] = []
    checkins.async_add_listener(entry, lambda: seen.append(checkins.progress(entry)))
    await pull_server.get(board().headers())
    checkins.async_progress(entry, 0, 400)
    assert seen == [None]  # the check-in only; 0 % waits for the interval


async def test_check_ins_more_often_than_the_save_delay_are_still_saved(
    hass: HomeAssistant,
    pull_server: PullServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await pull_server.add_board()

    async def check_in(version: str, after: float) -> None:
        await pull_server.get(board(version=version).headers())
        freezer.tick(timedelta(seconds=after))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    await check_in("1.0", SAVE_DELAY * 0.6)
    assert "esp_ota.pull" not in hass_storage
    # A second check-in joins the save already due instead of postponing it.
    await check_in("1.1", SAVE_DELAY * 0.6)
    saved = hass_storage["esp_ota.pull"]["data"]
    assert saved[entry.entry_id]["check_in"]["version"] == "1.1"
    # After that save, the next check-in is saved again.
    await check_in("1.2", SAVE_DELAY + 1)
    saved = hass_storage["esp_ota.pull"]["data"]
    assert saved[entry.entry_id]["check_in"]["version"] == "1.2"


async def test_the_update_card_is_written_only_when_a_check_in_changes_it(
    hass: HomeAssistant, pull_server: PullServer, freezer: FrozenDateTimeFactory
) -> None:
    await pull_server.add_board()
    entity_id = f"update.{slug(MAC)}_firmware"
    await pull_server.get(board(version="1.0").headers())
    first = hass.states.get(entity_id)
    assert first.attributes["installed_version"] == "1.0"
    # A write of an unchanged state moves last_reported (on the same object).
    reported = first.last_reported
    freezer.tick(timedelta(seconds=5))
    await pull_server.get(board(version="1.0").headers())
    assert hass.states.get(entity_id).last_reported == reported
    freezer.tick(timedelta(seconds=5))
    await pull_server.get(board(version="1.1").headers())
    state = hass.states.get(entity_id)
    assert state.attributes["installed_version"] == "1.1"
    assert state.last_reported > reported
