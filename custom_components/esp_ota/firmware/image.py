"""Inspect ESP8266 and ESP32-family firmware images without trusting the file name.

Public API:

- ``inspect_image(data, *, expect=None) -> FirmwareImage``: parse bytes (or any
  buffer: ``bytearray``, ``memoryview``, ``mmap``) without copying them.
- ``inspect_file(path, *, expect=None) -> FirmwareImage``: the same for a file,
  memory-mapped and hashed in chunks. It is a plain blocking function: the
  Home Assistant layer runs it with ``hass.async_add_executor_job``.
- ``FirmwareImage``: what was found; ``version`` / ``version_with(user)`` apply
  the version rules below.

Recognition, in this order (the modules named hold the facts and sources):

1. A merged factory image or a partition table (``layouts``) is refused for
   either target: it is for a serial flasher.
2. Filesystem target (``expect=ImageKind.FILESYSTEM``, see ``filesystem``):
   LittleFS, or SPIFFS by exclusion. A complete app image is still reported
   as an APP, so the fit check refuses it as the wrong target.
3. App target: a gzip file (``gzipped``) is inflated with a bound and its
   inner image inspected; only ESP8266 images may be compressed. Otherwise
   the file must be an app image (``segments``): ESP8266 or ESP32 family is
   told apart by the entry point (only ESP8266 code starts in its IRAM at
   0x4010_0000..0x4011_0000), then ``esp8266`` or ``esp32`` checks the rest.
4. Bytes after the image (signature blocks, padding) are allowed.

Version rules (``FirmwareImage.version_with``): the app descriptor's version
when it names this build (not a framework's release, see ``descriptor``),
else the version the user gave, else ``short_hash``: the first 8 hex digits of the image's SHA-256 (SHA-256 rather
than MD5 so it matches the digest shown elsewhere and is not confused with the
OTA protocol's MD5).
"""

from __future__ import annotations

from collections.abc import Buffer
from dataclasses import dataclass, replace
import hashlib
import mmap
from os import PathLike
from typing import Final

from .chips import ChipFamily
from .descriptor import AppDescriptor
from .errors import (
    CompressedFilesystemError,
    CompressedImageError,
    EmptyImageError,
    FactoryImageError,
    FirmwareError,
    NotAFilesystemError,
    NotAnAppError,
    NotAnEspImageError,
    PartitionTableError,
    TruncatedImageError,
)
from .esp32 import parse_esp32
from .esp8266 import is_esp8266_entry, parse_esp8266
from .filesystem import check_littlefs_size, check_not_blank_or_text, filesystem_format
from .gzipped import inflate, is_gzip
from .kinds import FilesystemFormat, FlashMode, ImageKind
from .layouts import is_factory_image, is_partition_table
from .segments import HEADER, IMAGE_MAGIC, check_segment_count, xor_bytes

__all__ = ["FirmwareImage", "inspect_file", "inspect_image", "xor_bytes"]

SHORT_HASH_LENGTH: Final = 8
HASH_CHUNK: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    """What an inspected image is; built only by ``inspect_image``."""

    kind: ImageKind
    chip: ChipFamily | None
    """None for filesystem images (they fit any chip)."""
    size: int
    md5: str
    sha256: str
    segments: int
    """Segment count of the (first) app header; 0 for filesystem images."""
    flash_mode: FlashMode | None
    flash_size: int | None
    """Flash size in bytes the image was built for, None if not stated."""
    descriptor: AppDescriptor | None
    sha256_appended: bool = False
    filesystem: FilesystemFormat | None = None
    compressed: bool = False
    """A gzip file: size and hashes are the compressed bytes (what is sent),
    the other facts the inflated image's."""

    @property
    def short_hash(self) -> str:
        """Return the first 8 hex digits of the SHA-256, the fallback version."""
        return self.sha256[:SHORT_HASH_LENGTH]

    @property
    def version(self) -> str:
        """Return the version by the rules, with no version from the user."""
        return self.version_with(None)

    def version_with(self, user_version: str | None) -> str:
        """Return the descriptor's version, else the user's, else the short hash."""
        if self.descriptor is not None and self.descriptor.names_the_sketch:
            return self.descriptor.version
        if user_version is not None and (cleaned := user_version.strip()):
            return cleaned
        return self.short_hash


@dataclass(frozen=True, slots=True)
class _App:
    """Header facts of a parsed app image, before hashing."""

    chip: ChipFamily
    segments: int
    flash_mode: FlashMode | None
    flash_size: int | None
    descriptor: AppDescriptor | None
    sha256_appended: bool
    compressed: bool = False


