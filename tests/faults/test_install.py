"""Installs end with their entry, and a delivered image is recorded as delivered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from homeassistant.components.update import ATTR_INSTALLED_VERSION
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.esp_ota.ledger import DATA_LEDGER, Ledger
from custom_components.esp_ota.settings import DATA_SETTINGS, FleetLimiter
from tests.helpers import BoardFactory, install, stage
from tools.esp_images import build_esp32_app


@contextmanager
def watch_queue() -> Iterator[asyncio.Event]:
    """Set the event when an install starts waiting for a fleet slot."""
    queued = asyncio.Event()
    enter = FleetLimiter.__aenter__

    async def spy(self: FleetLimiter) -> None:
        if self.running >= self.limit:
            queued.set()
        await enter(self)

    with patch.object(FleetLimiter, "__aenter__", spy):
        yield queued


@contextmanager
def watch_records() -> Iterator[asyncio.Event]:
    """Set the event when the ledger records an install."""
    recorded = asyncio.Event()
    record = Ledger.async_record_install

    async def spy(self: Ledger, board: str, **kwargs: Any) -> None:
        await record(self, board, **kwargs)
        recorded.set()

    with patch.object(Ledger, "async_record_install", spy):
        yield recorded


@pytest.mark.parametrize("action", ["unload", "reload"])
async def test_a_queued_install_ends_with_its_entry(
    hass: HomeAssistant, add_board: BoardFactory, person: Context, action: str
) -> None:
    first = await add_board("esp32-a", flash_speed=500_000)
    second = await add_board("esp32-b")
    await hass.data[DATA_SETTINGS].async_set_parallel_uploads(1)
    for board in (first, second):
        await stage(hass, board, build_esp32_app(version="1.1.0", size=128 * 1024))

    with watch_queue() as queued:
        one = hass.async_create_task(install(hass, first, person))
        await first.emulator.busy.wait()
        two = hass.async_create_task(install(hass, second, person))
        await queued.wait()
    if action == "unload":
        assert await hass.config_entries.async_unload(second.entry.entry_id)
    else:
        assert await hass.config_entries.async_reload(second.entry.entry_id)

    with pytest.raises(HomeAssistantError) as err:
        await two
    assert err.value.translation_key == "install_cancelled"
    await one
    # The slot freed by the first board went to nobody: the second board
    # was never invited, and the fleet counts no upload.
    assert second.emulator.invitations == []
    assert hass.data[DATA_SETTINGS].fleet.running == 0


async def test_unloading_after_the_boards_ok_keeps_the_delivery(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(announce_version=False, announce_after_reboot=False)
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    key = board.entry.entry_id

    with watch_records() as recorded:
        task = hass.async_create_task(install(hass, board, person))
        await recorded.wait()
    # The board said OK; Home Assistant unloads while waiting for it to return.
    assert await hass.config_entries.async_unload(key)
    await task

    installed = hass.data[DATA_LEDGER].installed(key)
    assert installed is not None
    assert installed.version == "1.1.0"
    assert await hass.config_entries.async_setup(key)
    await hass.async_block_till_done()
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.1.0"
    assert state.state == "off"


async def test_home_assistant_stopping_mid_upload_is_a_cancellation(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await add_board(flash_speed=200_000)
    await stage(hass, board, build_esp32_app(version="1.1.0", size=256 * 1024))
    task = hass.async_create_task(install(hass, board, person))
    await board.emulator.busy.wait()

    await hass.async_stop(force=True)

    with pytest.raises(asyncio.CancelledError):
        await task
    await board.emulator.session_ended.wait()
    assert board.emulator.received_images == []
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors == []


def _timers(hass: HomeAssistant, name: str) -> list[asyncio.TimerHandle]:
    """Return the loop's pending timers whose job names ``name``."""
    scheduled: list[asyncio.TimerHandle] = hass.loop._scheduled  # type: ignore[attr-defined]
    return [h for h in scheduled if not h.cancelled() and name in repr(h._args)]


async def test_unloading_after_the_boards_ok_leaves_no_rollback_watch(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    # The board announced the version it runs, so a fall back could be told.
    board = await add_board(announce_after_reboot=False)
    assert board.runtime.version == "1.0.0"
    await stage(hass, board, build_esp32_app(version="1.1.0"))

    with watch_records() as recorded:
        task = hass.async_create_task(install(hass, board, person))
        await recorded.wait()
    assert await hass.config_entries.async_unload(board.entry.entry_id)
    await task

    # The entry is gone: nothing may keep watching its old runtime.
    assert _timers(hass, "async_watch_for_rollback") == []
    assert hass.data[DATA_LEDGER].installed(board.entry.entry_id) is not None
