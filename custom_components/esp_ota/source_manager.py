"""Checking boards' firmware sources: polling, staging, the record of each check.

Rules:

- A board's source is polled every ``interval`` minutes (``async_track_time_interval``,
  cancelled when the entry unloads); at set-up a source whose last check is
  older than its interval (or that was never checked) is checked at once.
- A check GETs the manifest, picks the release for the board's chip and, when
  its version is newer (``versions.is_newer``) than the last one this source
  offered (before the first: the version the board runs), downloads the image
  (at most 16 MiB), verifies the manifest's digest and stages it through
  ``staging.async_stage_for_entry``, the one path every image takes, with its
  notes and release URL. Nothing is installed: that stays a person's decision.
- A failed check never raises out of polling and logs a warning only on the
  first failure in a row; the third in a row raises a repair issue for the
  source, the next success removes it. The last check (time, result, detail)
  is kept in ``.storage/esp_ota.sources`` for diagnostics and the sensors; a
  record that cannot be read is skipped and a file that cannot be read never
  stops set-up (``storage_checks``).
- Only one check per board runs at a time; credentials never reach a log.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
import logging
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .board import ledger_key
from .const import CONF_BOARD, DOMAIN
from .firmware import ChipFamily, ImageKind, family_for_board
from .ledger import DATA_LEDGER
from .listeners import Listeners
from .redact import redact_url, url_filename
from .source_failures import Failure, staging_failure
from .source_fetch import async_fetch_manifest, auth_headers
from .sources.config import OPTION_KEY, SourceConfig
from .sources.manifest import Release, SourceError, parse_manifest, verify_digest
from .sources.versions import is_newer
from .staging import StagingError, async_download, async_stage_for_entry
from .storage_checks import CheckedStore, async_load_store, clean_records

_LOGGER = logging.getLogger(__name__)

DATA_SOURCES: HassKey[SourceManager] = HassKey(f"{DOMAIN}_sources")
STORAGE_KEY: Final = "esp_ota.sources"
STORAGE_VERSION: Final = 1
# One failure is a blip (a server restarting); three in a row need a person.
FAILURES_FOR_REPAIR: Final = 3

RESULT_STAGED: Final = "staged"
RESULT_UP_TO_DATE: Final = "up_to_date"
RESULTS: Final = (
    RESULT_STAGED,
    RESULT_UP_TO_DATE,
    "unreachable",
    "http_error",
    "unauthorized",
    "bad_manifest",
    "no_build",
    "merged_only",
    "digest_mismatch",
    "download_failed",
    "download_too_large",
    "image_refused",
)


@dataclass(kw_only=True)
class SourceState:
    """What the last check of a board's source found."""

    last_check: str | None = None
    result: str | None = None
    detail: str | None = None
    failures: int = 0
    offered: str | None = None
    """The version the source offered at its last successful check."""

    @property
    def checked_at(self) -> datetime | None:
        """The time of the last check."""
        return dt_util.parse_datetime(self.last_check) if self.last_check else None


def _state_from(item: Any) -> SourceState:
    """Build a check's record from its stored form; raise if a field is not valid."""
    state = SourceState(
        last_check=item.get("last_check"),
        result=item.get("result"),
        detail=item.get("detail"),
        failures=item.get("failures", 0),
        offered=item.get("offered"),
    )
    for name in ("last_check", "result", "detail", "offered"):
        if not isinstance(getattr(state, name), str | None):
            raise TypeError(name)
    if isinstance(state.failures, bool) or not isinstance(state.failures, int):
        raise TypeError("failures")
    return state


def _clean(data: Any) -> tuple[dict[str, Any], int]:
    """Keep the boards' records that can be read; count the others."""
    return clean_records(data, _state_from)


def source_issue_id(entry_id: str) -> str:
    """Return the id of the repair issue of a board's failing source."""
    return f"source_failing_{entry_id}"


def source_config(entry: ConfigEntry) -> SourceConfig | None:
    """Return the firmware source of a board, None when it has none."""
    return SourceConfig.from_options(entry.options)


