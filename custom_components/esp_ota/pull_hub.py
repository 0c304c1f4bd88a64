"""Pull boards in Home Assistant: check-ins recorded, updates decided and detected.

A pull board (``CONF_TRANSPORT: pull``) has no address: it calls the pull view
(``pull_server.py``) now and then. ``PullHub`` (one per installation) maps STA
MACs to entries, keeps each board's last check-in (``.storage/esp_ota.pull``),
decides what a check-in gets, and tracks the download's progress.

Rules:

- **Pending update**: the image a person confirmed for the board (ledger; pressing
  Install on the update card is that confirmation) that esp_ota has not seen
  installed yet. It stays pending until the board checks in running it; a
  sleeping board may take days, so no repair issue is raised for waiting (the
  Online sensor shows a board that is overdue).
- **Served** (200) only if ``install.check_rules`` passes for the pending image
  with the reported free space and the core's chip family, the image kind
  matches the requested mode, and ``pull_protocol.update_due`` says the board
  runs something else; otherwise 304.
- **Installed**: the next sketch check-in whose MD5 (or version) is the pending
  image's is recorded in the ledger as the install. A filesystem image cannot
  be recognised in a check-in: once it was sent completely its confirmation is
  used up, so it is not sent again.
- **Availability**: available while the last check-in is at most
  ``AVAILABILITY_FACTOR`` times the board's usual interval old (the gap
  between its last two check-ins, clamped to ``MIN_INTERVAL``..``MAX_INTERVAL``;
  ``FIRST_INTERVAL`` after the first check-in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
import logging
import time
from typing import Any, Final

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .board import EspOtaConfigEntry
from .const import CONF_MAC, DOMAIN
from .firmware import ChipFamily, ImageKind
from .install import check_rules
from .ledger import DATA_LEDGER
from .pull_protocol import CheckIn, Core, Mode, RateLimiter, runs_image, update_due
from .staging import board_key, get_store, ledger_key
from .storage_checks import CheckedStore, async_load_store, clean_records
from .store import StagedFirmware

_LOGGER = logging.getLogger(__name__)

DATA_PULL: HassKey[PullHub] = HassKey(f"{DOMAIN}_pull")
STORAGE_KEY: Final = "esp_ota.pull"
STORAGE_VERSION: Final = 1
# Check-ins are saved in batches: a fleet checking in must not write per request.
SAVE_DELAY: Final = 10.0
# Progress reaches the entities at most this often per board (the end of a
# download always does): a board on Wi-Fi takes seconds per image, so the card
# still moves, while a fleet downloading at once does not write state per piece.
PROGRESS_INTERVAL: Final = 1.0
# A board checks in, downloads, reboots and checks in again within seconds:
# five requests at once, then one every ten seconds per MAC.
RATE_BURST: Final = 5
RATE_PERIOD: Final = 10.0
# Hostile clients could invent MACs; at most this many "new board" flows wait.
MAX_DISCOVERY_FLOWS: Final = 16
MAX_OFFERED: Final = 1024
AVAILABILITY_FACTOR: Final = 3
MIN_INTERVAL: Final = timedelta(minutes=1)
MAX_INTERVAL: Final = timedelta(days=1)
FIRST_INTERVAL: Final = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class CheckInRecord:
    """A board's last check-in, when it came and the gap before it."""

    check_in: CheckIn
    at: datetime
    interval: timedelta | None

    @property
    def deadline(self) -> datetime:
        """When the board counts as overdue without another check-in."""
        usual = self.interval or FIRST_INTERVAL
        usual = min(max(usual, MIN_INTERVAL), MAX_INTERVAL)
        return self.at + usual * AVAILABILITY_FACTOR

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "check_in": asdict(self.check_in),
            "at": self.at.isoformat(),
            "interval": self.interval.total_seconds() if self.interval else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckInRecord:
        """Build from the JSON form kept in storage."""
        raw = dict(data["check_in"])
        raw["core"] = Core(raw["core"])
        raw["mode"] = Mode(raw["mode"])
        at = dt_util.parse_datetime(data["at"]) or dt_util.utcnow()
        seconds = data.get("interval")
        return cls(
            check_in=CheckIn(**raw),
            at=at,
            interval=timedelta(seconds=seconds) if seconds else None,
        )


