"""Pull boards in Home Assistant: check-ins recorded, updates decided and detected.

A pull board (``CONF_TRANSPORT: pull``) has no address: it calls the pull view
(``pull/server.py``) now and then. ``CheckInRegistry`` (one per installation) maps
MACs to entries, keeps each board's last check-in (``.storage/esp_ota.pull``,
``pull/record.py``), decides what a check-in gets, and tracks the download.

Rules:

- **Pending update**: the image a person confirmed for the board (ledger;
  pressing Install on the update card is that confirmation) that esp_ota has
  not seen installed yet. It stays pending until the board checks in running
  it; a sleeping board may take days, so waiting raises no repair issue.
- **Served** (200) only if ``install_rules.check_rules`` passes for the pending image
  with the reported free space and the core's chip family, the image kind
  matches the requested mode, and ``protocol.update_due`` says the board runs
  something else; otherwise 304.
- **No room**: a pending sketch larger than the board's reported free space is
  not offered again until the image or the free space changes; the card stops
  showing "in progress" and a repair issue says why.
- **Installed**: the next sketch (or version query) check-in whose MD5 (or
  version) is the pending image's is recorded in the ledger as the install.
  A filesystem image cannot be recognised in a check-in: its confirmation is
  used up once the board acknowledged every byte of it (``pull/server.py``).
- **Last install**: the install check-in above, a delivered filesystem image
  and a refused pending image are the board's last install
  (``pull/deliveries.py``).
- **Running image**: the board runs the staged or installed image whose MD5
  it reports; its own version string counts only when no known image matches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
import logging
import time
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from custom_components.esp_ota.board import EspOtaConfigEntry, board_key, ledger_key
from custom_components.esp_ota.compat import find_device
from custom_components.esp_ota.const import CONF_MAC, DOMAIN
from custom_components.esp_ota.firmware import ChipFamily, ImageKind, TooLargeError
from custom_components.esp_ota.install_rules import check_rules
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.listeners import Listeners
from custom_components.esp_ota.storage_checks import (
    CheckedStore,
    async_load_store,
    clean_records,
)
from custom_components.esp_ota.store import StagedFirmware, get_store

from .deliveries import Deliveries
from .digests import DigestCache
from .discovery import async_offer
from .protocol import CheckIn, Core, Mode, RateLimiter, runs_image, update_due
from .record import CheckInRecord
from .repairs import NoRoom

_LOGGER = logging.getLogger(__name__)

DATA_CHECK_INS: HassKey[CheckInRegistry] = HassKey(f"{DOMAIN}_pull")
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
# Every piece of a download must leave within this; a board flashing reads
# steadily (its own HTTP timeout is 8 s), one that stops reading is dropped.
SEND_TIMEOUT: Final = 30.0


class CheckInRegistry:
    """The check-ins of every pull board of this Home Assistant, and what they get."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the registry; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._records: dict[str, CheckInRecord] = {}
        self._entries: dict[str, EspOtaConfigEntry] = {}
        self._progress: dict[str, tuple[int, int]] = {}
        # Monotonic time of the last notification per board (progress throttle).
        self._notified: dict[str, float] = {}
        self._save_pending = False
        self._listeners: defaultdict[str, Listeners] = defaultdict(Listeners)
        self._overdue_timers: dict[str, CALLBACK_TYPE] = {}
        self._no_room = NoRoom(hass)
        self._deliveries = Deliveries(hass)
        self._digests = DigestCache(hass)
        self.limiter = RateLimiter(burst=RATE_BURST, period=RATE_PERIOD)
        self.send_timeout = SEND_TIMEOUT

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
        entry.runtime_data.async_restore_check_in(
            available=record is not None and record.deadline > dt_util.utcnow(),
            last_seen=record.at if record else None,
        )
        if record is not None:
            self._schedule_overdue(entry, record)

        @callback
        def unregister() -> None:
            if self._entries.get(mac) is entry:
                del self._entries[mac]
            if cancel := self._overdue_timers.pop(key, None):
                cancel()
            self._progress.pop(key, None)
            self._notified.pop(key, None)
            self._deliveries.forget(key)

        return unregister

    @callback
    def async_forget(self, entry: EspOtaConfigEntry) -> None:
        """Drop the records and the repair issue of a deleted board."""
        self._no_room.async_clear(entry)
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
        return self._listeners[board_key(entry)].async_add(update)

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
        wanted = ImageKind.FILESYSTEM if check_in.mode is Mode.SPIFFS else ImageKind.APP
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
            if isinstance(err.__cause__, TooLargeError) and self._no_room.async_block(
                entry, staged, check_in.free_space
            ):
                self._notify(board_key(entry))
            self._deliveries.refused(entry, staged, err)
            return None
        if check_in.mode is not Mode.VERSION:
            # A version query only asks; the install starts with a download.
            self._deliveries.began(entry, staged)
        return staged

    def no_room(self, entry: EspOtaConfigEntry) -> StagedFirmware | None:
        """Return the pending sketch that does not fit the board's free space."""
        return self._no_room.image(entry, self.pending(entry))

    @callback
    def async_pending_changed(self, entry: EspOtaConfigEntry) -> None:
        """Lift a "does not fit" repair whose image is no longer the pending one.

        Called by the card when a person confirms another image or the staged
        images change: a sleeping board may not check in for days.
        """
        self._no_room.async_pending_changed(entry, self.pending(entry))

    def running_version(self, entry: EspOtaConfigEntry) -> str | None:
        """Return the running version: a known image's by MD5, else the reported one."""
        record = self.record(entry)
        if record is None:
            return None
        if md5 := record.check_in.sketch_md5:
            for image in get_store(self._hass).images(board_key(entry), ImageKind.APP):
                if image.md5 == md5:
                    return image.version
            ledger = self._hass.data[DATA_LEDGER]
            installed = ledger.installed(ledger_key(entry, ImageKind.APP))
            if installed is not None and installed.md5 == md5:
                return installed.version
        return record.check_in.version

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
        if check_in.mode is not Mode.SPIFFS:
            self._no_room.async_check_in(entry, staged, check_in.free_space)
        if (
            staged is not None
            and check_in.mode is not Mode.SPIFFS
            and runs_image(check_in, md5=staged.md5, version=staged.version)
        ):
            _LOGGER.info("%s runs version %s now", entry.title, staged.version)
            self._progress.pop(key, None)
            await self._hass.data[DATA_LEDGER].async_record_install(
                key,
                sha256=staged.sha256,
                md5=staged.md5,
                version=staged.version,
                project=staged.project,
            )
            await self._deliveries.async_delivered(entry, staged)
        entry.runtime_data.async_handle_check_in(now)
        self._async_update_device(entry, check_in)
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
        """Take in a delivered download; a filesystem image is used up by it."""
        if staged.kind is ImageKind.FILESYSTEM:
            key = board_key(entry)
            self._progress.pop(key, None)
            await self._hass.data[DATA_LEDGER].async_drop_stale_confirmation(
                ledger_key(entry, ImageKind.FILESYSTEM), None
            )
            await self._deliveries.async_delivered(entry, staged)
            self._notify(key)

    async def async_sha512(self, staged: StagedFirmware) -> str:
        """Return the image's SHA-512 (``pull/digests.py``)."""
        return await self._digests.async_sha512(staged)

    @callback
    def async_offer(self, check_in: CheckIn) -> None:
        """Offer an unknown MAC as a new board (``pull/discovery.py``)."""
        async_offer(self._hass, check_in)

    @callback
    def _async_update_device(self, entry: EspOtaConfigEntry, check_in: CheckIn) -> None:
        """Keep the device's model (chip) and firmware version in step."""
        registry = dr.async_get(self._hass)
        device = find_device(
            registry, (DOMAIN, entry.runtime_data.hostname), entry.entry_id
        )
        if device is None:
            return
        model = device_model(check_in)
        running = self.running_version(entry)
        if (device.model, device.sw_version) != (model, running):
            registry.async_update_device(device.id, model=model, sw_version=running)

    def _schedule_overdue(
        self, entry: EspOtaConfigEntry, record: CheckInRecord
    ) -> None:
        key = board_key(entry)
        if cancel := self._overdue_timers.pop(key, None):
            cancel()

        @callback
        def overdue(_now: datetime) -> None:
            self._overdue_timers.pop(key, None)
            entry.runtime_data.async_handle_overdue()
            self._notify(key)

        self._overdue_timers[key] = async_track_point_in_utc_time(
            self._hass, overdue, record.deadline
        )

    def _notify(self, key: str) -> None:
        self._notified[key] = time.monotonic()
        self._listeners[key].async_notify()

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


def device_model(check_in: CheckIn) -> str:
    """Return the device's model: the core that checked in (ESP32 or ESP8266)."""
    return "ESP8266" if check_in.core is Core.ESP8266 else "ESP32"
