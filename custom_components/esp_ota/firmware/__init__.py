"""Firmware image inspection and fit checks (pure Python, no Home Assistant).

Modules, one idea each:

- ``image``: ``inspect_image`` / ``inspect_file`` -> ``FirmwareImage`` (kind, chip,
  size, MD5, SHA-256, segments, flash mode/size, app descriptor) and the
  version rules (``FirmwareImage.version_with``).
- ``descriptor``: the ESP-IDF ``esp_app_desc_t`` (``AppDescriptor``).
- ``chips``: ``ChipFamily`` and the chip ids / flash size codes images use.
- ``kinds``: ``ImageKind`` (app or filesystem), ``FlashMode``, ``FilesystemFormat``.
- ``boards``: ``family_for_board`` from the mDNS TXT ``board`` id.
- ``fit``: ``check_fit`` before anything is sent.
- ``check``: ``check_file`` / ``check_image``, the size limit
  (``MAX_IMAGE_SIZE``), inspection plus fit: the one path staging and the
  ``check`` command (``cli``, ``__main__``) share.
- ``segments``, ``esp8266``, ``esp32``, ``gzipped``, ``layouts``,
  ``filesystem``: the format facts ``image`` applies, each with its sources.
- ``board_ids``: the generated board id table (``tools/gen_board_ids.py``).
- ``release``: ``read_sidecar_notes`` next to an image file.
- ``errors``: ``FirmwareError`` and its subclasses, each with a stable ``key``.

``inspect_file`` and ``read_sidecar_notes`` block on file I/O: call them from an
executor thread, never on the event loop.
"""

from __future__ import annotations

from .boards import family_for_board
from .check import MAX_IMAGE_SIZE, check_file, check_image
from .chips import ChipFamily
from .descriptor import AppDescriptor
from .errors import (
    BlankImageError,
    BootloaderImageError,
    CompressedFilesystemError,
    CompressedImageError,
    CorruptImageError,
    DecompressedTooLargeError,
    DescriptorError,
    EmptyImageError,
    FactoryImageError,
    FileTooLargeError,
    FirmwareError,
    FitError,
    MissingDescriptorError,
    NotAFilesystemError,
    NotAnAppError,
    NotAnEspImageError,
    PartitionTableError,
    TooLargeError,
    TruncatedImageError,
    WrongChipError,
    WrongTargetError,
)
from .fit import check_fit
from .image import FirmwareImage, inspect_file, inspect_image
from .kinds import FilesystemFormat, FlashMode, ImageKind
from .release import read_sidecar_notes

__all__ = [
    "MAX_IMAGE_SIZE",
    "AppDescriptor",
    "BlankImageError",
    "BootloaderImageError",
    "ChipFamily",
    "CompressedFilesystemError",
    "CompressedImageError",
    "CorruptImageError",
    "DecompressedTooLargeError",
    "DescriptorError",
    "EmptyImageError",
    "FactoryImageError",
    "FileTooLargeError",
    "FilesystemFormat",
    "FirmwareError",
    "FirmwareImage",
    "FitError",
    "FlashMode",
    "ImageKind",
    "MissingDescriptorError",
    "NotAFilesystemError",
    "NotAnAppError",
    "NotAnEspImageError",
    "PartitionTableError",
    "TooLargeError",
    "TruncatedImageError",
    "WrongChipError",
    "WrongTargetError",
    "check_file",
    "check_fit",
    "check_image",
    "family_for_board",
    "inspect_file",
    "inspect_image",
    "read_sidecar_notes",
]
