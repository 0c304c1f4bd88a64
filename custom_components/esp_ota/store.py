"""The firmware store: staged images on disk, their metadata in HA storage.

Images live in ``<config>/esp_ota/firmware/<board>/<sha256>.bin``; the metadata
(version, notes, hashes, where it came from) lives in ``.storage/esp_ota.firmware``.
An image is written to a temporary file, flushed to disk and renamed into place
before its metadata is saved, and HA's Store saves atomically too, so a crash at
any point leaves either the old or the new image, never half a file. Files that
no metadata points at (a crash between the two steps) are removed on load, but
only when the metadata was read completely: an image file is never deleted
because its record could not be read (see ``storage_checks``).

All file I/O runs in the executor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
import logging
import os
from pathlib import Path
import tempfile
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .firmware import (
    ChipFamily,
    FileTooLargeError,
    FirmwareImage,
    ImageKind,
    check as firmware_check,
    check_file,
)
from .listeners import Listeners
from .storage_checks import RECORD_ERRORS, CheckedStore, async_load_store, require_str

_LOGGER = logging.getLogger(__name__)

DATA_STORE: HassKey[FirmwareStore] = HassKey(f"{DOMAIN}_firmware_store")
STORAGE_KEY: Final = "esp_ota.firmware"
STORAGE_VERSION: Final = 1
# Enough to go back a release or two without filling a small SD card.
KEEP_PER_BOARD: Final = 3
TEMP_SUFFIX: Final = ".tmp"
_COPY_CHUNK: Final = 1024 * 1024
# The largest flash an ESP32 module carries; no app or filesystem image is bigger.
# The firmware package's limit (check_file refuses such a file too, so the check
# command agrees); staging tests it first, before anything is copied.
MAX_IMAGE_SIZE: Final = firmware_check.MAX_IMAGE_SIZE


class ImageTooLargeError(FileTooLargeError):
    """The file is larger than any ESP flash (found before it is copied)."""

    def __init__(self, size: int) -> None:
        """Remember the size; the limit is MAX_IMAGE_SIZE."""
        super().__init__(size, MAX_IMAGE_SIZE)


@dataclass(frozen=True, kw_only=True)
class StagedFirmware:
    """One validated image staged for one board."""

    board: str
    sha256: str
    md5: str
    size: int
    kind: ImageKind
    chip: ChipFamily | None
    version: str
    project: str | None
    release_notes: str | None
    source: str
    filename: str | None
    staged_at: str
    release_url: str | None = None

    @property
    def short_hash(self) -> str:
        """Return a short, stable name for the image."""
        return self.sha256[:12]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["chip"] = self.chip.value if self.chip else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StagedFirmware:
        """Build from the JSON form kept in storage."""
        return cls(
            board=data["board"],
            sha256=data["sha256"],
            md5=data["md5"],
            size=int(data["size"]),
            kind=ImageKind(data["kind"]),
            chip=ChipFamily(data["chip"]) if data.get("chip") else None,
            version=data["version"],
            project=data.get("project"),
            release_notes=data.get("release_notes"),
            source=data["source"],
            filename=data.get("filename"),
            staged_at=data["staged_at"],
            release_url=data.get("release_url"),
        )


@dataclass(frozen=True, kw_only=True)
class StageRequest:
    """What a person (or a folder) asks to stage, and what the board can take."""

    board: str
    kind: ImageKind = ImageKind.APP
    version: str | None = None
    release_notes: str | None = None
    source: str
    filename: str | None = None
    release_url: str | None = None
    board_family: ChipFamily | None = None
    free_space: int | None = None


class FirmwareStore:
    """Staged firmware for every board of this Home Assistant."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the store; call async_load before use."""
        self._hass = hass
        self.root = Path(hass.config.path("esp_ota", "firmware"))
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._images: list[StagedFirmware] = []
        self._listeners: defaultdict[str, Listeners] = defaultdict(Listeners)

    async def async_load(self) -> None:
        """Load metadata, drop entries whose file is gone, remove stray files."""
        data, complete = await async_load_store(self._hass, self._store, _clean)
        saved = data["images"] if data else []
        images = [StagedFirmware.from_dict(item) for item in saved]
        self._images = await self._hass.async_add_executor_job(
            self._reconcile, images, complete
        )
        for image in images:
            if image not in self._images:
                self._report_vanished(image)

    def _report_vanished(self, image: StagedFirmware) -> None:
        """Raise a repair for a staged image whose file is gone."""
        entry = self._hass.config_entries.async_get_entry(image.board)
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            f"image_vanished_{image.board}_{image.short_hash}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="image_vanished",
            translation_placeholders={
                "board": entry.title if entry else image.board,
                "version": image.version,
                "sha256": image.short_hash,
            },
        )

    def _reconcile(
        self, images: list[StagedFirmware], remove_strays: bool
    ) -> list[StagedFirmware]:
        kept = []
        for image in images:
            path = self.path_for(image)
            if path.is_file() and path.stat().st_size == image.size:
                kept.append(image)
            else:
                _LOGGER.warning(
                    "Staged firmware %s for %s is missing on disk and was dropped",
                    image.short_hash,
                    image.board,
                )
        # Temporary files and images whose metadata was never saved: a crash
        # interrupted their staging, so they were never staged.
        wanted = {self.path_for(image) for image in kept}
        if remove_strays and self.root.is_dir():
            for path in self.root.rglob("*"):
                if path.is_file() and path not in wanted:
                    _LOGGER.debug("Removing unfinished firmware file %s", path)
                    path.unlink()
        return kept

    def path_for(self, image: StagedFirmware) -> Path:
        """Return where an image's bytes are kept."""
        return self.root / safe_name(image.board) / f"{image.sha256}.bin"

    def images(self, board: str, kind: ImageKind | None = None) -> list[StagedFirmware]:
        """Return a board's staged images, newest first."""
        return [
            image
            for image in reversed(self._images)
            if image.board == board and (kind is None or image.kind is kind)
        ]

    def latest(
        self, board: str, kind: ImageKind = ImageKind.APP
    ) -> StagedFirmware | None:
        """Return the newest staged image of a kind for a board."""
        return next(iter(self.images(board, kind)), None)

    @callback
    def async_add_listener(
        self, board: str, update: Callable[[], None]
    ) -> CALLBACK_TYPE:
        """Call update whenever the board's staged images change.

        The returned remove() may be called more than once (an entity drops its
        listener itself and the entry's unload calls it again): ``listeners.py``.
        """
        return self._listeners[board].async_add(update)

    async def async_stage(
        self, source: Path | bytes, request: StageRequest
    ) -> StagedFirmware:
        """Validate an image (a file, left alone, or bytes) and stage a copy."""
        staged = await self._hass.async_add_executor_job(self.prepare, source, request)
        await self.async_commit(staged)
        return staged

    def prepare(self, source: Path | bytes, request: StageRequest) -> StagedFirmware:
        """Copy an image into the store and validate the copy (executor only).

        The bytes that are checked are the bytes that are kept: the source is
        copied to a temporary file first, flushed to disk, inspected, checked
        against the board, and only then renamed into place. Raises the firmware
        package's errors (or ImageTooLargeError) when the image is not valid or
        does not fit. Only async_commit makes the copy staged.
        """
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
        if size > MAX_IMAGE_SIZE:
            raise ImageTooLargeError(size)
        board_dir = self.root / safe_name(request.board)
        board_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=board_dir, suffix=TEMP_SUFFIX)
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, bytes):
                    out.write(source)
                else:
                    with source.open("rb") as src:
                        while chunk := src.read(_COPY_CHUNK):
                            out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            image = check_file(
                temp,
                target=request.kind,
                board_family=request.board_family,
                free_space=request.free_space,
            )
            staged = _staged_from(image, request)
            temp.replace(self.path_for(staged))
            _fsync_dir(board_dir)
            return staged
        finally:
            temp.unlink(missing_ok=True)

    async def async_commit(self, staged: StagedFirmware) -> None:
        """Record a prepared image as the board's newest, prune old ones, save."""
        others = [
            image
            for image in self._images
            if not (image.board == staged.board and image.sha256 == staged.sha256)
        ]
        self._images = [*others, staged]
        pruned = self.images(staged.board, staged.kind)[KEEP_PER_BOARD:]
        self._images = [image for image in self._images if image not in pruned]
        await self._store.async_save({"images": [i.as_dict() for i in self._images]})
        ir.async_delete_issue(
            self._hass, DOMAIN, f"image_vanished_{staged.board}_{staged.short_hash}"
        )
        if pruned:
            await self._hass.async_add_executor_job(self._remove_files, pruned)
        self._notify(staged.board)

    async def async_remove_board(self, board: str) -> None:
        """Forget every image of a board (when its entry is removed)."""
        gone = self.images(board)
        if not gone:
            return
        self._images = [image for image in self._images if image.board != board]
        await self._store.async_save({"images": [i.as_dict() for i in self._images]})
        await self._hass.async_add_executor_job(self._remove_files, gone)
        self._notify(board)

    def _remove_files(self, images: list[StagedFirmware]) -> None:
        still_used = {self.path_for(image) for image in self._images}
        for image in images:
            path = self.path_for(image)
            if path not in still_used:
                path.unlink(missing_ok=True)

    def read(self, image: StagedFirmware) -> bytes:
        """Read an image's bytes (executor only)."""
        return self.path_for(image).read_bytes()

    def _notify(self, board: str) -> None:
        self._listeners[board].async_notify()


