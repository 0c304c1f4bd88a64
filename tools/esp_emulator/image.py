"""What a board reads from a flashed image: version, and whether it boots.

``esp32_bootable`` follows ESP-IDF ``esp_image_format.c`` (``esp_image_verify``,
run by ``esp_ota_set_boot_partition`` inside arduino-esp32's ``Update.end()``):
magic 0xE9, at most 16 segments that fit the image, the XOR checksum (seed
0xEF) in the last byte of the 16-byte block after the segments, and, when
header byte 23 says so, the SHA-256 of all of that appended.
"""

from __future__ import annotations

import hashlib
import struct

APP_DESC_OFFSET = 32
"""24-byte image header + 8-byte segment header."""
APP_DESC_MAGIC = 0xABCD5432
VERSION_OFFSET = APP_DESC_OFFSET + 16
VERSION_SIZE = 32
IMAGE_MAGIC = 0xE9
CHECKSUM_SEED = 0xEF
MAX_SEGMENTS = 16
HEADER_SIZE = 24
HASH_APPENDED_AT = 23


def esp32_app_version(image: bytes) -> str | None:
    """Return ``esp_app_desc_t.version`` of an ESP32 app image, if present."""
    if len(image) < VERSION_OFFSET + VERSION_SIZE or image[0] != IMAGE_MAGIC:
        return None
    (magic,) = struct.unpack_from("<I", image, APP_DESC_OFFSET)
    if magic != APP_DESC_MAGIC:
        return None
    raw = image[VERSION_OFFSET : VERSION_OFFSET + VERSION_SIZE].split(b"\0", 1)[0]
    return raw.decode("utf-8", "replace") or None


def esp32_bootable(image: bytes) -> bool:
    """Return whether the ESP32 bootloader would accept ``image`` as an app."""
    if len(image) < HEADER_SIZE or image[0] != IMAGE_MAGIC:
        return False
    count = image[1]
    if not 0 < count <= MAX_SEGMENTS:
        return False
    pos = HEADER_SIZE
    checksum = CHECKSUM_SEED
    for _ in range(count):
        if pos + 8 > len(image):
            return False
        (length,) = struct.unpack_from("<I", image, pos + 4)
        pos += 8
        if pos + length > len(image):
            return False
        checksum ^= _xor(image[pos : pos + length])
        pos += length
    end = pos + 16 - pos % 16
    if end > len(image) or image[end - 1] != checksum:
        return False
    if image[HASH_APPENDED_AT]:
        digest = hashlib.sha256(image[:end]).digest()
        return image[end : end + 32] == digest
    return True


def _xor(data: bytes) -> int:
    """XOR of all bytes, by folding the bytes as one integer in halves."""
    value = int.from_bytes(data, "little")
    width = len(data)
    while width > 1:
        half = (width + 1) // 2
        value = (value ^ (value >> (8 * half))) & ((1 << (8 * half)) - 1)
        width = half
    return value


def build_esp32_image(version: str, size: int = 4096, fill: int = 0xA5) -> bytes:
    """Build a bootable ESP32 app image carrying ``version`` (tests and demos).

    One segment holds the app descriptor and ``fill`` bytes; the image is
    ``size`` bytes rounded up to 16, checksum included, no appended hash.
    """
    header = bytes([IMAGE_MAGIC, 1, 2, 0x20]) + struct.pack("<I", 0x40080000)
    extended = bytes(16)
    desc = struct.pack("<II", APP_DESC_MAGIC, 0) + bytes(8)
    desc += version.encode()[:31].ljust(VERSION_SIZE, b"\0")
    desc += b"emulated".ljust(32, b"\0")
    total = max(size, HEADER_SIZE + 8 + len(desc) + 16)
    total += -total % 16
    # Segment data ends 1..16 bytes before the end: padding, then the checksum.
    length = (total - 1 - HEADER_SIZE - 8) // 4 * 4
    data = desc + bytes([fill]) * (length - len(desc))
    segment = struct.pack("<II", 0x3F400020, length)
    body = header + extended + segment + data
    body += bytes(total - 1 - len(body))
    return body + bytes([CHECKSUM_SEED ^ _xor(data)])


def build_esp8266_image(size: int = 4096, fill: int = 0x5A) -> bytes:
    """Build a minimal ESP8266 app image (magic 0xE9, no descriptor)."""
    header = bytes([IMAGE_MAGIC, 1, 0, 0x40]) + struct.pack("<I", 0x40100000)
    return header + bytes([fill]) * max(0, size - len(header))


def md5_hex(data: bytes) -> str:
    """Return the hex MD5 the board computes (MD5Builder)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
