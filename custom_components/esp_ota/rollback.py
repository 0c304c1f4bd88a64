"""Rollback detection: a board that went back to the sketch it ran before.

ESP32 boards with app rollback (ESP-IDF ``CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE``,
``esp_ota_mark_app_invalid_rollback_and_reboot``; arduino-esp32's
``verifyRollbackLater``/``verifyOta``) boot the previous app when the new one
does not mark itself valid, and a sketch that crashes early can be reflashed
by a watchdog or recovery partition: the board then comes back announcing the
version it ran before the install.

Rules:
- only a sketch (flash image) install is watched, and only when the board
  announced a version before it and that version is not the flashed one;
- the board is rolled back when, back from its reboot or within
  ``ROLLBACK_WATCH`` (10 minutes) after it, it announces the version it ran
  before (the same string; an MD5 it announces is compared the same way);
- a rollback is a failed install (reason ``rolled_back``): the install
  history and the events say so, the ledger's "installed" goes back to what
  it was before the install, and a "rolled back" repair names both versions;
  the card shows the version the board announces, which is the one running;
- the repair goes away when a later install on the board succeeds, or when
  its entry is removed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .board import ledger_key
from .const import DOMAIN
from .firmware import ImageKind
from .ledger import DATA_LEDGER, Installed
from .transport import translated_error

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .store import StagedFirmware

ROLLBACK_WATCH: Final = 600.0
"""Seconds after a board's return during which going back counts as a rollback."""


def rollback_issue_id(board: str) -> str:
    """Return the repair issue id that says a board rolled back."""
    return f"rolled_back_{board}"


@dataclass(frozen=True)
class Before:
    """What the board ran and what the ledger said before an install."""

    version: str
    installed: Installed | None


def before_install(
    hass: HomeAssistant, entry: EspOtaConfigEntry, staged: StagedFirmware
) -> Before | None:
    """Return what a rollback would go back to; None if it cannot be told."""
    announced = entry.runtime_data.version
    if staged.kind is not ImageKind.APP or announced is None:
        return None
    if _same(announced, staged.version) or is_hash_of(announced, staged):
        return None
    ledger = hass.data[DATA_LEDGER]
    return Before(announced, ledger.installed(ledger_key(entry, staged.kind)))


def rolled_back(entry: EspOtaConfigEntry, before: Before) -> bool:
    """Whether the board now announces the version it ran before the install."""
    announced = entry.runtime_data.version
    return announced is not None and _same(announced, before.version)


def _same(announced: str, version: str) -> bool:
    return announced.strip().lower() == version.strip().lower()


def is_hash_of(announced: str, staged: StagedFirmware) -> bool:
    """Whether an announced value is the image's MD5 or SHA-256, not a version."""
    return announced.strip().lower() in (staged.md5, staged.sha256)


async def async_rolled_back(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    before: Before,
) -> HomeAssistantError:
    """Undo the ledger's install, raise the repair; return the error to report."""
    key = ledger_key(entry, staged.kind)
    await hass.data[DATA_LEDGER].async_set_installed(key, before.installed)
    placeholders = {
        "board": entry.title,
        "version": staged.version,
        "running": before.version,
    }
    ir.async_create_issue(
        hass,
        DOMAIN,
        rollback_issue_id(key),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="rolled_back",
        translation_placeholders=placeholders,
    )
    return translated_error(
        HomeAssistantError,
        "rolled_back",
        board=entry.title,
        version=staged.version,
        running=before.version,
    )


@callback
def async_watch_for_rollback(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    before: Before,
    on_rollback: Callable[[HomeAssistantError], Awaitable[None]],
) -> CALLBACK_TYPE:
    """Watch a board back on the new sketch; ``on_rollback`` records a fall back.

    Returns a callable that stops the watch (the entry's unload calls it).
    """
    stops: list[CALLBACK_TYPE] = []

    @callback
    def stop(*_: object) -> None:
        while stops:
            stops.pop()()

    @callback
    def heard() -> None:
        if not rolled_back(entry, before):
            return
        stop()

        async def report() -> None:
            await on_rollback(await async_rolled_back(hass, entry, staged, before))

        entry.async_create_task(hass, report())

    stops.append(entry.runtime_data.async_add_listener(heard))
    stops.append(async_call_later(hass, ROLLBACK_WATCH, stop))
    return stop
