"""Small enumerations describing an image: what it is and how it boots."""

from __future__ import annotations

from enum import StrEnum


class ImageKind(StrEnum):
    """What an image is written to: the app (sketch) slot or the filesystem."""

    APP = "app"
    FILESYSTEM = "filesystem"


class FlashMode(StrEnum):
    """SPI flash mode stored in byte 2 of an app image header (esptool codes)."""

    QIO = "qio"
    QOUT = "qout"
    DIO = "dio"
    DOUT = "dout"


class FilesystemFormat(StrEnum):
    """Filesystem recognised in a filesystem image (cheap checks only)."""

    LITTLEFS = "littlefs"
    UNKNOWN = "unknown"
    """SPIFFS or anything else: SPIFFS has no reliable magic to look for."""


FLASH_MODES: dict[int, FlashMode] = {
    0: FlashMode.QIO,
    1: FlashMode.QOUT,
    2: FlashMode.DIO,
    3: FlashMode.DOUT,
}
