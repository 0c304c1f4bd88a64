"""ESP32-family app images: extended header, checksum, digest, app descriptor.

Sources:

- espressif/esptool ``esptool/bin_image.py`` (esptool 5.6.0,
  ``ESP32FirmwareImage``): a 16-byte extended header follows the common one
  (wp pin, drive strengths, ``chip_id`` u16, revisions, reserved bytes,
  ``append_digest``); with ``append_digest`` = 1 the SHA-256 of everything up
  to the checksum byte follows it. ``is_flash_addr`` tells flash-mapped
  segments (``chips.is_flash_mapped``) from RAM-loaded ones.
- ESP-IDF ``components/esp_app_format/include/esp_app_desc.h``: every app
  links ``esp_app_desc_t`` (magic 0xABCD5432) first in its first segment, file
  offset 32. Bootloaders never do (``esp_bootloader_desc_t`` starts with the
  byte 0x50 instead, IDF >= 5.2).

An ESP32-family image without the app descriptor is refused: it is a
bootloader when none of its segments is flash-mapped (bootloaders run from
RAM) or it carries the bootloader descriptor, else some other non-app image.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import struct
from typing import Final

from .chips import IMAGE_CHIP_IDS, ChipFamily, flash_size_bytes, is_flash_mapped
from .descriptor import APP_DESC_SIZE, AppDescriptor, has_descriptor, parse_descriptor
from .errors import (
    BootloaderImageError,
    CorruptImageError,
    DescriptorError,
    MissingDescriptorError,
    NotAnEspImageError,
    TruncatedImageError,
)
from .kinds import FLASH_MODES, FlashMode
from .segments import HEADER, SEGMENT_HEADER, Walk, walk_segments

SHA256_LEN: Final = 32
BOOTLOADER_DESC_MAGIC_BYTE: Final = 0x50
EXTENDED_HEADER: Final = struct.Struct("<BBBBHBHH4sB")
ESP32_HEADER_LEN: Final = HEADER.size + EXTENDED_HEADER.size
DESCRIPTOR_OFFSET: Final = ESP32_HEADER_LEN + SEGMENT_HEADER.size


@dataclass(frozen=True, slots=True)
class Esp32App:
    """What an ESP32-family app image says about itself."""

    chip: ChipFamily
    segments: int
    flash_mode: FlashMode | None
    flash_size: int | None
    descriptor: AppDescriptor
    sha256_appended: bool


def read_chip(view: memoryview) -> tuple[ChipFamily, bool]:
    """Return the chip and ``append_digest`` of the extended header."""
    if len(view) < ESP32_HEADER_LEN:
        raise TruncatedImageError(
            "the ESP32 extended header", ESP32_HEADER_LEN, len(view)
        )
    fields = EXTENDED_HEADER.unpack_from(view, HEADER.size)
    chip_id: int = fields[4]
    append_digest: int = fields[-1]
    if append_digest not in (0, 1):
        message = (
            "This is not an ESP app image: neither its entry point (ESP8266) "
            "nor its extended header (ESP32 family) is valid."
        )
        raise NotAnEspImageError(message, variant="no_header")
    chip = IMAGE_CHIP_IDS.get(chip_id)
    if chip is None:
        message = (
            f"The image names chip id {chip_id}, which esp_ota does not know "
            "(not an ESP image, or a chip newer than this version of esp_ota)."
        )
        raise NotAnEspImageError(message, variant="unknown_chip", chip_id=chip_id)
    return chip, bool(append_digest)


def parse_esp32(view: memoryview) -> Esp32App:
    """Parse an ESP32-family image whose common header was read already."""
    _, segments, mode, size_freq, _ = HEADER.unpack_from(view, 0)
    chip, append_digest = read_chip(view)
    walk = walk_segments(view, 0, ESP32_HEADER_LEN, segments)
    if not walk.checksum_ok:
        message = "The image is corrupt: its checksum byte does not match its content."
        raise CorruptImageError(message, variant="checksum")
    if append_digest:
        _check_appended_digest(view, walk.end)
    return Esp32App(
        chip=chip,
        segments=segments,
        flash_mode=FLASH_MODES.get(mode),
        flash_size=flash_size_bytes(chip, size_freq),
        descriptor=_descriptor(view, chip, walk),
        sha256_appended=append_digest,
    )


def _check_appended_digest(view: memoryview, end: int) -> None:
    """Compare the SHA-256 stored after the checksum with the image's."""
    if len(view) < end + SHA256_LEN:
        raise TruncatedImageError(
            "the appended SHA-256 digest", end + SHA256_LEN, len(view)
        )
    if hashlib.sha256(view[:end]).digest() != view[end : end + SHA256_LEN]:
        message = "The image is corrupt: its appended SHA-256 digest does not match."
        raise CorruptImageError(message, variant="digest")


def _descriptor(view: memoryview, chip: ChipFamily, walk: Walk) -> AppDescriptor:
    """Return the app descriptor that must open the first segment."""
    if walk.first_len < 4 or not has_descriptor(view, DESCRIPTOR_OFFSET):
        if _is_bootloader(view, chip, walk):
            raise BootloaderImageError
        raise MissingDescriptorError
    if walk.first_len < APP_DESC_SIZE:
        message = (
            "The app descriptor is cut short: the first segment holds "
            f"{walk.first_len} bytes, the descriptor needs {APP_DESC_SIZE}."
        )
        raise DescriptorError(
            message, variant="cut_short", length=walk.first_len, needed=APP_DESC_SIZE
        )
    return parse_descriptor(view, DESCRIPTOR_OFFSET)


def _is_bootloader(view: memoryview, chip: ChipFamily, walk: Walk) -> bool:
    """Tell a second-stage bootloader: RAM-only, or its own descriptor first."""
    if walk.first_len >= 1 and view[DESCRIPTOR_OFFSET] == BOOTLOADER_DESC_MAGIC_BYTE:
        return True
    return not any(is_flash_mapped(chip, address) for address, _ in walk.segments)
