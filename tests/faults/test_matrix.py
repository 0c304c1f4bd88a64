"""The fault matrix: Home Assistant stops, or the entry unloads, mid-install.

For both push transports (ArduinoOTA and the web updater) and three moments
(the transfer just started, half the image acknowledged, every byte sent but
no final answer yet), each test asserts:

- nothing lost: the staged image, its file and the person's confirmation stay,
  and no install is recorded that the board never confirmed;
- nothing left running: no install task, no fleet slot, no temporary file and
  no socket opened for the install (checked by socket inode, after the
  emulated board stopped too).

The moments are reached by waiting on events (the update entity's progress,
the emulator's session), never by sleeping; the emulated boards write their
flash at a finite speed and take a moment for the final check, as real ones do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import os
from pathlib import Path
from typing import Any

from homeassistant.components.update import ATTR_IN_PROGRESS, ATTR_UPDATE_PERCENTAGE
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.settings import DATA_SETTINGS
from custom_components.esp_ota.store import get_store
from tests.helpers import BoardFactory, WebBoardFactory, install, stage
from tools.esp_images import build_esp32_app, build_esp8266_app

MOMENTS = ["start", "half", "last-byte"]
IMAGE_SIZE = 192 * 1024
# Slow enough that half the image takes about a second: the test acts on the
# progress event long before the transfer could finish by itself.
FLASH_SPEED = 150_000
# The web updater's progress counts bytes handed to the socket, so the board's
# speed only has to stay well inside the answer timeout of the tests.
WEB_FLASH_SPEED = 600_000


def _sockets() -> set[str]:
    """Return the inodes of this process's open sockets."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _progress_reached(
    hass: HomeAssistant, entity_id: str, percent: int
) -> tuple[asyncio.Event, Callable[[], None]]:
    """Return an event set once the card shows at least ``percent``."""
    reached = asyncio.Event()

    @callback
    def check(event: Event[Any]) -> None:
        new = event.data["new_state"]
        shown = new.attributes.get(ATTR_UPDATE_PERCENTAGE)
        if new.attributes.get(ATTR_IN_PROGRESS) and (
            (percent == 0) or (shown is not None and shown >= percent)
        ):
            reached.set()

    return reached, async_track_state_change_event(hass, entity_id, check)


@dataclass
class Case:
    """One board under test, whatever its transport."""

    entry_id: str
    update_entity: str
    image: bytes
    started: Callable[[], Awaitable[Any]]
    """Wait until the board took the install (its session began)."""
    received_all: asyncio.Event
    """Set by the board once it has every byte, before its final answer."""
    stop_board: Callable[[], Awaitable[None]]


async def _espota_case(hass: HomeAssistant, add_board: BoardFactory) -> Case:
    board = await add_board(flash_speed=FLASH_SPEED, end_delay_s=0.5)
    image = build_esp32_app(version="1.1.0", size=IMAGE_SIZE)
    await stage(hass, board, image)
    return Case(
        board.entry.entry_id,
        board.update_entity,
        image,
        board.emulator.busy.wait,
        board.emulator.received_all,
        board.emulator.stop,
    )


async def _web_case(hass: HomeAssistant, add_web_board: WebBoardFactory) -> Case:
    board = await add_web_board(flash_speed=WEB_FLASH_SPEED, end_delay=0.5)
    image = build_esp8266_app(size=IMAGE_SIZE)
    await stage(hass, board, image, version="2.0.0")
    emulator = board.emulator

    async def started() -> None:
        """Return at once: the card shows the install when the transport began."""

    return Case(
        board.entry.entry_id,
        board.update_entity,
        image,
        started,
        emulator.received_all,
        emulator.stop,
    )


async def _run(
    hass: HomeAssistant, case: Case, person: Context, moment: str, action: str
) -> None:
    store = get_store(hass)
    staged = store.latest(case.entry_id)
    assert staged is not None
    before = _sockets()
    percent = 50 if moment == "half" else 0
    reached, unsub = _progress_reached(hass, case.update_entity, percent)
    task = hass.async_create_task(install(hass, case, person))  # type: ignore[arg-type]
    await case.started()
    await reached.wait()
    unsub()
    if moment == "last-byte":
        # The board has every byte and is checking it: no answer sent yet.
        await case.received_all.wait()

    if action == "unload":
        assert await hass.config_entries.async_unload(case.entry_id)
        with pytest.raises(HomeAssistantError) as err:
            await task
        assert err.value.translation_key == "install_cancelled"
    else:
        await hass.async_stop(force=True)
        with pytest.raises(asyncio.CancelledError):
            await task
    await case.stop_board()

    # Nothing lost.
    assert store.latest(case.entry_id) == staged
    assert store.path_for(staged).read_bytes() == case.image
    ledger = hass.data[DATA_LEDGER]
    assert ledger.is_confirmed(case.entry_id, staged.sha256)
    assert ledger.installed(case.entry_id) is None
    # Nothing left running.
    running = [
        t.get_name()
        for t in asyncio.all_tasks()
        if not t.done() and t.get_name().startswith("esp_ota")
    ]
    assert running == []
    assert hass.data[DATA_SETTINGS].fleet.running == 0
    assert list(Path(store.root).rglob("*.tmp")) == []
    assert _sockets() - before == set()


@pytest.mark.parametrize("action", ["unload", "stop"])
@pytest.mark.parametrize("moment", MOMENTS)
async def test_arduino_ota_install_interrupted(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    moment: str,
    action: str,
) -> None:
    case = await _espota_case(hass, add_board)
    await _run(hass, case, person, moment, action)


@pytest.mark.parametrize("action", ["unload", "stop"])
@pytest.mark.parametrize("moment", MOMENTS)
async def test_web_updater_install_interrupted(
    hass: HomeAssistant,
    add_web_board: WebBoardFactory,
    person: Context,
    moment: str,
    action: str,
) -> None:
    case = await _web_case(hass, add_web_board)
    await _run(hass, case, person, moment, action)
