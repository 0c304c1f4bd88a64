"""ESP8266 app images, plain or laid out like an Arduino ESP8266 ``.bin``.

Sources (esp8266/Arduino at f946290ea993db029a90010927cdc1d645c91940):

- ``tools/elf2bin.py``: an Arduino ``.bin`` is the eboot loader image padded
  with 0xAA to 0x1000, then the sketch image. ``add_crc`` then zeroes the words
  at 0x1010 and 0x1014, computes ``crc8266`` over the whole file (CRC-32,
  polynomial 0x04C11DB7, init 0xFFFFFFFF, MSB first, no final XOR) and stores
  the file length at 0x1010 and the CRC at 0x1014. Those words lie inside the
  sketch's first segment, so the sketch's checksum byte no longer matches once
  the CRC is written.
- ``tools/signing.py``: a signed image is that file, then the signature, then
  the signature's length as a little-endian u32 (``Updater.cpp`` reads it back
  from the end).
- ``bootloaders/eboot/eboot.ld``: eboot runs from IRAM at 0x4010F000.

Rules, strict because a damaged image that is accepted bricks a board:

- the first image's checksum must match;
- an image whose entry point is eboot's, or that is followed by 0xAA padding
  and a second image at 0x1000, is an Arduino ``.bin``: the sketch image at
  0x1000 must be present, start with 0xE9, announce 1..16 segments, enter in
  IRAM and lie inside the file;
- when the length word at 0x1010 equals the end of the sketch image the CRC
  is present and must match; otherwise the sketch's checksum must match
  (cores before 3.0 write no CRC);
- bytes after the image (a signature, padding) are not judged: the Updater of
  an unsigned build ignores them, and a signed build checks its signature.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Final
import zlib

from .chips import ChipFamily, flash_size_bytes
from .errors import CorruptImageError, TruncatedImageError
from .kinds import FLASH_MODES, FlashMode
from .segments import HEADER, IMAGE_MAGIC, check_segment_count, walk_segments

ESP8266_IRAM_START: Final = 0x4010_0000
ESP8266_IRAM_END: Final = 0x4011_0000
EBOOT_IRAM_START: Final = 0x4010_F000
SKETCH_OFFSET: Final = 0x1000
EBOOT_PADDING: Final = 0xAA
CRC_LENGTH_AT: Final = 0x1010
CRC_VALUE_AT: Final = 0x1014
_WORD = struct.Struct("<I")
_CRC_CHUNK: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Esp8266App:
    """What an ESP8266 image's headers say."""

    segments: int
    flash_mode: FlashMode | None
    flash_size: int | None
    arduino_crc: bool
    """True when elf2bin's CRC was found and verified."""


def is_esp8266_entry(entry: int) -> bool:
    """Tell whether an entry point lies in the ESP8266's IRAM."""
    return ESP8266_IRAM_START <= entry < ESP8266_IRAM_END


def parse_esp8266(view: memoryview) -> Esp8266App:
    """Parse an ESP8266 image whose common header was read already."""
    _, segments, mode, size_freq, entry = HEADER.unpack_from(view, 0)
    first = walk_segments(view, 0, HEADER.size, segments)
    if not first.checksum_ok:
        raise _corrupt("its checksum byte does not match its content", "checksum")
    arduino_crc = False
    if _is_arduino_layout(view, entry, first.end):
        if entry < EBOOT_IRAM_START:
            raise _corrupt("the eboot loader's entry point is damaged", "loader_entry")
        arduino_crc = _check_sketch(view)
    return Esp8266App(
        segments=segments,
        flash_mode=FLASH_MODES.get(mode),
        flash_size=flash_size_bytes(ChipFamily.ESP8266, size_freq),
        arduino_crc=arduino_crc,
    )


def _is_arduino_layout(view: memoryview, entry: int, first_end: int) -> bool:
    """Tell whether the first image is eboot, with a sketch expected at 0x1000."""
    if entry >= EBOOT_IRAM_START:
        return True
    if not first_end <= SKETCH_OFFSET < len(view):
        return False
    padding = view[first_end:SKETCH_OFFSET]
    return view[SKETCH_OFFSET] == IMAGE_MAGIC and padding.tobytes() == bytes(
        [EBOOT_PADDING]
    ) * len(padding)


def _check_sketch(view: memoryview) -> bool:
    """Check the sketch image at 0x1000; return whether elf2bin's CRC is there."""
    size = len(view)
    if size < SKETCH_OFFSET + HEADER.size:
        raise TruncatedImageError(
            "the sketch image after the eboot loader", SKETCH_OFFSET + HEADER.size, size
        )
    magic, segments, _, _, entry = HEADER.unpack_from(view, SKETCH_OFFSET)
    if magic != IMAGE_MAGIC:
        raise _corrupt(
            f"the sketch image at 0x1000 starts with 0x{magic:02X}",
            "sketch_magic",
            first_byte=f"0x{magic:02X}",
        )
    check_segment_count(segments)
    if not is_esp8266_entry(entry):
        raise _corrupt(
            f"the sketch's entry point 0x{entry:08X} is not in IRAM",
            "sketch_entry",
            entry=f"0x{entry:08X}",
        )
    sketch = walk_segments(view, SKETCH_OFFSET, HEADER.size, segments)
    if size >= CRC_VALUE_AT + _WORD.size:
        (length,) = _WORD.unpack_from(view, CRC_LENGTH_AT)
        if length == sketch.end:
            (stored,) = _WORD.unpack_from(view, CRC_VALUE_AT)
            if elf2bin_crc(view[:length]) != stored:
                raise _corrupt("its CRC (written by elf2bin) does not match", "crc")
            return True
    if not sketch.checksum_ok:
        raise _corrupt("the sketch image's checksum byte does not match", "checksum")
    return False


def elf2bin_crc(data: memoryview) -> int:
    """Return elf2bin's ``crc8266`` of ``data`` with the two CRC words zeroed.

    ``crc8266`` is the MSB-first (non-reflected) CRC-32. Fed with bit-reversed
    bytes, zlib's reflected CRC-32 (same polynomial, same all-ones start) yields
    the bit-reversed register, so one C-speed pass gives the same value as
    elf2bin's bit loop; the final XOR zlib applies is undone first.
    """
    crc = 0
    for start in range(0, len(data), _CRC_CHUNK):
        chunk = bytearray(data[start : start + _CRC_CHUNK])
        for at in (CRC_LENGTH_AT, CRC_VALUE_AT):
            local = at - start
            if 0 <= local < len(chunk):
                chunk[local : local + _WORD.size] = bytes(_WORD.size)
        crc = zlib.crc32(chunk.translate(_BIT_REVERSED), crc)
    return _reverse32(crc ^ 0xFFFF_FFFF)


_BIT_REVERSED: Final = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def _reverse32(value: int) -> int:
    """Reverse the bit order of a 32-bit word."""
    return int(f"{value:032b}"[::-1], 2)


def _corrupt(why: str, variant: str, **facts: str) -> CorruptImageError:
    """Build the error for a damaged ESP8266 image."""
    return CorruptImageError(f"The image is corrupt: {why}.", variant=variant, **facts)
