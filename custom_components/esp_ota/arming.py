"""Install when next seen: an install asked of a board that is away waits for it.

Boards sleep (deep sleep between measurements), lose power for a night, or
drop off the Wi-Fi for a while. An install that simply failed on them would
leave a person to press Install again at the right moment.

Rules:
- an install asked while the board is not available (its update card stays
  available for this) is checked against every rule first: a person's press
  confirms the image as always, an automation needs an earlier confirmation;
  a refusal is raised and recorded as usual (``history.py``);
- if the rules hold, the board is armed: the card's release summary says that
  it is waiting for the board, the ``esp_ota_install_armed`` event is fired,
  and the call returns;
- when the board is next heard from, the install starts as if asked then,
  with the context that armed it (the person or the automation) and the image
  it was armed with (by SHA-256; if that image is gone, nothing starts);
  its outcome is recorded and told like any other, and a failure is logged;
- arming ends when its install starts, when it expires (the ``arm_hours``
  setting, 24 by default; 0 turns arming off, and an install on a board that
  is away is then refused with ``board_offline``), when it is cancelled
  (``esp_ota.cancel_waiting_install``), when another install is asked, and
  when the entry unloads;
- it outlives a restart of Home Assistant (or a reload of the entry): the
  update entity keeps it in its restore data (``RestoreEntity``: the image's
  SHA-256 and version, the user id of the person who asked, if any, the
  expiry and the card's text) and takes it back when it is added again, unless
  it has expired meanwhile; the install then starts when the board is heard
  from, with a context of the same user;
- ArduinoOTA and web updater boards are armed this way; pull boards wait for
  their next check-in by design (``pull/``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.components.update import UpdateEntity
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.restore_state import ExtraStoredData
from homeassistant.util import dt as dt_util

from .events import EVENT_INSTALL_ARMED
from .history import async_record_outcome
from .install_rules import async_check_install
from .settings import DATA_SETTINGS
from .translate import NoticeText, async_translate
from .transport import translated_error

if TYPE_CHECKING:
    from .board import EspOtaBoard, EspOtaConfigEntry
    from .store import StagedFirmware

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Armed:
    """An install waiting for its board."""

    sha256: str
    version: str
    context: Context | None
    until: datetime
    summary: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form kept in the entity's restore data."""
        return {
            "sha256": self.sha256,
            "version": self.version,
            "user_id": self.context.user_id if self.context else None,
            "until": self.until.isoformat(),
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Armed | None:
        """Read the restore data back; None when it is not a waiting install."""
        if not isinstance(data, dict):
            return None
        fields = ("sha256", "version", "until", "summary")
        if not all(isinstance(data.get(name), str) for name in fields):
            return None
        user_id = data.get("user_id")
        until = dt_util.parse_datetime(data["until"])
        if until is None or not (user_id is None or isinstance(user_id, str)):
            return None
        # A new context of the same user: a person's standing, or none.
        context = Context(user_id=user_id) if user_id else None
        return cls(data["sha256"], data["version"], context, until, data["summary"])


@dataclass
class ArmedRestoreData(ExtraStoredData):
    """The waiting install (or None) in the update entity's restore data."""

    armed: Armed | None

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {"armed": self.armed.as_dict() if self.armed else None}


def _check_arming_on(hours: int, entry: EspOtaConfigEntry) -> None:
    """Refuse an install on a board that is away when arming is turned off."""
    if hours == 0:
        raise translated_error(HomeAssistantError, "board_offline", board=entry.title)


class ArmingMixin(UpdateEntity):
    """Arms the update entity's installs on a board that is away.

    Put in front of the platform's entity class, which provides the stubs below.
    """

    hass: HomeAssistant
    board: EspOtaBoard
    _entry: EspOtaConfigEntry
    _armed: Armed | None = None
    _unsub_expiry: CALLBACK_TYPE | None = None

    if TYPE_CHECKING:
        # Provided by the update entity (update.py).
        @property
        def _staged(self) -> list[StagedFirmware]: ...

        def _async_install_now(
            self, staged: StagedFirmware, context: Context | None
        ) -> Awaitable[None]: ...

    @property
    def armed(self) -> Armed | None:
        """The install waiting for the board, if one is."""
        return self._armed

    @property
    def extra_restore_state_data(self) -> ArmedRestoreData:
        """Keep the waiting install across a restart."""
        return ArmedRestoreData(self._armed)

    @callback
    def _async_start_once_loaded(self) -> None:
        """Start a restored install once the entry is set up (installs need that)."""
        if self._entry.state is ConfigEntryState.LOADED:
            self._async_start_if_armed()
            return
        started = False

        @callback
        def state_changed() -> None:
            nonlocal started
            if not started and self._entry.state is ConfigEntryState.LOADED:
                started = True
                self._async_start_if_armed()

        # Removed with the entity (never from inside the entry's own loop
        # over its listeners, which a removal there would upset).
        self.async_on_remove(self._entry.async_on_state_change(state_changed))

    async def _async_restore_armed(self) -> None:
        """Take back an install that waited for the board before a restart."""
        stored = await self.async_get_last_extra_data()
        if stored is None:
            return
        armed = Armed.from_dict(stored.as_dict().get("armed"))
        if armed is None:
            return
        left = (armed.until - dt_util.utcnow()).total_seconds()
        if left <= 0:
            _LOGGER.info(
                "The install of %s on %s expired while Home Assistant was stopped",
                armed.version,
                self._entry.title,
            )
            return
        self._armed = armed
        self._unsub_expiry = async_call_later(self.hass, left, self._async_expired)
        _LOGGER.info(
            "%s: version %s still waits for the board (until %s)",
            self._entry.title,
            armed.version,
            dt_util.as_local(armed.until).strftime("%Y-%m-%d %H:%M"),
        )

    async def _async_arm(self, staged: StagedFirmware, context: Context | None) -> None:
        """Check the rules now; arm the install for the board's return."""
        hass, entry = self.hass, self._entry
        hours = hass.data[DATA_SETTINGS].arm_hours
        try:
            _check_arming_on(hours, entry)
            await async_check_install(hass, entry, staged, context=context)
        except HomeAssistantError as err:
            await async_record_outcome(
                hass,
                entry,
                staged,
                "refused",
                seconds=None,
                context=context,
                error=err,
            )
            raise
        until = dt_util.utcnow() + timedelta(hours=hours)
        summary = await async_translate(
            hass,
            NoticeText(
                "armed_summary",
                board=entry.title,
                version=staged.version,
                until=dt_util.as_local(until).strftime("%Y-%m-%d %H:%M"),
            ),
        )
        self.async_disarm()
        self._armed = Armed(staged.sha256, staged.version, context, until, summary)
        self._unsub_expiry = async_call_later(hass, hours * 3600, self._async_expired)
        hass.bus.async_fire(
            EVENT_INSTALL_ARMED,
            {
                "board": entry.title,
                "config_entry_id": entry.entry_id,
                "version": staged.version,
                "until": until.isoformat(),
            },
            context=context,
        )
        _LOGGER.info(
            "%s is away: version %s installs when it is next seen",
            entry.title,
            staged.version,
        )
        self.async_write_ha_state()

    @callback
    def async_disarm(self) -> bool:
        """End the waiting install, if any; return whether there was one."""
        if self._unsub_expiry is not None:
            self._unsub_expiry()
            self._unsub_expiry = None
        armed, self._armed = self._armed, None
        return armed is not None

    @callback
    def _async_expired(self, _: datetime) -> None:
        self._unsub_expiry = None
        if self._armed is not None:
            _LOGGER.info(
                "%s was not seen in time: the install of %s is no longer waiting",
                self._entry.title,
                self._armed.version,
            )
        self.async_disarm()
        self.async_write_ha_state()

    @callback
    def _async_start_if_armed(self) -> None:
        """Start the waiting install now that the board is back."""
        armed = self._armed
        if (
            armed is None
            or not self.board.available
            or self._entry.state is not ConfigEntryState.LOADED
        ):
            return
        self.async_disarm()
        staged = next((s for s in self._staged if s.sha256 == armed.sha256), None)
        if staged is None:
            _LOGGER.warning(
                "%s is back, but the image of %s it waited for is no longer staged",
                self._entry.title,
                armed.version,
            )
            return
        self._entry.async_create_task(
            self.hass, self._async_run_armed(staged, armed.context)
        )

    async def _async_run_armed(
        self, staged: StagedFirmware, context: Context | None
    ) -> None:
        try:
            await self._async_install_now(staged, context)
        except HomeAssistantError as err:
            # Recorded and told (history, events); nobody waits on this call.
            _LOGGER.warning(
                "The waiting install on %s did not succeed: %s",
                self._entry.title,
                await async_translate(self.hass, err),
            )
