"""Chip families and the numeric codes app images use for them.

Sources (checked against upstream, keep in sync when chips are added):

- ``chip_id`` of the ESP32-family extended header: esptool's
  ``esptool/targets/*.py`` ``IMAGE_CHIP_ID``.
- Flash-mapped address ranges (``FLASH_MAPPED``): ``IROM_MAP_START/END`` and
  ``DROM_MAP_START/END`` of the same files. An app maps code and constants from
  flash; a second-stage bootloader runs from RAM only, so it has no segment
  there.
- Flash size nibble (high nibble of header byte 3): esptool ``FLASH_SIZES`` of
  ``ESP8266ROM`` and ``ESP32ROM`` (all ESP32-family chips share the ESP32 table).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

_KIB: Final = 1024
_MIB: Final = 1024 * 1024


class ChipFamily(StrEnum):
    """A chip an app image can be built for."""

    ESP8266 = "esp8266"
    ESP32 = "esp32"
    ESP32S2 = "esp32s2"
    ESP32S3 = "esp32s3"
    ESP32C2 = "esp32c2"
    ESP32C3 = "esp32c3"
    ESP32C5 = "esp32c5"
    ESP32C6 = "esp32c6"
    ESP32C61 = "esp32c61"
    ESP32E22 = "esp32e22"
    ESP32H2 = "esp32h2"
    ESP32H21 = "esp32h21"
    ESP32H4 = "esp32h4"
    ESP32P4 = "esp32p4"
    ESP32S31 = "esp32s31"

    @property
    def label(self) -> str:
        """Return the name people know the chip by, e.g. ``ESP32-S3``."""
        name = self.value.upper()
        if name in ("ESP8266", "ESP32"):
            return name
        return f"ESP32-{name.removeprefix('ESP32')}"


IMAGE_CHIP_IDS: Final[dict[int, ChipFamily]] = {
    0: ChipFamily.ESP32,
    2: ChipFamily.ESP32S2,
    5: ChipFamily.ESP32C3,
    9: ChipFamily.ESP32S3,
    12: ChipFamily.ESP32C2,
    13: ChipFamily.ESP32C6,
    16: ChipFamily.ESP32H2,
    18: ChipFamily.ESP32P4,
    20: ChipFamily.ESP32C61,
    23: ChipFamily.ESP32C5,
    25: ChipFamily.ESP32H21,
    28: ChipFamily.ESP32H4,
    31: ChipFamily.ESP32E22,
    32: ChipFamily.ESP32S31,
}
"""esptool ``IMAGE_CHIP_ID`` -> chip (beta chips such as ESP32-S3 beta 2 left out)."""

_FLASH_MAPPED_RANGES: Final[dict[ChipFamily, tuple[tuple[int, int], ...]]] = {
    # esptool 5.6.0 esptool/targets/<chip>.py (IROM_MAP_*, DROM_MAP_*).
    ChipFamily.ESP32: ((0x400D_0000, 0x4040_0000), (0x3F40_0000, 0x3F80_0000)),
    ChipFamily.ESP32S2: ((0x4008_0000, 0x40B8_0000), (0x3F00_0000, 0x3F3F_0000)),
    ChipFamily.ESP32S3: ((0x4200_0000, 0x4400_0000), (0x3C00_0000, 0x3E00_0000)),
    ChipFamily.ESP32C3: ((0x4200_0000, 0x4280_0000), (0x3C00_0000, 0x3C80_0000)),
    ChipFamily.ESP32C2: ((0x4200_0000, 0x4240_0000), (0x3C00_0000, 0x3C40_0000)),
    ChipFamily.ESP32C6: ((0x4200_0000, 0x4300_0000),),
    ChipFamily.ESP32C61: ((0x4200_0000, 0x4300_0000),),
    ChipFamily.ESP32H2: ((0x4200_0000, 0x4300_0000),),
    ChipFamily.ESP32C5: ((0x4200_0000, 0x4400_0000),),
    ChipFamily.ESP32H21: ((0x4200_0000, 0x4300_0000),),
    ChipFamily.ESP32H4: ((0x4200_0000, 0x4400_0000),),
    ChipFamily.ESP32P4: ((0x4000_0000, 0x4C00_0000),),
    ChipFamily.ESP32E22: ((0x3C00_0000, 0x4000_0000),),
    ChipFamily.ESP32S31: ((0x4000_0000, 0x5400_0000),),
}


def is_flash_mapped(chip: ChipFamily, address: int) -> bool:
    """Tell whether ``address`` lies in the chip's flash-mapped (cache) window."""
    return any(
        start <= address < end for start, end in _FLASH_MAPPED_RANGES.get(chip, ())
    )


ESP8266_FLASH_SIZES: Final[dict[int, int]] = {
    0x0: 512 * _KIB,
    0x1: 256 * _KIB,
    0x2: 1 * _MIB,
    0x3: 2 * _MIB,
    0x4: 4 * _MIB,
    0x5: 2 * _MIB,  # "2MB-c1" layout
    0x6: 4 * _MIB,  # "4MB-c1" layout
    0x8: 8 * _MIB,
    0x9: 16 * _MIB,
}

ESP32_FLASH_SIZES: Final[dict[int, int]] = {
    nibble: (1 << nibble) * _MIB for nibble in range(8)
}
"""1 MiB (0) up to 128 MiB (7), the same for every ESP32-family chip."""


def flash_size_bytes(chip: ChipFamily | None, size_freq: int) -> int | None:
    """Decode the flash size from header byte 3, or None when unknown."""
    nibble = size_freq >> 4
    if chip is ChipFamily.ESP8266:
        return ESP8266_FLASH_SIZES.get(nibble)
    return ESP32_FLASH_SIZES.get(nibble)
