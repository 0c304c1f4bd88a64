"""The watched folder: drop a ``.bin`` into a board's inbox and it gets staged.

Each board has ``<config>/esp_ota/inbox/<hostname>/``. A file is taken once it
has stopped changing between two scans (so a copy still in progress is never
read), staged like any other image, and removed from the inbox. Release notes
come from a sidecar with the same name and ``.md`` or ``.txt``. A file whose
name ends in ``.fs.bin`` (or starts with ``littlefs``/``spiffs``) is a
filesystem image. A refused file is renamed to ``<name>.rejected`` and the
person is told why in a notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import logging
from pathlib import Path
from typing import Final

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval

from .const import CONF_HOSTNAME, DOMAIN
from .firmware import ImageKind, read_sidecar_notes
from .firmware.release import sidecar_candidates
from .staging import async_stage_for_entry
from .store import safe_name
from .translate import NoticeText, async_translate

_LOGGER = logging.getLogger(__name__)

# Often enough to feel immediate, rare enough to cost nothing.
SCAN_INTERVAL: Final = timedelta(seconds=10)


@dataclass(frozen=True)
class _Seen:
    size: int
    mtime_ns: int


def inbox_path(hass: HomeAssistant, entry: ConfigEntry) -> Path:
    """Return the board's inbox folder."""
    hostname: str = entry.data[CONF_HOSTNAME]
    return Path(hass.config.path("esp_ota", "inbox", safe_name(hostname)))


def is_filesystem_name(name: str) -> bool:
    """Tell whether a file name marks a filesystem image."""
    lower = name.lower()
    return lower.endswith(".fs.bin") or lower.startswith(("littlefs", "spiffs"))


class FirmwareInbox:
    """Watch one board's inbox folder."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Prepare the watcher; async_start begins scanning."""
        self._hass = hass
        self._entry = entry
        self.path = inbox_path(hass, entry)
        self._seen: dict[str, _Seen] = {}
        self._scanning = False

    async def async_start(self) -> CALLBACK_TYPE:
        """Create the folder, scan now and then every SCAN_INTERVAL."""
        await self._hass.async_add_executor_job(self._create)
        await self.async_scan()
        return async_track_time_interval(
            self._hass,
            self._async_scheduled_scan,
            SCAN_INTERVAL,
            name=f"esp_ota inbox {self._entry.title}",
            cancel_on_shutdown=True,
        )

    def _create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    @callback
    def _async_scheduled_scan(self, _now: object) -> None:
        self._entry.async_create_background_task(
            self._hass, self.async_scan(), f"esp_ota inbox scan {self._entry.title}"
        )

    async def async_scan(self) -> None:
        """Stage every image that stopped changing since the last scan."""
        if self._scanning:
            return
        self._scanning = True
        try:
            for path in await self._hass.async_add_executor_job(self._stable_files):
                await self._async_take(path)
        finally:
            self._scanning = False

    def _stable_files(self) -> list[Path]:
        current: dict[str, _Seen] = {}
        ready = []
        for path in sorted(self.path.glob("*.bin")):
            if not path.is_file():
                continue
            stat = path.stat()
            seen = _Seen(stat.st_size, stat.st_mtime_ns)
            current[path.name] = seen
            if self._seen.get(path.name) == seen:
                ready.append(path)
        self._seen = {
            k: v for k, v in current.items() if k not in {p.name for p in ready}
        }
        return ready

    async def _async_take(self, path: Path) -> None:
        notes = await self._hass.async_add_executor_job(read_sidecar_notes, path)
        kind = ImageKind.FILESYSTEM if is_filesystem_name(path.name) else ImageKind.APP
        version = path.name.removesuffix(".bin").removesuffix(".fs")
        try:
            staged = await async_stage_for_entry(
                self._hass,
                self._entry,
                path,
                kind=kind,
                version=version,
                release_notes=notes,
                origin=f"folder:{path.name}",
                filename=path.name,
            )
        except HomeAssistantError as err:
            await self._hass.async_add_executor_job(_reject, path)
            _LOGGER.warning(
                "Firmware %s for %s was refused: %s", path.name, self._entry.title, err
            )
            await self._async_tell_refused(path, err)
            return
        await self._hass.async_add_executor_job(_consume, path)
        _LOGGER.info(
            "Staged %s from the firmware folder for %s as version %s",
            path.name,
            self._entry.title,
            staged.version,
        )

    async def _async_tell_refused(self, path: Path, err: HomeAssistantError) -> None:
        """Tell the person why, in Home Assistant's language (translate.py)."""
        reason = await async_translate(self._hass, err)
        notice = NoticeText(
            "inbox_refused", file=path.name, board=self._entry.title, reason=reason
        )
        persistent_notification.async_create(
            self._hass,
            await async_translate(self._hass, notice),
            title=await async_translate(self._hass, NoticeText("inbox_refused_title")),
            notification_id=f"{DOMAIN}_inbox_{self._entry.entry_id}_{path.name}",
        )


def _consume(path: Path) -> None:
    path.unlink(missing_ok=True)
    for sidecar in sidecar_candidates(path):
        sidecar.unlink(missing_ok=True)


def _reject(path: Path) -> None:
    path.replace(path.with_name(path.name + ".rejected"))