def get_store(hass: HomeAssistant) -> FirmwareStore:
    """Return the integration's firmware store."""
    return hass.data[DATA_STORE]


def _clean(data: Any) -> tuple[dict[str, Any], int]:
    """Keep the image records that can be read; count the others."""
    records = data["images"]
    if not isinstance(records, list):
        raise TypeError("images must be a list")
    kept = []
    for record in records:
        try:
            _check_record(record)
        except RECORD_ERRORS:
            continue
        kept.append(record)
    return {"images": kept}, len(records) - len(kept)


def _check_record(record: Any) -> None:
    """Raise unless a record is a well-formed image record (its hash names a file)."""
    StagedFirmware.from_dict(record)
    require_str(record, "board", "sha256", "md5", "version", "source", "staged_at")
    if not (_is_hex(record["sha256"], 64) and _is_hex(record["md5"], 32)):
        raise ValueError("hash")
    if isinstance(record["size"], bool) or not isinstance(record["size"], int):
        raise TypeError("size")


def _is_hex(value: str, length: int) -> bool:
    return len(value) == length and all(c in "0123456789abcdef" for c in value)


def _staged_from(image: FirmwareImage, request: StageRequest) -> StagedFirmware:
    """Record an inspected image with its version by the firmware package's rules."""
    return StagedFirmware(
        board=request.board,
        sha256=image.sha256,
        md5=image.md5,
        size=image.size,
        kind=image.kind,
        chip=image.chip,
        version=image.version_with(request.version),
        project=(
            image.descriptor.project_name
            if image.descriptor and image.descriptor.names_the_sketch
            else None
        ),
        release_notes=request.release_notes,
        source=request.source,
        filename=request.filename,
        staged_at=dt_util.utcnow().isoformat(),
        release_url=request.release_url,
    )


def safe_name(board: str) -> str:
    """Return a folder name for a board key that cannot escape the store."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in board)
    return cleaned.strip(".") or "_"


def _fsync_dir(path: Path) -> None:
    """Make a rename in a folder durable."""
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