class SourceManager:
    """The firmware sources of every board of this Home Assistant."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the manager; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._states: dict[str, SourceState] = {}
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._listeners: defaultdict[str, Listeners] = defaultdict(Listeners)

    async def async_load(self) -> None:
        """Load the record of the last checks."""
        data, _complete = await async_load_store(self._hass, self._store, _clean)
        self._states = {key: _state_from(value) for key, value in (data or {}).items()}

    def state(self, entry_id: str) -> SourceState | None:
        """Return the last check of a board's source, None before the first."""
        return self._states.get(entry_id)

    @callback
    def async_add_listener(
        self, entry_id: str, update: Callable[[], None]
    ) -> CALLBACK_TYPE:
        """Call ``update`` after every check of, or change to, a board's source."""
        return self._listeners[entry_id].async_add(update)

    @callback
    def async_start(self, entry: ConfigEntry) -> CALLBACK_TYPE:
        """Poll the board's source while the entry is loaded; return the stopper."""
        self._schedule(entry)
        config = source_config(entry)
        state = self._states.get(entry.entry_id)
        if config is not None and _due(config, state):
            entry.async_create_background_task(
                self._hass,
                self.async_check(entry),
                f"{DOMAIN} firmware source check {entry.title}",
            )

        @callback
        def stop() -> None:
            if cancel := self._timers.pop(entry.entry_id, None):
                cancel()

        return stop

    @callback
    def _schedule(self, entry: ConfigEntry) -> None:
        if cancel := self._timers.pop(entry.entry_id, None):
            cancel()
        if (config := source_config(entry)) is None:
            return

        @callback
        def tick(_now: datetime) -> None:
            entry.async_create_background_task(
                self._hass,
                self.async_check(entry),
                f"{DOMAIN} firmware source check {entry.title}",
            )

        self._timers[entry.entry_id] = async_track_time_interval(
            self._hass, tick, timedelta(minutes=config.interval)
        )

    async def async_validate(self, entry: ConfigEntry, config: SourceConfig) -> Release:
        """GET the manifest once and return its release for the board (or raise)."""
        document = await async_fetch_manifest(self._hass, config)
        return parse_manifest(document, config.url, _chip(entry))

    async def async_set(
        self,
        entry: ConfigEntry,
        config: SourceConfig | None,
        release: Release | None = None,
    ) -> SourceState | None:
        """Save (None: remove) a board's source; check ``release`` if given."""
        # Not while a check runs: it would record a result for the old source.
        async with self._locks.setdefault(entry.entry_id, asyncio.Lock()):
            old = source_config(entry)
            options = {k: v for k, v in entry.options.items() if k != OPTION_KEY}
            if config is not None:
                options[OPTION_KEY] = config.as_options()
            self._hass.config_entries.async_update_entry(entry, options=options)
            if config is None or old is None or old.url != config.url:
                await self._async_forget_state(entry.entry_id)
            self._schedule(entry)
        self._notify(entry.entry_id)
        if config is None or release is None:
            return None
        return await self.async_check(entry, release)

    async def async_check(
        self, entry: ConfigEntry, release: Release | None = None
    ) -> SourceState | None:
        """Check a board's source now; return the record (None: no source)."""
        lock = self._locks.setdefault(entry.entry_id, asyncio.Lock())
        async with lock:
            if (config := source_config(entry)) is None:
                return None
            state = self._states.setdefault(entry.entry_id, SourceState())
            try:
                if release is None:
                    release = await self.async_validate(entry, config)
                result = await self._async_take(entry, config, release, state)
            except SourceError as err:
                failure = Failure(err.key, str(err), err.cause, err.facts)
                self._failed(entry, config, state, failure)
            except StagingError as err:
                version = release.version if release else "-"
                self._failed(entry, config, state, staging_failure(err, version))
            else:
                self._succeeded(entry, config, state, result, release)
            await self._async_save()
            self._notify(entry.entry_id)
            return state

    async def _async_take(
        self,
        entry: ConfigEntry,
        config: SourceConfig,
        release: Release,
        state: SourceState,
    ) -> str:
        """Stage the release if it is new; return the result."""
        reference = state.offered or self._installed_version(entry)
        if not is_newer(release.version, reference):
            return RESULT_UP_TO_DATE
        data = await async_download(
            self._hass,
            release.url,
            headers=auth_headers(config, release.url),
            # The image's URL may be signed (a token in its query) or carry
            # the manifest's user info: shown without them, like any URL.
            shown_url=config.redact(redact_url(release.url)),
        )
        await self._hass.async_add_executor_job(verify_digest, data, release)
        await async_stage_for_entry(
            self._hass,
            entry,
            data,
            version=release.version,
            release_notes=release.release_notes,
            origin=f"source:{config.safe_url}",
            filename=url_filename(release.url),
            release_url=release.release_url,
        )
        _LOGGER.info(
            "Staged firmware %s for %s from its source", release.version, entry.title
        )
        return RESULT_STAGED

    def _installed_version(self, entry: ConfigEntry) -> str | None:
        version: str | None = getattr(entry.runtime_data, "version", None)
        if version is None:
            installed = self._hass.data[DATA_LEDGER].installed(
                ledger_key(entry, ImageKind.APP)
            )
            version = installed.version if installed else None
        return version

    def _succeeded(
        self,
        entry: ConfigEntry,
        config: SourceConfig,
        state: SourceState,
        result: str,
        release: Release,
    ) -> None:
        if state.failures:
            _LOGGER.info("The firmware source of %s works again", entry.title)
        state.last_check = dt_util.utcnow().isoformat()
        state.result, state.detail, state.failures = result, None, 0
        state.offered = release.version
        ir.async_delete_issue(self._hass, DOMAIN, source_issue_id(entry.entry_id))
        _LOGGER.debug(
            "Firmware source %s of %s: %s (%s)",
            config.safe_url,
            entry.title,
            result,
            release.version,
        )

    def _failed(
        self,
        entry: ConfigEntry,
        config: SourceConfig,
        state: SourceState,
        failure: Failure,
    ) -> None:
        key, detail = failure.result, config.redact(failure.detail)
        state.last_check = dt_util.utcnow().isoformat()
        state.result, state.detail = key, detail
        state.failures += 1
        log = _LOGGER.warning if state.failures == 1 else _LOGGER.debug
        log(
            "Checking the firmware source %s of %s failed (%s): %s",
            config.safe_url,
            entry.title,
            key,
            detail,
        )
        if state.failures >= FAILURES_FOR_REPAIR:
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                source_issue_id(entry.entry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=f"source_failing_{failure.cause}",
                translation_placeholders={
                    **{name: config.redact(v) for name, v in failure.facts.items()},
                    "board": entry.title,
                    "url": config.safe_url,
                    "failures": str(state.failures),
                },
            )

    async def async_forget(self, entry_id: str) -> None:
        """Forget a board's record and repair issue (its entry was removed)."""
        await self._async_forget_state(entry_id)
        self._locks.pop(entry_id, None)

    async def _async_forget_state(self, entry_id: str) -> None:
        ir.async_delete_issue(self._hass, DOMAIN, source_issue_id(entry_id))
        if self._states.pop(entry_id, None) is not None:
            await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {key: asdict(state) for key, state in self._states.items()}
        )

    def _notify(self, entry_id: str) -> None:
        self._listeners[entry_id].async_notify()


def _chip(entry: ConfigEntry) -> ChipFamily | None:
    return family_for_board(entry.data.get(CONF_BOARD))


def _due(config: SourceConfig, state: SourceState | None) -> bool:
    """Tell whether a source's last check is older than its interval."""
    if state is None or (checked := state.checked_at) is None:
        return True
    return dt_util.utcnow() - checked >= timedelta(minutes=config.interval)
