"""Inspect ESP8266 and ESP32-family firmware images without trusting the file name.

Public API:

- ``inspect_image(data, *, expect=None) -> FirmwareImage``: parse bytes (or any
  buffer: ``bytearray``, ``memoryview``, ``mmap``) without copying them.
- ``inspect_file(path, *, expect=None) -> FirmwareImage``: the same for a file,
  memory-mapped and hashed in chunks. It is a plain blocking function: the
  Home Assistant layer runs it with ``hass.async_add_executor_job``.
- ``FirmwareImage``: what was found; ``version`` / ``version_with(user)`` apply
  the version rules below.

Recognition (facts from esptool ``bin_image.py`` and ESP-IDF):

- App images start with 0xE9, segment count (1..16), flash mode, flash
  size/frequency byte and a 32-bit entry point.
- ESP8266 or ESP32 family is told apart by the entry point: only ESP8266 code
  starts in its IRAM at 0x4010_0000..0x4011_0000; every ESP32-family chip has
  its IRAM elsewhere. ESP32-family images then carry a 16-byte extended header
  whose ``chip_id`` names the chip (see ``chips.IMAGE_CHIP_IDS``); an unknown id
  or an ``append_digest`` flag other than 0/1 means the bytes are not an image.
- The checksum byte (0xEF XOR every segment data byte) sits where the image
  length reaches a multiple of 16; a mismatch is ``CorruptImageError``, as is a
  wrong appended SHA-256 digest (ESP32 family, ``append_digest`` = 1).
- Arduino ESP8266 ``.bin`` files hold the eboot loader image, padding to 4 KiB
  and the sketch image. Header fields (segments, flash mode/size) come from the
  first image, which is what the board's Updater checks. The sketch image is
  walked for truncation but its checksum is not checked: the core's elf2bin
  writes a CRC into the sketch after computing that checksum.
- Bytes after the image (signature blocks, padding) are allowed.
- Filesystem images have no header. A buffer not starting with 0xE9 is accepted
  only with ``expect=ImageKind.FILESYSTEM``; with that expectation a buffer that
  does parse as a complete app image is still reported as an APP, so the fit
  check can refuse it as the wrong target.

Version rules (``FirmwareImage.version_with``): the app descriptor's version
when it names this build (not an Arduino core default, see ``descriptor``),
else the version the user gave, else ``short_hash``: the first 8 hex digits of
the image's SHA-256 (SHA-256 rather than MD5 so it matches the digest shown
elsewhere and is not confused with the OTA protocol's MD5).
"""

from __future__ import annotations

from collections.abc import Buffer
from dataclasses import dataclass
import hashlib
import mmap
from os import PathLike
import struct
from typing import Final

from .chips import IMAGE_CHIP_IDS, ChipFamily, flash_size_bytes
from .descriptor import APP_DESC_SIZE, AppDescriptor, has_descriptor, parse_descriptor
from .errors import (
    CompressedImageError,
    CorruptImageError,
    DescriptorError,
    EmptyImageError,
    FirmwareError,
    NotAnEspImageError,
    TruncatedImageError,
)
from .kinds import FLASH_MODES, FilesystemFormat, FlashMode, ImageKind

IMAGE_MAGIC: Final = 0xE9
CHECKSUM_SEED: Final = 0xEF
MAX_SEGMENTS: Final = 16  # esptool refuses more; so does the ROM loader
SHA256_LEN: Final = 32
ESP8266_IRAM_START: Final = 0x4010_0000
ESP8266_IRAM_END: Final = 0x4011_0000
ESP8266_SKETCH_OFFSET: Final = 0x1000  # elf2bin pads eboot to 4 KiB
GZIP_MAGIC: Final = b"\x1f\x8b"
LITTLEFS_MAGIC: Final = b"littlefs"
LITTLEFS_MAGIC_OFFSET: Final = 8
SHORT_HASH_LENGTH: Final = 8
HASH_CHUNK: Final = 1024 * 1024
# Small enough that the checksum never holds more than a few of these in memory.
XOR_CHUNK: Final = 64 * 1024

_HEADER = struct.Struct("<BBBBI")
_EXTENDED_HEADER = struct.Struct("<BBBBHBHH4sB")
_SEGMENT_HEADER = struct.Struct("<II")
_ESP32_HEADER_LEN: Final = _HEADER.size + _EXTENDED_HEADER.size
_ESP32_DESCRIPTOR_OFFSET: Final = _ESP32_HEADER_LEN + _SEGMENT_HEADER.size


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


