"""The watched folder: drop a ``.bin`` into a board's inbox and it gets staged.

Each board has ``<config>/esp_ota/inbox/<hostname>/``; a group of boards
(``groups.py``) has ``<config>/esp_ota/inbox/<kind>=<value>/`` (for example
``label=garden`` or ``chip=esp8266``), made by the person: an image dropped
there is staged for every board of the group it fits, and the notification
names the boards it did not fit, with the reason. A file is taken once it
has stopped changing between two scans (so a copy still in progress is never
read), staged like any other image, and removed from the inbox. Release notes
come from a sidecar with the same name and ``.md`` or ``.txt``. A file whose
name ends in ``.fs.bin`` (or starts with ``littlefs``/``spiffs``) is a
filesystem image (a sidecar that is a link is not read, and one that cannot be
read leaves the image without notes). A refused file is renamed to ``<name>.rejected`` (the name
shortened to fit the file system's 255 bytes) and the person is told why in a
notification.

The folder's files are not trusted: a symbolic link is never followed (it may
point anywhere, e.g. outside ``allowlist_external_dirs``) but refused like a bad
image; a version is taken from a file name only when it is a plain version
(at most 64 characters of letters, digits and ``._+~-``, as the action allows),
otherwise the image is named as if the file had no version in its name. A file
that cannot be read or renamed (permissions, a full disk) is reported and
skipped; it never stops the scan of the files after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import logging
from pathlib import Path
import re
import stat
from typing import Final

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval

from .const import CONF_HOSTNAME, DOMAIN
from .firmware import ImageKind, read_sidecar_notes
from .firmware.release import sidecar_candidates
from .groups import Group, async_stage_for_group, parse_group, reasons_text
from .staging import StorageError, async_stage_for_entry
from .store import safe_name
from .translate import NoticeText, async_translate

_LOGGER = logging.getLogger(__name__)

# Often enough to feel immediate, rare enough to cost nothing.
SCAN_INTERVAL: Final = timedelta(seconds=10)
REJECTED_SUFFIX: Final = ".rejected"
# NAME_MAX of Linux file systems (ext4, btrfs, FAT/exFAT long names), in bytes.
NAME_MAX: Final = 255
# What a version taken from a file name may look like (the action caps at 64).
_NAME_VERSION_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}")


@dataclass(frozen=True)
class _Seen:
    size: int
    mtime_ns: int


def watched_folder_path(hass: HomeAssistant, entry: ConfigEntry) -> Path:
    """Return the board's watched folder, ``<config>/esp_ota/inbox/<host name>``."""
    hostname: str = entry.data[CONF_HOSTNAME]
    return Path(hass.config.path("esp_ota", "inbox", safe_name(hostname)))


def is_filesystem_name(name: str) -> bool:
    """Tell whether a file name marks a filesystem image."""
    lower = name.lower()
    return lower.endswith(".fs.bin") or lower.startswith(("littlefs", "spiffs"))


class _Folder:
    """Watch one folder and stage every image dropped into it."""

    def __init__(self, hass: HomeAssistant, path: Path, title: str) -> None:
        """Prepare the watcher; async_start begins scanning."""
        self._hass = hass
        self.path = path
        self._title = title
        self._seen: dict[str, _Seen] = {}
        self._stuck: set[str] = set()
        self._scanning = False

    async def async_start(self) -> CALLBACK_TYPE:
        """Create the folder, scan now and then every SCAN_INTERVAL."""
        await self._hass.async_add_executor_job(self._create)
        await self.async_scan()
        return async_track_time_interval(
            self._hass,
            self._async_scheduled_scan,
            SCAN_INTERVAL,
            name=f"esp_ota watched folder {self._title}",
            cancel_on_shutdown=True,
        )

    def _create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    @callback
    def _async_scheduled_scan(self, _now: object) -> None:
        self._hass.async_create_background_task(
            self.async_scan(), f"esp_ota watched folder scan {self._title}"
        )

    async def async_scan(self) -> None:
        """Stage every image that stopped changing since the last scan."""
        if self._scanning:
            return
        self._scanning = True
        try:
            links, ready = await self._hass.async_add_executor_job(self._stable_files)
            for path in links:
                await self._async_refuse(path, NoticeText("inbox_link"))
            for path in ready:
                await self._async_take(path)
        finally:
            self._scanning = False

    def _stable_files(self) -> tuple[list[Path], list[Path]]:
        """Return the links (refused unread) and the files ready to take."""
        current: dict[str, _Seen] = {}
        links: list[Path] = []
        ready: list[Path] = []
        for path in sorted(self.path.glob("*.bin")):
            if path.name in self._stuck:
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                links.append(path)
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            seen = _Seen(info.st_size, info.st_mtime_ns)
            current[path.name] = seen
            if self._seen.get(path.name) == seen:
                ready.append(path)
        self._seen = {
            k: v for k, v in current.items() if k not in {p.name for p in ready}
        }
        return links, ready

    async def _async_take(self, path: Path) -> None:
        try:
            notes = await self._hass.async_add_executor_job(read_sidecar_notes, path)
        except OSError as err:
            # Notes are optional: the image is staged without them.
            _LOGGER.warning(
                "Could not read the release notes next to %r: %s",
                path.name,
                err.strerror,
            )
            notes = None
        kind = ImageKind.FILESYSTEM if is_filesystem_name(path.name) else ImageKind.APP
        try:
            version = await self._async_stage(path, kind, notes)
        except StorageError as err:
            # The file may be fine (a full disk): keep it for a later scan.
            await self._async_notify(path, "inbox_left_in_place", err)
            return
        except HomeAssistantError as err:
            await self._async_refuse(path, err)
            return
        await self._hass.async_add_executor_job(_consume, path)
        _LOGGER.info(
            "Staged %s from the firmware folder for %s as version %s",
            path.name,
            self._title,
            version,
        )

    async def _async_stage(self, path: Path, kind: ImageKind, notes: str | None) -> str:
        """Stage the file; return its version (raise a translated error)."""
        raise NotImplementedError

    async def _async_refuse(self, path: Path, err: HomeAssistantError) -> None:
        """Rename a refused file (or link) out of the way and tell the person."""
        try:
            rejected = await self._hass.async_add_executor_job(_reject, path)
        except OSError as os_err:
            self._stuck.add(path.name)
            _LOGGER.warning(
                "Could not rename refused firmware %r: %s", path.name, os_err.strerror
            )
            await self._async_notify(path, "inbox_refused_kept", err)
            return
        _LOGGER.warning(
            "Firmware %r for %s was refused: %s", path.name, self._title, err
        )
        await self._async_notify(path, "inbox_refused", err, rejected=_shown(rejected))

    async def _async_notify(
        self, path: Path, key: str, err: HomeAssistantError, **extra: str
    ) -> None:
        """Tell the person why, in Home Assistant's language (translate.py)."""
        reason = await async_translate(self._hass, err)
        notice = NoticeText(
            key, file=_shown(path.name), board=self._title, reason=reason, **extra
        )
        persistent_notification.async_create(
            self._hass,
            await async_translate(self._hass, notice),
            title=await async_translate(self._hass, NoticeText("inbox_refused_title")),
            notification_id=f"{DOMAIN}_inbox_{self._notice_key}_{path.name}",
        )

    @property
    def _notice_key(self) -> str:
        return self.path.name