class PullHub:
    """Every pull board of this Home Assistant."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the hub; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._records: dict[str, CheckInRecord] = {}
        self._entries: dict[str, EspOtaConfigEntry] = {}
        self._progress: dict[str, tuple[int, int]] = {}
        # Monotonic time of the last notification per board (progress throttle).
        self._notified: dict[str, float] = {}
        self._save_pending = False
        self._listeners: dict[str, list[Callable[[], None]]] = {}
        self._overdue_timers: dict[str, CALLBACK_TYPE] = {}
        self._offered: set[str] = set()
        self.limiter = RateLimiter(burst=RATE_BURST, period=RATE_PERIOD)

    async def async_load(self) -> None:
        """Load the check-ins recorded before the last restart.

        Records that cannot be read are skipped and reported (storage_checks).
        """
        data, _complete = await async_load_store(
            self._hass,
            self._store,
            lambda raw: clean_records(raw, CheckInRecord.from_dict),
        )
        for key, item in (data or {}).items():
            self._records[key] = CheckInRecord.from_dict(item)

    @callback
    def async_register(self, entry: EspOtaConfigEntry) -> CALLBACK_TYPE:
        """Serve a pull board's entry; return the function that stops it."""
        mac: str = entry.data[CONF_MAC]
        self._entries[mac] = entry
        key = board_key(entry)
        record = self._records.get(key)
        entry.runtime_data.available = (
            record is not None and record.deadline > dt_util.utcnow()
        )
        if record is not None:
            entry.runtime_data.last_seen = record.at
            self._schedule_overdue(entry, record)

        @callback
        def unregister() -> None:
            if self._entries.get(mac) is entry:
                del self._entries[mac]
            if cancel := self._overdue_timers.pop(key, None):
                cancel()
            self._progress.pop(key, None)
            self._notified.pop(key, None)

        return unregister

    @callback
    def async_forget(self, entry: EspOtaConfigEntry) -> None:
        """Drop the records of a deleted board."""
        if self._records.pop(board_key(entry), None) is not None:
            self._async_schedule_save()

    def entry_for(self, mac: str) -> EspOtaConfigEntry | None:
        """Return the loaded entry of a MAC, if any."""
        return self._entries.get(mac)

    def record(self, entry: EspOtaConfigEntry) -> CheckInRecord | None:
        """Return the board's last check-in."""
        return self._records.get(board_key(entry))

    def progress(self, entry: EspOtaConfigEntry) -> tuple[int, int] | None:
        """Return (sent, total) of the board's running or finished download."""
        return self._progress.get(board_key(entry))

    @callback
    def async_add_listener(
        self, entry: EspOtaConfigEntry, update: Callable[[], None]
    ) -> CALLBACK_TYPE:
        """Call update on every check-in and progress step of the board."""
        listeners = self._listeners.setdefault(board_key(entry), [])
        listeners.append(update)

        @callback
        def remove() -> None:
            listeners.remove(update)

        return remove

    def pending(
        self, entry: EspOtaConfigEntry, kind: ImageKind = ImageKind.APP
    ) -> StagedFirmware | None:
        """Return the confirmed image of a kind not yet seen installed, if any."""
        key = ledger_key(entry, kind)
        ledger = self._hass.data[DATA_LEDGER]
        confirmation = ledger.confirmation(key)
        if confirmation is None:
            return None
        staged = next(
            (
                i
                for i in get_store(self._hass).images(board_key(entry), kind)
                if i.sha256 == confirmation.sha256
            ),
            None,
        )
        installed = ledger.installed(key)
        if staged is None or (installed and installed.sha256 == staged.sha256):
            return None
        return staged

    def image_to_serve(
        self, entry: EspOtaConfigEntry, check_in: CheckIn
    ) -> StagedFirmware | None:
        """Return the image this check-in gets (200), None for a 304."""
        wanted = ImageKind.APP if check_in.mode is Mode.SKETCH else ImageKind.FILESYSTEM
        staged = self.pending(entry, wanted)
        if staged is None:
            return None
        if wanted is ImageKind.APP and not update_due(
            check_in, md5=staged.md5, version=staged.version
        ):
            return None
        if check_in.core is Core.ESP32 and staged.chip is ChipFamily.ESP8266:
            return None
        try:
            check_rules(
                self._hass,
                entry,
                staged,
                # The reported free space is the sketch's; a filesystem
                # partition's size is not sent (the board checks it itself).
                free_space=check_in.free_space if wanted is ImageKind.APP else None,
                board_family=ChipFamily.ESP8266
                if check_in.core is Core.ESP8266
                else None,
            )
        except HomeAssistantError as err:
            _LOGGER.debug("Not serving %s: %s", entry.title, err.translation_key)
            return None
        return staged

    async def async_check_in(self, entry: EspOtaConfigEntry, check_in: CheckIn) -> None:
        """Record a check-in; detect a finished install; refresh availability."""
        key = board_key(entry)
        now = dt_util.utcnow()
        previous = self._records.get(key)
        record = CheckInRecord(
            check_in=check_in,
            at=now,
            interval=now - previous.at if previous else None,
        )
        self._records[key] = record
        self._async_schedule_save()
        staged = self.pending(entry)
        if (
            staged is not None
            and staged.kind is ImageKind.APP
            and check_in.mode is Mode.SKETCH
            and runs_image(check_in, md5=staged.md5, version=staged.version)
        ):
            _LOGGER.info("%s runs version %s now", entry.title, staged.version)
            self._progress.pop(key, None)
            await self._hass.data[DATA_LEDGER].async_record_install(
                key, sha256=staged.sha256, md5=staged.md5, version=staged.version
            )
        entry.runtime_data.async_set_available(True)
        entry.runtime_data.last_seen = now
        self._schedule_overdue(entry, record)
        self._notify(key)

    @callback
    def async_progress(self, entry: EspOtaConfigEntry, sent: int, total: int) -> None:
        """Take in download progress; tell listeners at most every PROGRESS_INTERVAL.

        The end of a download is always told; a step in between only when the
        board's listeners heard nothing for PROGRESS_INTERVAL (a check-in
        counts), so the card follows a slow board and a fast one costs little.
        """
        key = board_key(entry)
        self._progress[key] = (sent, total)
        last = self._notified.get(key)
        if (
            sent >= total
            or last is None
            or time.monotonic() - last >= PROGRESS_INTERVAL
        ):
            self._notify(key)

    @callback
    def async_progress_reset(self, entry: EspOtaConfigEntry) -> None:
        """Forget a download that broke off."""
        if self._progress.pop(board_key(entry), None) is not None:
            self._notify(board_key(entry))

    async def async_served(
        self, entry: EspOtaConfigEntry, staged: StagedFirmware
    ) -> None:
        """Take in a complete download; a filesystem image is used up by it."""
        if staged.kind is ImageKind.FILESYSTEM:
            key = board_key(entry)
            self._progress.pop(key, None)
            await self._hass.data[DATA_LEDGER].async_drop_stale_confirmation(
                ledger_key(entry, ImageKind.FILESYSTEM), None
            )
            self._notify(key)

    @callback
    def async_offer(self, check_in: CheckIn) -> None:
        """Start a "new board checked in" flow for an unknown MAC (bounded)."""
        mac = check_in.sta_mac
        if mac in self._offered:
            return
        flows = self._hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if len(flows) >= MAX_DISCOVERY_FLOWS or len(self._offered) >= MAX_OFFERED:
            return
        self._offered.add(mac)
        _LOGGER.debug("Unknown board %s checked in", mac)
        discovery_flow.async_create_flow(
            self._hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                CONF_MAC: mac,
                "core": check_in.core.value,
                "version": check_in.version or "",
            },
        )

    def _schedule_overdue(
        self, entry: EspOtaConfigEntry, record: CheckInRecord
    ) -> None:
        key = board_key(entry)
        if cancel := self._overdue_timers.pop(key, None):
            cancel()

        @callback
        def overdue(_now: datetime) -> None:
            self._overdue_timers.pop(key, None)
            entry.runtime_data.async_set_available(False)
            self._notify(key)

        self._overdue_timers[key] = async_track_point_in_utc_time(
            self._hass, overdue, record.deadline
        )

    def _notify(self, key: str) -> None:
        self._notified[key] = time.monotonic()
        for update in list(self._listeners.get(key, [])):
            update()

    @callback
    def _async_schedule_save(self) -> None:
        """Save within SAVE_DELAY; later check-ins join the save already due.

        ``Store.async_delay_save`` restarts its delay on every call: a fleet
        checking in more often than SAVE_DELAY would never be saved, and each
        call replaces a timer.
        """
        if self._save_pending:
            return
        self._save_pending = True

        def data() -> dict[str, dict[str, Any]]:
            self._save_pending = False
            return {key: r.as_dict() for key, r in self._records.items()}

        self._store.async_delay_save(data, SAVE_DELAY)
