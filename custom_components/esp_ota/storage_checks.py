"""Loading esp_ota's stores so that nothing unreadable is lost, and nothing is fatal.

Rules, for every ``.storage/esp_ota.*`` file:

- Never delete what cannot be read. Before esp_ota saves over a file it could
  not fully read, it keeps what it read as ``<file>.kept.<time>`` next to it
  (for corrupt JSON Home Assistant itself already keeps ``<file>.corrupt.<time>``).
- A file that cannot be read at all (corrupt JSON, a root of the wrong shape)
  loads as empty, and a repair names the file; esp_ota keeps running.
- A record that does not validate is skipped, the others load, and a repair
  says how many were skipped.
- A storage version this code does not know (written by a newer esp_ota) is
  migrated (HA's ``Store._async_migrate_func``) by reading what validates; a
  copy of the original is kept first and a repair says so.
"""

from __future__ import annotations

from collections.abc import Callable
import inspect
import json
import logging
import os
from pathlib import Path
import shutil
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

# What a clean function raises for a root (or record) it cannot use.
RECORD_ERRORS: Final = (KeyError, TypeError, ValueError, AttributeError)

type Cleaner = Callable[[Any], tuple[dict[str, Any], int]]
"""Return the valid part of a store's data and how many records were skipped."""


_ANY_VERSION: Final = 2**31 - 1


class CheckedStore(Store[dict[str, Any]]):
    """A Store that takes any stored version instead of failing set-up."""

    def __init__(self, hass: HomeAssistant, version: int, key: str) -> None:
        """Create the store; ``newer_version`` is set when a newer one was read."""
        # Home Assistant 2026 refuses a newer major version before migrating
        # unless told it can read it (max_readable_version); 2025.4 has no
        # such check. Either way the migration below decides.
        extra: dict[str, Any] = {}
        if "max_readable_version" in inspect.signature(Store.__init__).parameters:
            extra["max_readable_version"] = _ANY_VERSION
        super().__init__(hass, version, key, **extra)
        self.newer_version: int | None = None
        self.kept_copy: str | None = None

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Pass any other version on to validation; keep a copy of a newer one.

        Home Assistant saves the migrated data right after this returns, so the
        copy is made here, before anything is written over the original.
        """
        if old_major_version > self.version:
            self.newer_version = old_major_version
            self.kept_copy = await async_keep_copy(
                self.hass, self, old_major_version, old_data
            )
        return old_data if isinstance(old_data, dict) else {}


def store_file(key: str) -> str:
    """Return how a store's file is named to a person (relative to the config)."""
    return f".storage/{key}"


async def async_keep_copy(
    hass: HomeAssistant, store: Store[Any], version: int, data: Any
) -> str:
    """Write what was read next to the store's file; return the copy's name.

    A copy that cannot be written (a full disk, a read-only folder) is logged
    and named "-": it must not stop set-up either.
    """
    stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%S")
    target = f"{store.path}.kept.{stamp}"
    try:
        await hass.async_add_executor_job(
            _write_copy, store.path, target, version, data
        )
    except OSError as err:
        _LOGGER.warning(
            "Could not keep a copy of %s: %s", store_file(store.key), err.strerror
        )
        return "-"
    return store_file(Path(target).name)


def _write_copy(source: str, target: str, version: int, data: Any) -> None:
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        shutil.copy2(source, target)
        return
    text = json.dumps({"version": version, "key": Path(source).name, "data": data})
    Path(target).write_text(text, encoding="utf-8")


def _corrupt_copy(path: str) -> str | None:
    """Return the newest copy Home Assistant kept of a corrupt file, if any."""
    copies = sorted(Path(path).parent.glob(Path(path).name + ".corrupt.*"))
    return store_file(copies[-1].name) if copies else None


async def async_load_store(
    hass: HomeAssistant, store: CheckedStore, clean: Cleaner
) -> tuple[dict[str, Any] | None, bool]:
    """Load a store: (its valid data or None, whether all of it was read)."""
    existed = await hass.async_add_executor_job(os.path.exists, store.path)
    try:
        data = await store.async_load()
    except (*RECORD_ERRORS, HomeAssistantError, OSError) as err:
        # A file without "version"/"data" or one that cannot be opened.
        _LOGGER.debug("Could not load %s: %s", store.key, type(err).__name__)
        kept = (
            await async_keep_copy(hass, store, store.version, None) if existed else None
        )
        _report_unreadable(hass, store, kept)
        return None, False
    if data is None:
        if existed:
            _report_unreadable(
                hass,
                store,
                await hass.async_add_executor_job(_corrupt_copy, store.path),
            )
        return None, not existed
    try:
        cleaned, skipped = clean(data)
    except RECORD_ERRORS:
        cleaned, skipped = None, 0
    if store.newer_version is not None:
        _report(
            hass,
            store,
            "store_newer_version",
            version=store.newer_version,
            copy=store.kept_copy,
        )
        return cleaned, False
    if cleaned is None:
        kept = await async_keep_copy(hass, store, store.version, data)
        _report_unreadable(hass, store, kept)
        return None, False
    if skipped:
        kept = await async_keep_copy(hass, store, store.version, data)
        _report(hass, store, "store_records_skipped", count=skipped, copy=kept)
        return cleaned, False
    ir.async_delete_issue(hass, DOMAIN, issue_id(store.key))
    return cleaned, True


def issue_id(key: str) -> str:
    """Return the repair issue id for a store."""
    return f"store_{key}"


def _report_unreadable(
    hass: HomeAssistant, store: Store[Any], copy: str | None
) -> None:
    _report(hass, store, "store_unreadable", copy=copy or "-")


def _report(
    hass: HomeAssistant, store: Store[Any], translation_key: str, **placeholders: object
) -> None:
    _LOGGER.warning(
        "%s could not be read completely (%s); see the repair issue",
        store_file(store.key),
        translation_key,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(store.key),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders={
            "file": store_file(store.key),
            **{name: str(value) for name, value in placeholders.items()},
        },
    )


def clean_records(
    records: Any, build: Callable[[Any], object]
) -> tuple[dict[str, Any], int]:
    """Keep the records of a ``{key: record}`` mapping that ``build`` accepts."""
    if not isinstance(records, dict):
        raise TypeError("records must be a mapping")
    kept: dict[str, Any] = {}
    for key, record in records.items():
        try:
            build(record)
        except RECORD_ERRORS:
            continue
        kept[key] = record
    return kept, len(records) - len(kept)


def require_str(data: dict[str, Any], *names: str) -> None:
    """Raise TypeError unless every named field is a string."""
    for name in names:
        if not isinstance(data[name], str):
            raise TypeError(name)
