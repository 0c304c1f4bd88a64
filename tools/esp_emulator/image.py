"""What a board reads from a flashed image: the ESP32 app descriptor's version."""

from __future__ import annotations

import hashlib
import struct

APP_DESC_OFFSET = 32
"""24-byte image header + 8-byte segment header."""
APP_DESC_MAGIC = 0xABCD5432
VERSION_OFFSET = APP_DESC_OFFSET + 16
VERSION_SIZE = 32
IMAGE_MAGIC = 0xE9


def esp32_app_version(image: bytes) -> str | None:
    """Return ``esp_app_desc_t.version`` of an ESP32 app image, if present."""
    if len(image) < VERSION_OFFSET + VERSION_SIZE or image[0] != IMAGE_MAGIC:
        return None
    (magic,) = struct.unpack_from("<I", image, APP_DESC_OFFSET)
    if magic != APP_DESC_MAGIC:
        return None
    raw = image[VERSION_OFFSET : VERSION_OFFSET + VERSION_SIZE].split(b"\0", 1)[0]
    return raw.decode("utf-8", "replace") or None


def build_esp32_image(version: str, size: int = 4096, fill: int = 0xA5) -> bytes:
    """Build a minimal ESP32 app image carrying ``version`` (for tests and demos)."""
    header = bytes([IMAGE_MAGIC, 1, 2, 0x20]) + struct.pack("<I", 0x40080000)
    extended = bytes(16)
    segment = struct.pack("<II", 0x3F400020, 256)
    desc = struct.pack("<II", APP_DESC_MAGIC, 0) + bytes(8)
    desc += version.encode()[:31].ljust(VERSION_SIZE, b"\0")
    desc += b"emulated".ljust(32, b"\0")
    body = header + extended + segment + desc
    return body + bytes([fill]) * max(0, size - len(body))


def build_esp8266_image(size: int = 4096, fill: int = 0x5A) -> bytes:
    """Build a minimal ESP8266 app image (magic 0xE9, no descriptor)."""
    header = bytes([IMAGE_MAGIC, 1, 0, 0x40]) + struct.pack("<I", 0x40100000)
    return header + bytes([fill]) * max(0, size - len(header))


def md5_hex(data: bytes) -> str:
    """Return the hex MD5 the board computes (MD5Builder)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
