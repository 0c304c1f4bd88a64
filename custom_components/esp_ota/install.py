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
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
import hashlib
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .board import ledger_key
from .const import DOMAIN
from .firmware import (
    ChipFamily,
    FirmwareError,
    check_fit,
    check_image,
    family_for_board,
)
from .ledger import DATA_LEDGER
from .settings import DATA_SETTINGS
from .staging import staging_error
from .store import get_store
from .transport import ProgressCallback, Transport, translated_error

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .store import FirmwareStore, StagedFirmware

_LOGGER = logging.getLogger(__name__)

# A board reboots, joins Wi-Fi and probes its mDNS name; on a weak network with
# a slow DHCP server that takes well over a minute.
COMEBACK_TIMEOUT: Final = 180.0

# Stopping cancels the entry's tasks in one stage; the install's caller may only
# see it in a later one (final write, then "not running"), so anything but
# these states counts as stopping.
_RUNNING: Final = (CoreState.starting, CoreState.running)


class InstallError(HomeAssistantError):
    """An install was refused or failed; the message is translated."""


class NotConfirmedError(InstallError):
    """No person confirmed the image for this board."""


def confirmation_issue_id(board: str) -> str:
    """Return the repair issue id that asks for a confirmation."""
    return f"confirm_{board}"


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
) -> None:
    """Check every rule, then flash the image and wait for the board to return."""
    board = entry.runtime_data
    key = ledger_key(entry, staged.kind)
    await async_check_install(hass, entry, staged, context=context)
    # Reading, hashing and inspecting a 16 MiB image takes tens of milliseconds
    # (several times that on a Raspberry Pi): all of it runs in the executor.
    try:
        data = await hass.async_add_executor_job(
            _read_checked,
            get_store(hass),
            staged,
            entry.title,
            family_for_board(board.board_id),
        )
    except OSError as err:
        # Deleted (or made unreadable) behind our back: say so without a path.
        raise translated_error(
            InstallError, "image_missing", board=entry.title, version=staged.version
        ) from err
    if entry.state is not ConfigEntryState.LOADED:
        # Unloaded while the rules were checked and the bytes read.
        raise translated_error(InstallError, "install_cancelled", board=entry.title)
    if board.install_lock.locked():
        raise translated_error(InstallError, "install_in_progress", board=entry.title)
    delivery = _Delivery()
    async with board.install_lock:
        await _async_run_in_entry_task(
            hass,
            entry,
            _async_queue_and_flash(
                hass,
                entry,
                _Job(staged=staged, data=data, transport=transport, progress=progress),
                on_started,
                delivery,
            ),
            delivery,
        )
    ir.async_delete_issue(hass, DOMAIN, confirmation_issue_id(key))
    ir.async_delete_issue(hass, DOMAIN, comeback_issue_id(key))


def check_rules(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    *,
    free_space: int | None = None,
    board_family: ChipFamily | None = None,
) -> None:
    """Rules 1 to 3 on what is known without a person or the bytes at hand.

    The switch is on, a person confirmed this exact image (ledger), and the
    staged image fits the board (chip family from the board id unless given,
    free space when known). Push installs and the pull server both ask this.
    """
    board = entry.runtime_data
    if not board.updates_allowed:
        raise translated_error(InstallError, "updates_not_allowed", board=entry.title)
    if not hass.data[DATA_LEDGER].is_confirmed(
        ledger_key(entry, staged.kind), staged.sha256
    ):
        raise translated_error(
            NotConfirmedError,
            "not_confirmed",
            board=entry.title,
            version=staged.version,
        )
    try:
        check_fit(
            staged,
            board_family=board_family or family_for_board(board.board_id),
            free_space=free_space,
            target=staged.kind,
        )
    except FirmwareError as err:
        raise staging_error(err) from err


async def async_check_install(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    *,
    context: Context | None,
    free_space: int | None = None,
) -> None:
    """Take a person's Install as the confirmation, then check the rules.

    A person pressing Install on this exact image confirms it (only while the
    switch allows installs); an automation's install without an earlier
    confirmation raises a repair issue that says what to confirm.
    """
    ledger = hass.data[DATA_LEDGER]
    key = ledger_key(entry, staged.kind)
    if (
        context is not None
        and context.user_id is not None
        and entry.runtime_data.updates_allowed
        and not ledger.is_confirmed(key, staged.sha256)
    ):
        await ledger.async_confirm(
            key, sha256=staged.sha256, version=staged.version, user_id=context.user_id
        )
    try:
        check_rules(hass, entry, staged, free_space=free_space)
    except NotConfirmedError:
        ir.async_create_issue(
            hass,
            DOMAIN,
            confirmation_issue_id(key),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="install_needs_confirmation",
            translation_placeholders={
                "board": entry.title,
                "version": staged.version,
                "sha256": staged.short_hash,
            },
        )
        raise


def _read_checked(
    store: FirmwareStore,
    staged: StagedFirmware,
    board: str,
    family: ChipFamily | None,
) -> bytes:
    """Read the staged bytes; refuse them if changed or unfit (executor only)."""
    data = store.read(staged)
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        raise translated_error(InstallError, "image_changed_on_disk", board=board)
    try:
        check_image(data, target=staged.kind, board_family=family)
    except FirmwareError as err:
        raise staging_error(err) from err
    return data


@dataclass
class _Delivery:
    """Set once the board said OK to the last byte."""

    done: bool = False


@dataclass(frozen=True, kw_only=True)
class _Job:
    staged: StagedFirmware
    data: bytes
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
    """Wait for a fleet slot, then flash; both end when the entry unloads."""
    async with hass.data[DATA_SETTINGS].fleet:
        on_started()
        _LOGGER.info("Flashing %s with version %s", entry.title, job.staged.version)
        await _async_flash_and_wait(hass, entry, job, delivery)


async def _async_flash_and_wait(
    hass: HomeAssistant, entry: EspOtaConfigEntry, job: _Job, delivery: _Delivery
) -> None:
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
        await job.transport.async_upload(job.data, staged.kind, on_progress)
        if comeback is None:
            comeback = board.async_expect_announcement()
        await hass.data[DATA_LEDGER].async_record_install(
            ledger_key(entry, staged.kind),
            sha256=staged.sha256,
            md5=staged.md5,
            version=staged.version,
        )
        delivery.done = True
        _LOGGER.info("%s accepted the image; waiting for it to come back", entry.title)
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
    finally:
        if comeback is not None:
            comeback.cancel()
    # A sketch may announce its MD5 (ESP.getSketchMD5()) instead of a version.
    announced = board.version
    if announced not in (None, staged.version) and announced.strip().lower() not in (
        staged.md5,
        staged.sha256,
    ):
        _LOGGER.warning(
            "%s came back announcing version %s, not the flashed %s",
            entry.title,
            announced,
            staged.version,
        )