def inspect_image(data: Buffer, *, expect: ImageKind | None = None) -> FirmwareImage:
    """Inspect an image held in memory; raise a ``FirmwareError`` if unusable."""
    # Both views are released on exit, even on errors, so an mmap behind them
    # can be closed; the parser keeps no other slice alive while raising.
    with memoryview(data) as raw, raw.cast("B") as view:
        if len(view) == 0:
            raise EmptyImageError
        md5, sha256 = _hashes(view)
        app = _classify(view, expect)
        if app is None:
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
                filesystem=_filesystem_format(view),
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


def _classify(view: memoryview, expect: ImageKind | None) -> _App | None:
    """Return the app facts, or None for a filesystem image."""
    if expect is ImageKind.FILESYSTEM:
        if _filesystem_format(view) is FilesystemFormat.LITTLEFS:
            return None
        if view[0] != IMAGE_MAGIC:
            return None
        try:
            return _parse_app(view)
        except FirmwareError:
            # A filesystem may start with 0xE9 by chance: only a complete app
            # image counts as an app here.
            return None
    if view[0] == IMAGE_MAGIC:
        return _parse_app(view)
    if view[: len(GZIP_MAGIC)].tobytes() == GZIP_MAGIC:
        raise CompressedImageError
    message = (
        f"This is not an ESP8266/ESP32 app image: it starts with 0x{view[0]:02X}, "
        f"not 0x{IMAGE_MAGIC:02X}. If it is a filesystem (LittleFS/SPIFFS) image, "
        "choose the filesystem target."
    )
    raise NotAnEspImageError(message)


def _filesystem_format(view: memoryview) -> FilesystemFormat:
    """Recognise LittleFS by the name in its superblock; anything else is unknown."""
    end = LITTLEFS_MAGIC_OFFSET + len(LITTLEFS_MAGIC)
    if view[LITTLEFS_MAGIC_OFFSET:end].tobytes() == LITTLEFS_MAGIC:
        return FilesystemFormat.LITTLEFS
    return FilesystemFormat.UNKNOWN


def _parse_app(view: memoryview) -> _App:
    """Parse an image starting with 0xE9."""
    if len(view) < _HEADER.size:
        raise TruncatedImageError("the image header", _HEADER.size, len(view))
    _, segments, mode, size_freq, entry = _HEADER.unpack_from(view, 0)
    _check_segment_count(segments)
    if ESP8266_IRAM_START <= entry < ESP8266_IRAM_END:
        return _parse_esp8266(view, segments, mode, size_freq)
    return _parse_esp32(view, segments, mode, size_freq)


def _check_segment_count(segments: int) -> None:
    """Refuse a header announcing no segment or more than the ROM accepts."""
    if not 1 <= segments <= MAX_SEGMENTS:
        message = (
            f"This is not an ESP app image: its header announces {segments} "
            f"segments (an image has 1 to {MAX_SEGMENTS})."
        )
        raise NotAnEspImageError(message)


def _parse_esp8266(view: memoryview, segments: int, mode: int, size_freq: int) -> _App:
    """Parse an ESP8266 image, with the Arduino sketch image after eboot if any."""
    end, checksum_ok, _ = _walk_segments(view, 0, _HEADER.size, segments)
    if not checksum_ok:
        message = "The image is corrupt: its checksum byte does not match its content."
        raise CorruptImageError(message)
    if end <= ESP8266_SKETCH_OFFSET < len(view) and (
        view[ESP8266_SKETCH_OFFSET] == IMAGE_MAGIC
    ):
        start = ESP8266_SKETCH_OFFSET
        if len(view) < start + _HEADER.size:
            raise TruncatedImageError(
                "the sketch image header", start + _HEADER.size, len(view)
            )
        sketch_segments = view[start + 1]
        _check_segment_count(sketch_segments)
        _walk_segments(view, start, _HEADER.size, sketch_segments)
    return _App(
        chip=ChipFamily.ESP8266,
        segments=segments,
        flash_mode=FLASH_MODES.get(mode),
        flash_size=flash_size_bytes(ChipFamily.ESP8266, size_freq),
        descriptor=None,
        sha256_appended=False,
    )


