"""Build what a serial flasher writes besides the app, for tests: never staged.

Like ``tools.esp_images`` (whose image writer it uses) this never imports
``custom_components``. Facts it follows:

- ESP32-family second-stage bootloaders: RAM-only segments, no app descriptor,
  optionally ``esp_bootloader_desc_t`` (first byte 0x50, ESP-IDF >= 5.2);
- partition tables (ESP-IDF ``gen_esp32part.py``: 32-byte entries ``AA 50``,
  an MD5 entry ``EB EB``, 0xFF to 0xC00);
- merged factory images (bootloader at the chip's ``BOOTLOADER_FLASH_OFFSET``
  from esptool 5.6.0 ``esptool/targets/*.py``, table at 0x8000, app at 0x10000,
  0xFF between, like ``esptool merge-bin``).
"""

from __future__ import annotations

from collections.abc import Sequence
import hashlib
import struct

from tools.esp_images import (
    _data_bytes,
    _split,
    build_esp32_app,
    esp32_header,
    image_bytes,
)

# Where the ROM loads the second-stage bootloader (esptool BOOTLOADER_FLASH_OFFSET).
BOOTLOADER_OFFSETS = {
    "esp32": 0x1000,
    "esp32s2": 0x1000,
    "esp32c5": 0x2000,
    "esp32p4": 0x2000,
    "esp32h4": 0x2000,
    "esp32s31": 0x2000,
}
# RAM the bootloader runs from: outside every flash-mapped window of its chip.
_BOOTLOADER_RAM = {
    "esp32": (0x3FFF_0000, 0x4007_8000),
    "esp32s2": (0x3FFE_6100, 0x4004_8000),
    "esp32p4": (0x4FF2_9000, 0x4FF2_E000),
    "esp32s31": (0x2000_8000, 0x2001_0000),
}
_BOOTLOADER_RAM_DEFAULT = (0x3FCD_5000, 0x403C_E000)
_BOOTLOADER_RAM_RISCV = (0x4086_0000, 0x4086_A000)
BOOTLOADER_DESC_MAGIC_BYTE = 0x50
PARTITION_TABLE_OFFSET = 0x8000
FACTORY_APP_OFFSET = 0x10000
PARTITION_TABLE_SIZE = 0xC00
# (label, type, subtype, offset, size) of the Arduino-ESP32 default table.
DEFAULT_PARTITIONS = (
    ("nvs", 1, 0x02, 0x9000, 0x5000),
    ("otadata", 1, 0x00, 0xE000, 0x2000),
    ("app0", 0, 0x10, 0x10000, 0x140000),
    ("app1", 0, 0x11, 0x150000, 0x140000),
    ("spiffs", 1, 0x82, 0x290000, 0x160000),
)


def _bootloader_ram(chip: str) -> tuple[int, int]:
    """Return two RAM load addresses for a bootloader of ``chip``."""
    if chip in _BOOTLOADER_RAM:
        return _BOOTLOADER_RAM[chip]
    if chip in ("esp32c3", "esp32s3", "esp32c2"):
        return _BOOTLOADER_RAM_DEFAULT
    return _BOOTLOADER_RAM_RISCV


def build_esp32_bootloader(
    *,
    chip: str = "esp32",
    size: int = 16 * 1024,
    bootloader_desc: bool = False,
    sha256_appended: bool = True,
    seed: int = 1,
) -> bytes:
    """Build a second-stage bootloader: RAM-only segments, no app descriptor."""
    header = esp32_header(chip, 2, "dio", "4MB", digest=sha256_appended)
    image_size = size - 32 if sha256_appended else size
    data = _split(_data_bytes(image_size, 24, 2), 2, seed)
    # Random data must never look like an app descriptor.
    first = bytes([BOOTLOADER_DESC_MAGIC_BYTE if bootloader_desc else 0, 0, 0, 0])
    data[0] = first + data[0][4:]
    image = image_bytes(header, list(zip(_bootloader_ram(chip), data, strict=True)))
    if sha256_appended:
        image += hashlib.sha256(image).digest()
    return image


def build_partition_table(
    partitions: Sequence[tuple[str, int, int, int, int]] = DEFAULT_PARTITIONS,
) -> bytes:
    """Build a partition table binary like ESP-IDF's ``gen_esp32part.py``."""
    out = bytearray()
    for label, kind, subtype, offset, size in partitions:
        out += struct.pack(
            "<2sBBII16sI", b"\xaa\x50", kind, subtype, offset, size, label.encode(), 0
        )
    out += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(out, usedforsecurity=False).digest()
    return bytes(out.ljust(PARTITION_TABLE_SIZE, b"\xff"))


def build_factory_image(
    *, chip: str = "esp32", app_size: int = 64 * 1024, seed: int = 7
) -> bytes:
    """Merge bootloader, partition table and app like ``esptool merge-bin``."""
    at = BOOTLOADER_OFFSETS.get(chip, 0)
    out = bytearray(b"\xff" * at)
    out += build_esp32_bootloader(chip=chip, seed=seed)
    out = out.ljust(PARTITION_TABLE_OFFSET, b"\xff") + build_partition_table()
    out = out.ljust(FACTORY_APP_OFFSET, b"\xff")
    out += build_esp32_app(chip=chip, size=app_size, seed=seed)
    return bytes(out)
