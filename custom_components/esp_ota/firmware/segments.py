"""The app image container shared by ESP8266 and the ESP32 family: header, segments.

Facts (espressif/esptool ``esptool/bin_image.py`` of esptool 5.6.0,
``BaseFirmwareImage.load_common_header`` / ``load_segment`` / ``read_checksum``):

- header ``<BBBBI``: magic 0xE9, segment count, flash mode, (size << 4) | freq,
  entry point; at most 16 segments (``BaseFirmwareImage.verify``);
- each segment ``<II`` (load address, length) then its data;
- zero padding so that the checksum byte, 0xEF XOR every data byte, is the last
  byte of a 16-byte block counted from the image's start.

``walk_segments`` reads only inside the buffer: a structure that runs past the
end raises ``TruncatedImageError``, never ``struct.error``/``IndexError``.
"""

from __future__ import annotations

from collections.abc import Buffer
from dataclasses import dataclass
import struct
from typing import Final

from .errors import NotAnEspImageError, TruncatedImageError

IMAGE_MAGIC: Final = 0xE9
CHECKSUM_SEED: Final = 0xEF
MAX_SEGMENTS: Final = 16  # esptool refuses more; so does the ROM loader
# Small enough that the checksum never holds more than a few of these in memory.
XOR_CHUNK: Final = 64 * 1024

HEADER: Final = struct.Struct("<BBBBI")
SEGMENT_HEADER: Final = struct.Struct("<II")


@dataclass(frozen=True, slots=True)
class Walk:
    """What walking the segments of one image found."""

    end: int
    """Offset just after the checksum byte."""
    checksum_ok: bool
    segments: tuple[tuple[int, int], ...]
    """(load address, length) of every segment, in file order."""

    @property
    def first_len(self) -> int:
        """Return the length of the first segment (0 without segments)."""
        return self.segments[0][1] if self.segments else 0


def check_segment_count(segments: int) -> None:
    """Refuse a header announcing no segment or more than the ROM accepts."""
    if not 1 <= segments <= MAX_SEGMENTS:
        message = (
            f"This is not an ESP app image: its header announces {segments} "
            f"segments (an image has 1 to {MAX_SEGMENTS})."
        )
        raise NotAnEspImageError(
            message,
            variant="segment_count",
            segments=segments,
            max_segments=MAX_SEGMENTS,
        )


def walk_segments(view: memoryview, start: int, header_len: int, count: int) -> Walk:
    """Walk the ``count`` segments of the image starting at ``start``."""
    size = len(view)
    position = start + header_len
    checksum = CHECKSUM_SEED
    found: list[tuple[int, int]] = []
    for index in range(count):
        if position + SEGMENT_HEADER.size > size:
            raise TruncatedImageError(
                f"the header of segment {index + 1}",
                position + SEGMENT_HEADER.size,
                size,
            )
        address, length = SEGMENT_HEADER.unpack_from(view, position)
        data_start = position + SEGMENT_HEADER.size
        position = data_start + length
        if position > size:
            raise TruncatedImageError(f"segment {index + 1}", position, size)
        checksum ^= xor_bytes(view[data_start:position])
        found.append((address, length))
    relative = position - start
    checksum_at = position + 15 - relative % 16
    if checksum_at >= size:
        raise TruncatedImageError("the checksum byte", checksum_at + 1, size)
    return Walk(checksum_at + 1, view[checksum_at] == checksum, tuple(found))


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