def _parse_esp32(view: memoryview, segments: int, mode: int, size_freq: int) -> _App:
    """Parse an ESP32-family image: extended header, segments, digest, descriptor."""
    if len(view) < _ESP32_HEADER_LEN:
        raise TruncatedImageError(
            "the ESP32 extended header", _ESP32_HEADER_LEN, len(view)
        )
    fields = _EXTENDED_HEADER.unpack_from(view, _HEADER.size)
    chip_id: int = fields[4]
    append_digest: int = fields[-1]
    if append_digest not in (0, 1):
        message = (
            "This is not an ESP app image: neither its entry point (ESP8266) "
            "nor its extended header (ESP32 family) is valid."
        )
        raise NotAnEspImageError(message)
    chip = IMAGE_CHIP_IDS.get(chip_id)
    if chip is None:
        message = (
            f"The image names chip id {chip_id}, which esp_ota does not know "
            "(not an ESP image, or a chip newer than this version of esp_ota)."
        )
        raise NotAnEspImageError(message)
    end, checksum_ok, first_len = _walk_segments(view, 0, _ESP32_HEADER_LEN, segments)
    if not checksum_ok:
        message = "The image is corrupt: its checksum byte does not match its content."
        raise CorruptImageError(message)
    if append_digest:
        _check_appended_digest(view, end)
    return _App(
        chip=chip,
        segments=segments,
        flash_mode=FLASH_MODES.get(mode),
        flash_size=flash_size_bytes(chip, size_freq),
        descriptor=_descriptor(view, first_len),
        sha256_appended=bool(append_digest),
    )


def _check_appended_digest(view: memoryview, end: int) -> None:
    """Compare the SHA-256 stored after the checksum with the image's."""
    if len(view) < end + SHA256_LEN:
        raise TruncatedImageError(
            "the appended SHA-256 digest", end + SHA256_LEN, len(view)
        )
    if hashlib.sha256(view[:end]).digest() != view[end : end + SHA256_LEN]:
        message = "The image is corrupt: its appended SHA-256 digest does not match."
        raise CorruptImageError(message)


def _descriptor(view: memoryview, first_len: int) -> AppDescriptor | None:
    """Return the app descriptor at the start of the first segment, if any."""
    if first_len < 4 or not has_descriptor(view, _ESP32_DESCRIPTOR_OFFSET):
        return None
    if first_len < APP_DESC_SIZE:
        message = (
            "The app descriptor is cut short: the first segment holds "
            f"{first_len} bytes, the descriptor needs {APP_DESC_SIZE}."
        )
        raise DescriptorError(message)
    return parse_descriptor(view, _ESP32_DESCRIPTOR_OFFSET)


def _walk_segments(
    view: memoryview, start: int, header_len: int, segments: int
) -> tuple[int, bool, int]:
    """Walk the segments of the image at ``start``.

    Return the offset after the checksum byte, whether the checksum matches,
    and the first segment's length.
    """
    size = len(view)
    position = start + header_len
    checksum = CHECKSUM_SEED
    first_len = 0
    for index in range(segments):
        if position + _SEGMENT_HEADER.size > size:
            raise TruncatedImageError(
                f"the header of segment {index + 1}",
                position + _SEGMENT_HEADER.size,
                size,
            )
        _, length = _SEGMENT_HEADER.unpack_from(view, position)
        data_start = position + _SEGMENT_HEADER.size
        position = data_start + length
        if position > size:
            raise TruncatedImageError(f"segment {index + 1}", position, size)
        checksum ^= xor_bytes(view[data_start:position])
        if index == 0:
            first_len = length
    # The checksum is the last byte of a 16-byte block (esptool pads with zeros).
    relative = position - start
    checksum_at = position + 15 - relative % 16
    if checksum_at >= size:
        raise TruncatedImageError("the checksum byte", checksum_at + 1, size)
    return checksum_at + 1, view[checksum_at] == checksum, first_len


def xor_bytes(data: Buffer) -> int:
    """Return the XOR of all bytes, folding big integers chunk by chunk."""
    result = 0
    with memoryview(data) as raw, raw.cast("B") as view:
        for start in range(0, len(view), XOR_CHUNK):
            result ^= _fold(view[start : start + XOR_CHUNK])
    return result


def _fold(chunk: memoryview) -> int:
    """XOR the bytes of one chunk by halving an integer until one byte is left."""
    width = len(chunk)
    value = int.from_bytes(chunk, "little")
    while width > 1:
        half = (width + 1) // 2
        value = (value & ((1 << (8 * half)) - 1)) ^ (value >> (8 * half))
        width = half
    return value