def inspect_image(data: Buffer, *, expect: ImageKind | None = None) -> FirmwareImage:
    """Inspect an image held in memory; raise a ``FirmwareError`` if unusable."""
    # Both views are released on exit, even on errors, so an mmap behind them
    # can be closed; the parser keeps no other slice alive while raising.
    with memoryview(data) as raw, raw.cast("B") as view:
        if len(view) == 0:
            raise EmptyImageError
        md5, sha256 = _hashes(view)
        app = _classify(view, expect)
        if isinstance(app, FilesystemFormat):
            return FirmwareImage(
                kind=ImageKind.FILESYSTEM,
                chip=None,
                size=len(view),
                md5=md5,
                sha256=sha256,
                segments=0,
                flash_mode=None,
                flash_size=None,
                descriptor=None,
                filesystem=app,
            )
        return FirmwareImage(
            kind=ImageKind.APP,
            chip=app.chip,
            size=len(view),
            md5=md5,
            sha256=sha256,
            segments=app.segments,
            flash_mode=app.flash_mode,
            flash_size=app.flash_size,
            descriptor=app.descriptor,
            sha256_appended=app.sha256_appended,
            compressed=app.compressed,
        )


def inspect_file(
    path: str | PathLike[str], *, expect: ImageKind | None = None
) -> FirmwareImage:
    """Inspect an image file (blocking I/O: call it from an executor thread)."""
    with open(path, "rb") as file:
        # mmap cannot map an empty file; report it like an empty buffer.
        if file.seek(0, 2) == 0:
            raise EmptyImageError
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return inspect_image(mapped, expect=expect)


def _hashes(view: memoryview) -> tuple[str, str]:
    """Return MD5 and SHA-256 hex of the whole buffer, hashed in chunks."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    for start in range(0, len(view), HASH_CHUNK):
        md5.update(view[start : start + HASH_CHUNK])
        sha256.update(view[start : start + HASH_CHUNK])
    return md5.hexdigest(), sha256.hexdigest()


def _classify(view: memoryview, expect: ImageKind | None) -> _App | FilesystemFormat:
    """Return the app facts, or the format of a filesystem image."""
    _refuse_flash_layouts(view)
    if expect is ImageKind.FILESYSTEM:
        return _classify_filesystem(view)
    if is_gzip(view):
        return _inflated_app(view)
    return _parse_app(view)


def _refuse_flash_layouts(view: memoryview) -> None:
    """Refuse factory images and partition tables (for serial flashers)."""
    if is_factory_image(view):
        raise FactoryImageError
    if is_partition_table(view):
        raise PartitionTableError


def _classify_filesystem(view: memoryview) -> _App | FilesystemFormat:
    """Apply the filesystem target's rules (see ``filesystem``)."""
    if is_gzip(view):
        raise CompressedFilesystemError
    if filesystem_format(view) is FilesystemFormat.LITTLEFS:
        check_littlefs_size(view)
        return FilesystemFormat.LITTLEFS
    if view[0] == IMAGE_MAGIC:
        try:
            return _parse_app(view)
        except NotAnAppError:
            raise
        except FirmwareError as err:
            message = (
                "This is a damaged app image (it starts with 0xE9), not a "
                f"filesystem image: {err}"
            )
            raise NotAFilesystemError(message, variant="damaged_app") from err
    check_not_blank_or_text(view)
    return FilesystemFormat.UNKNOWN


def _inflated_app(view: memoryview) -> _App:
    """Inspect the image inside a gzip file; only ESP8266 boards inflate one."""
    inner = inflate(view)
    with memoryview(inner) as inner_view:
        _refuse_flash_layouts(inner_view)
        if not inner_view or inner_view[0] != IMAGE_MAGIC:
            message = "The gzip file does not hold an ESP app image."
            raise NotAnEspImageError(message, variant="gzip_content")
        app = _parse_app(inner_view)
    if app.chip is not ChipFamily.ESP8266:
        raise CompressedImageError
    return replace(app, compressed=True)


def _parse_app(view: memoryview) -> _App:
    """Parse an app image; it must start with 0xE9."""
    if view[0] != IMAGE_MAGIC:
        message = (
            f"This is not an ESP8266/ESP32 app image: it starts with "
            f"0x{view[0]:02X}, not 0x{IMAGE_MAGIC:02X}. If it is a filesystem "
            "(LittleFS/SPIFFS) image, choose the filesystem target."
        )
        raise NotAnEspImageError(
            message, variant="first_byte", first_byte=f"0x{view[0]:02X}"
        )
    if len(view) < HEADER.size:
        raise TruncatedImageError("the image header", HEADER.size, len(view))
    _, segments, _, _, entry = HEADER.unpack_from(view, 0)
    check_segment_count(segments)
    if is_esp8266_entry(entry):
        esp8266 = parse_esp8266(view)
        return _App(
            chip=ChipFamily.ESP8266,
            segments=esp8266.segments,
            flash_mode=esp8266.flash_mode,
            flash_size=esp8266.flash_size,
            descriptor=None,
            sha256_appended=False,
        )
    esp32 = parse_esp32(view)
    return _App(
        chip=esp32.chip,
        segments=esp32.segments,
        flash_mode=esp32.flash_mode,
        flash_size=esp32.flash_size,
        descriptor=esp32.descriptor,
        sha256_appended=esp32.sha256_appended,
    )
