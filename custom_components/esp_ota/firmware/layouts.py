"""Flash layouts that are not an OTA image: partition tables and factory images.

Sources: ESP-IDF ``components/partition_table/gen_esp32part.py`` (entries of
32 bytes starting with the magic ``AA 50``: type, subtype, offset, size, label,
flags; the table sits at 0x8000 by default) and esptool 5.6.0
``esptool/targets/*.py`` ``BOOTLOADER_FLASH_OFFSET`` (0x0, 0x1000 for ESP32
and ESP32-S2, 0x2000 for ESP32-C5/P4/H4). ``esptool merge-bin`` and the
PlatformIO / Arduino "factory" outputs place the bootloader there, the table
at 0x8000 and the app at 0x10000, padding the gaps with 0xFF.
"""

from __future__ import annotations

import struct
from typing import Final

from .segments import IMAGE_MAGIC

PARTITION_MAGIC: Final = b"\xaa\x50"
PARTITION_TABLE_OFFSET: Final = 0x8000
BOOTLOADER_OFFSETS: Final = (0x0, 0x1000, 0x2000)
_ENTRY = struct.Struct("<2sBBII16sI")
_SECTOR: Final = 0x1000


def is_partition_table(view: memoryview, at: int = 0) -> bool:
    """Tell whether a partition table entry (magic, aligned offset) sits at ``at``."""
    if at + _ENTRY.size > len(view):
        return False
    magic, _, _, offset, size, _, _ = _ENTRY.unpack_from(view, at)
    return bool(magic == PARTITION_MAGIC and offset % _SECTOR == 0 and size > 0)


def is_factory_image(view: memoryview) -> bool:
    """Tell a merged image: a bootloader where the ROM looks, a table at 0x8000."""
    if not is_partition_table(view, PARTITION_TABLE_OFFSET):
        return False
    return any(view[at] == IMAGE_MAGIC for at in BOOTLOADER_OFFSETS)
