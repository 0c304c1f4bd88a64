"""gzip-compressed app images, as the ESP8266 core takes them over the air.

Sources (esp8266/Arduino at f946290ea993db029a90010927cdc1d645c91940):
``cores/esp8266/Updater.cpp`` (``_verifyHeader`` / ``_verifyEnd``) accepts
0x1F as the first byte of a flash image and skips its header checks for
``1F 8B``; ``bootloaders/eboot/eboot.c`` inflates such an image while copying
it into place; ``tools/elf2bin.py`` (``gzip_bin``) writes them. The ESP32
cores' updaters have no gzip path, and no updater inflates a filesystem.

``inflate`` streams the compressed bytes through zlib and stops as soon as
the output would pass ``MAX_INFLATED``: a gzip bomb never gets into memory.
The compressed bytes, not the inflated ones, are what is sent to the board.
"""

from __future__ import annotations

from typing import Final
import zlib

from .errors import CorruptImageError, DecompressedTooLargeError

GZIP_MAGIC: Final = b"\x1f\x8b"
MAX_INFLATED: Final = 16 * 1024 * 1024
"""The largest ESP flash; an inflated image can never be larger."""
_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS
_CHUNK: Final = 64 * 1024
# Inflated bytes per call: the output never holds more than the limit plus this.
_OUT_CHUNK: Final = 1024 * 1024


def is_gzip(view: memoryview) -> bool:
    """Tell whether the buffer starts with the gzip magic bytes."""
    return view[: len(GZIP_MAGIC)].tobytes() == GZIP_MAGIC


def inflate(view: memoryview, limit: int = MAX_INFLATED) -> bytearray:
    """Inflate the first gzip member; refuse damage and anything above ``limit``.

    Bytes after the first member are ignored, as eboot ignores them.
    """
    inflater = zlib.decompressobj(_GZIP_WBITS)
    out = bytearray()
    try:
        for start in range(0, len(view), _CHUNK):
            pending: bytes | memoryview = view[start : start + _CHUNK]
            while pending and not inflater.eof:
                room = min(_OUT_CHUNK, limit + 1 - len(out))
                out += inflater.decompress(pending, room)
                if len(out) > limit:
                    raise DecompressedTooLargeError(limit)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return out
    except zlib.error as err:
        message = f"The gzip image is corrupt: {err}."
        raise CorruptImageError(message, variant="gzip_data") from err
    message = "The gzip image is corrupt: it ends before its compressed data does."
    raise CorruptImageError(message, variant="gzip_end")
