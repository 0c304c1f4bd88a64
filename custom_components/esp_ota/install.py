"""Installing staged firmware on a board: the rules first, then the transport.

Every push install, whatever carries the bytes (ArduinoOTA, the web updater),
goes through ``async_install``, in this order, before a byte is sent (rules 1
to 3 are ``check_rules``, which the pull server asks on every check-in too):

1. the board's "OTA updates allowed" switch is on;
2. a person confirmed this exact image (by SHA-256) for this board — an install
   a person starts from the UI is that confirmation, an automation's install
   needs one given earlier; otherwise a repair issue says what to confirm;
3. the bytes on disk are the staged (and confirmed) bytes, and they fit the
   board (chip family, free space, flash vs filesystem);
4. nothing else is flashing this board; then it waits for a slot of the
   fleet-wide limit.

The wait for a slot and the upload run as a task of the entry: unloading or
reloading the entry ends a queued install as well as a running one, so an
install never outlives the runtime it was started for.

The board's final OK is the delivery: the ledger records the image then. The
wait for the board to come back (announced again, with the new version when it
announces one) only confirms it; if it does not return within COMEBACK_TIMEOUT,
a repair issue tells the person, and an unload during that wait keeps the
delivery. Home Assistant stopping stays a cancellation, never an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .board import ledger_key
from .const import DOMAIN
from .firmware import family_for_board
from .install_rules import (
    InstallError,
    async_check_install,
    confirmation_issue_id,
    read_checked,
)
from .ledger import DATA_LEDGER
from .rollback import (
    Before,
    async_rolled_back,
    async_watch_for_rollback,
    before_install,
    is_hash_of,
    rollback_issue_id,
    rolled_back,
)
from .settings import DATA_SETTINGS
from .store import get_store
from .transport import ProgressCallback, Transport, translated_error

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .store import StagedFirmware

_LOGGER = logging.getLogger(__name__)

# A board reboots, joins Wi-Fi and probes its mDNS name; on a weak network with
# a slow DHCP server that takes well over a minute.
COMEBACK_TIMEOUT: Final = 180.0

# Stopping cancels the entry's tasks in one stage; the install's caller may only
# see it in a later one (final write, then "not running"), so anything but
# these states counts as stopping.
_RUNNING: Final = (CoreState.starting, CoreState.running)


def comeback_issue_id(board: str) -> str:
    """Return the repair issue id that says a board did not come back."""
    return f"no_return_{board}"


async def async_install(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    *,
    context: Context | None,
    transport: Transport,
    progress: ProgressCallback,
    on_started: Callable[[], None],
    on_rollback: Callable[[HomeAssistantError], Awaitable[None]] | None = None,
) -> None:
    """Check every rule, then flash the image and wait for the board to return.

    ``on_rollback`` is told if the board falls back to the sketch it ran
    before within rollback.ROLLBACK_WATCH of its return.
    """
    board = entry.runtime_data
    key = ledger_key(entry, staged.kind)
    await async_check_install(hass, entry, staged, context=context)
    if entry.state is not ConfigEntryState.LOADED:
        # Unloaded while the rules were checked.
        raise translated_error(InstallError, "install_cancelled", board=entry.title)
    if board.install_lock.locked():
        raise translated_error(InstallError, "install_in_progress", board=entry.title)
    delivery = _Delivery(before=before_install(hass, entry, staged))
    async with board.install_lock:
        await _async_run_in_entry_task(
            hass,
            entry,
            _async_queue_and_flash(
                hass,
                entry,
                _Job(staged=staged, transport=transport, progress=progress),
                on_started,
                delivery,
            ),
            delivery,
        )
    ir.async_delete_issue(hass, DOMAIN, confirmation_issue_id(key))
    ir.async_delete_issue(hass, DOMAIN, comeback_issue_id(key))
    ir.async_delete_issue(hass, DOMAIN, rollback_issue_id(key))
    if (
        delivery.before is not None
        and on_rollback is not None
        and entry.state is ConfigEntryState.LOADED
        and entry.runtime_data is board
    ):
        # Back on the new sketch; it may still fall back (rollback.py). Not
        # after an unload during the come-back wait: nothing may outlive the
        # runtime the install was started for.
        entry.async_on_unload(
            async_watch_for_rollback(hass, entry, staged, delivery.before, on_rollback)
        )


@dataclass
class _Delivery:
    """Set once the board said OK to the last byte; what it ran before."""

    done: bool = False
    before: Before | None = None


@dataclass(frozen=True, kw_only=True)
class _Job:
    staged: StagedFirmware
    transport: Transport
    progress: ProgressCallback


async def _async_run_in_entry_task(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    work: Coroutine[Any, Any, None],
    delivery: _Delivery,
) -> None:
    """Run work as a task of the entry, so unloading the entry cancels it."""
    task = entry.async_create_background_task(
        hass, work, f"esp_ota install {entry.title}"
    )
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.cancelled():
            # Our caller was cancelled: take the install down with it.
            task.cancel()
            raise
        if delivery.done:
            # Only the come-back wait was cut short: the board has the image.
            return
        if hass.state not in _RUNNING:
            # Home Assistant is stopping: a cancellation, not an error to log.
            raise
        # The entry was unloaded or reloaded while queued or flashing.
        raise translated_error(
            InstallError, "install_cancelled", board=entry.title
        ) from None


async def _async_queue_and_flash(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    job: _Job,
    on_started: Callable[[], None],
    delivery: _Delivery,
) -> None:
    """Wait for a fleet slot, flash, free the slot, wait for the board's return.

    The image is read once the slot is had, so boards waiting their turn hold
    no copy of it; the slot is freed once the board has every byte, so its
    reboot overlaps the next board's upload. All of it ends when the entry
    unloads.
    """
    comeback: asyncio.Future[None] | None = None
    try:
        async with hass.data[DATA_SETTINGS].fleet:
            data = await _async_read(hass, entry, job.staged)
            on_started()
            _LOGGER.info("Flashing %s with version %s", entry.title, job.staged.version)
            comeback = await _async_flash(hass, entry, job, data)
        delivery.done = True
        _LOGGER.info("%s accepted the image; waiting for it to come back", entry.title)
        await _async_wait_for_return(hass, entry, job.staged, comeback)
    finally:
        if comeback is not None:
            comeback.cancel()
    if (before := delivery.before) is not None and rolled_back(entry, before):
        raise await async_rolled_back(hass, entry, job.staged, before)
    _check_return(entry, job.staged)


async def _async_read(
    hass: HomeAssistant, entry: EspOtaConfigEntry, staged: StagedFirmware
) -> bytes:
    """Read, hash and inspect the image in the executor (tens of ms for 16 MiB)."""
    try:
        return await hass.async_add_executor_job(
            read_checked,
            get_store(hass),
            staged,
            entry.title,
            family_for_board(entry.runtime_data.board_id),
        )
    except OSError as err:
        # Deleted (or made unreadable) behind our back: say so without a path.
        raise translated_error(
            InstallError, "image_missing", board=entry.title, version=staged.version
        ) from err


async def _async_flash(
    hass: HomeAssistant, entry: EspOtaConfigEntry, job: _Job, data: bytes
) -> asyncio.Future[None]:
    """Upload; record the install; return the future of the board's return."""
    board = entry.runtime_data
    staged, progress = job.staged, job.progress
    comeback: asyncio.Future[None] | None = None

    def on_progress(sent: int, total: int) -> None:
        nonlocal comeback
        if comeback is None and sent >= total:
            # The board has every byte: from now on, any sign of life is the
            # board back from its reboot.
            comeback = board.async_expect_announcement()
        progress(sent, total)

    try:
        await job.transport.async_upload(data, staged.kind, on_progress)
    except BaseException:
        if comeback is not None:
            comeback.cancel()
        raise
    if comeback is None:
        comeback = board.async_expect_announcement()
    await hass.data[DATA_LEDGER].async_record_install(
        ledger_key(entry, staged.kind),
        sha256=staged.sha256,
        md5=staged.md5,
        version=staged.version,
        project=staged.project,
    )
    return comeback


async def _async_wait_for_return(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    comeback: asyncio.Future[None],
) -> None:
    """Wait for the board's first sign of life; raise the repair if it stays away."""
    try:
        async with asyncio.timeout(COMEBACK_TIMEOUT):
            await comeback
    except TimeoutError as err:
        ir.async_create_issue(
            hass,
            DOMAIN,
            comeback_issue_id(ledger_key(entry, staged.kind)),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="board_did_not_return",
            translation_placeholders={
                "board": entry.title,
                "version": staged.version,
                "minutes": str(max(1, round(COMEBACK_TIMEOUT / 60))),
            },
        )
        raise translated_error(
            InstallError,
            "board_did_not_return",
            board=entry.title,
            version=staged.version,
        ) from err


def _check_return(entry: EspOtaConfigEntry, staged: StagedFirmware) -> None:
    """Log a board back with a version other than the flashed image's."""
    # A sketch may announce its MD5 (ESP.getSketchMD5()) instead of a version.
    announced = entry.runtime_data.version
    if announced not in (None, staged.version) and not is_hash_of(announced, staged):
        _LOGGER.warning(
            "%s came back announcing version %s, not the flashed %s",
            entry.title,
            announced,
            staged.version,
        )
