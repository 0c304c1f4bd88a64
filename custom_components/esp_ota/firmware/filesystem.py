"""What the filesystem target takes: LittleFS, or SPIFFS by exclusion.

The boards check nothing (esp8266/Arduino ``cores/esp8266/Updater.cpp``
``_verifyHeader``: "no check of FS possible"), so these rules are esp_ota's:

- LittleFS is recognised by its superblock (littlefs ``SPEC.md``): the name
  ``littlefs`` at offset 8 of block 0, then an inline-struct tag (XOR-chained,
  big endian) with version, block size and block count. A file shorter than
  block size x block count is cut short.
- SPIFFS has no magic: anything else is accepted unless it is known to be
  something else: gzip (no updater inflates a filesystem), an ESP image
  (first byte 0xE9, complete or damaged: an app, a bootloader), a partition
  table or factory image (checked by the caller), a file of one repeated
  byte (erased flash, zeros), or text.

A LittleFS block whose revision count happens to start with 0xE9 is still
LittleFS: the superblock name is checked first.
"""

from __future__ import annotations

import struct
from typing import Final

from .errors import BlankImageError, NotAFilesystemError, TruncatedImageError
from .kinds import FilesystemFormat

LITTLEFS_MAGIC: Final = b"littlefs"
LITTLEFS_MAGIC_OFFSET: Final = 8
_NAME_TAG: Final = 0x0FF0_0008  # LFS_TYPE_SUPERBLOCK, id 0, length 8
_STRUCT_TAG: Final = 0x2010_0018  # LFS_TYPE_INLINESTRUCT, id 0, length 24
_TAG = struct.Struct(">I")
_SUPERBLOCK = struct.Struct("<III")  # version, block_size, block_count
_STRUCT_AT: Final = LITTLEFS_MAGIC_OFFSET + len(LITTLEFS_MAGIC)
_TEXT_SAMPLE: Final = 4096
_TEXT_CONTROLS: Final = frozenset("\t\n\r\f")


def filesystem_format(view: memoryview) -> FilesystemFormat:
    """Recognise LittleFS by the name in its superblock; anything else is unknown."""
    end = LITTLEFS_MAGIC_OFFSET + len(LITTLEFS_MAGIC)
    if view[LITTLEFS_MAGIC_OFFSET:end].tobytes() == LITTLEFS_MAGIC:
        return FilesystemFormat.LITTLEFS
    return FilesystemFormat.UNKNOWN


def check_littlefs_size(view: memoryview) -> None:
    """Refuse a LittleFS image shorter than its superblock says."""
    if len(view) < _STRUCT_AT + _TAG.size + _SUPERBLOCK.size:
        return
    (tag,) = _TAG.unpack_from(view, _STRUCT_AT)
    if tag ^ _NAME_TAG != _STRUCT_TAG:
        return
    _, block_size, block_count = _SUPERBLOCK.unpack_from(view, _STRUCT_AT + _TAG.size)
    needed = block_size * block_count
    if len(view) < needed:
        raise TruncatedImageError("the LittleFS filesystem", needed, len(view))


def check_not_blank_or_text(view: memoryview) -> None:
    """Refuse a file of one repeated byte, or text."""
    first = view[0]
    block = bytes([first]) * _TEXT_SAMPLE
    if all(
        view[at : at + _TEXT_SAMPLE] == block[: len(view) - at]
        for at in range(0, len(view), _TEXT_SAMPLE)
    ):
        raise BlankImageError(first)
    sample = view[:_TEXT_SAMPLE].tobytes()
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return
    if all(char.isprintable() or char in _TEXT_CONTROLS for char in text):
        message = "This is a text file, not a filesystem image."
        raise NotAFilesystemError(message, variant="text_file")