class WatchedFolder(_Folder):
    """Watch one board's folder and stage every image dropped into it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Prepare the watcher of a board's folder."""
        super().__init__(hass, watched_folder_path(hass, entry), entry.title)
        self._entry = entry

    @callback
    def _async_scheduled_scan(self, _now: object) -> None:
        self._entry.async_create_background_task(
            self._hass,
            self.async_scan(),
            f"esp_ota watched folder scan {self._entry.title}",
        )

    @property
    def _notice_key(self) -> str:
        return self._entry.entry_id

    async def _async_stage(self, path: Path, kind: ImageKind, notes: str | None) -> str:
        staged = await async_stage_for_entry(
            self._hass,
            self._entry,
            path,
            kind=kind,
            version=version_from_name(path.name),
            release_notes=notes,
            origin=f"folder:{path.name}",
            filename=path.name,
        )
        return staged.version


class GroupFolder(_Folder):
    """Watch a group's folder, ``inbox/<kind>=<value>/`` (see groups.py)."""

    def __init__(self, hass: HomeAssistant, path: Path, group: Group) -> None:
        """Prepare the watcher of a group's folder."""
        super().__init__(hass, path, group.key)
        self._group = group

    async def _async_stage(self, path: Path, kind: ImageKind, notes: str | None) -> str:
        result = await async_stage_for_group(
            self._hass,
            self._group,
            path,
            kind=kind,
            version=version_from_name(path.name),
            release_notes=notes,
            origin=f"folder:{path.name}",
            filename=path.name,
        )
        result.raise_if_nothing_done("group_nothing_staged")
        if result.not_done:
            # Staged for some: say which boards it did not fit, and why.
            await self._async_notify(
                path,
                "inbox_group_partly",
                NoticeText("group_left_out", reasons=reasons_text(result.not_done)),
                staged=str(len(result.done)),
            )
        return result.done[0].image.version  # type: ignore[union-attr]


def async_start_group_folders(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Watch every group folder in the inbox, as people create them."""
    inbox = Path(hass.config.path("esp_ota", "inbox"))
    folders: dict[str, GroupFolder] = {}

    def find() -> list[Path]:
        if not inbox.is_dir():
            return []
        return [
            path
            for path in sorted(inbox.iterdir())
            if ("=" in path.name or ":" in path.name)
            and not path.is_symlink()
            and path.is_dir()
        ]

    async def async_scan(_now: object = None) -> None:
        for path in await hass.async_add_executor_job(find):
            if path.name not in folders:
                try:
                    group = parse_group(path.name)
                except HomeAssistantError:
                    continue
                folders[path.name] = GroupFolder(hass, path, group)
            await folders[path.name].async_scan()

    @callback
    def scheduled(now: object) -> None:
        hass.async_create_background_task(async_scan(now), "esp_ota group folders scan")

    return async_track_time_interval(
        hass,
        scheduled,
        SCAN_INTERVAL,
        name="esp_ota group folders",
        cancel_on_shutdown=True,
    )


def version_from_name(name: str) -> str | None:
    """Return the version a file name gives, if it is a plain version."""
    stem = name.removesuffix(".bin").removesuffix(".fs")
    return stem if _NAME_VERSION_RE.fullmatch(stem) else None


def _shown(name: str) -> str:
    """Return a file name fit to quote in Markdown: printable, no backticks."""
    cleaned = "".join(c if c.isprintable() and c != "`" else "?" for c in name)
    return cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."


def _consume(path: Path) -> None:
    path.unlink(missing_ok=True)
    for sidecar in sidecar_candidates(path):
        sidecar.unlink(missing_ok=True)


def _reject(path: Path) -> str:
    """Rename to ``<name>.rejected``, shortened to fit NAME_MAX; return the name."""
    room = NAME_MAX - len(REJECTED_SUFFIX.encode())
    stem = path.name.encode()[:room].decode(errors="ignore")
    target = path.with_name(stem + REJECTED_SUFFIX)
    path.replace(target)
    return target.name
