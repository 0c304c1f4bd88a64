"""The ESP-IDF application descriptor (``esp_app_desc_t``) of ESP32-family images.

Layout (ESP-IDF ``components/esp_app_format/include/esp_app_desc.h``), 256
bytes, little endian, at the start of the first segment's data (file offset
32 = 24 header bytes + 8 segment header bytes)::

    0   uint32 magic_word        0xABCD5432
    4   uint32 secure_version
    8   uint32 reserv1[2]
    16  char   version[32]
    48  char   project_name[32]
    80  char   time[16]
    96  char   date[16]
    112 char   idf_ver[32]
    144 uint8  app_elf_sha256[32]
    176 ...    efuse revisions, mmu page size, reserved (ignored here)

ESP-IDF statically asserts that each string fits *with* its terminating NUL, so
a field without a NUL, or one that is not UTF-8, means the bytes are garbage:
``DescriptorError``. C0 control characters are refused for the same reason.

Arduino-ESP32 sketches link a descriptor built once by the core's
``esp32-arduino-lib-builder``: its ``version`` is the core library's, the same
for every sketch built with that core, and ``project_name`` is
``arduino-lib-builder``. ESPHome images carry the ESPHome release (calendar
versions such as ``2025.10.3``, ``2025.11.0b2``, ``2025.12.0-dev``), the same
for every node built with that release. Both name a framework, not the
sketch: ``AppDescriptor.names_the_sketch`` is False for them, and the version
rules then prefer the version the person gave. A sketch that itself uses
ESPHome-style calendar versions is taken for a framework too; the person's
version then wins, which is what they asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
import struct
from typing import Final

from .errors import DescriptorError

APP_DESC_MAGIC: Final = 0xABCD5432
APP_DESC_SIZE: Final = 256
ARDUINO_LIB_BUILDER_PROJECT: Final = "arduino-lib-builder"
ESPHOME_RELEASE: Final = re.compile(r"20\d\d\.(?:[1-9]|1[0-2])\.\d+(?:b\d+|-dev)?")

_HEAD = struct.Struct("<II")
# (field name, offset, length) of the string fields, relative to the descriptor.
_STRING_FIELDS: Final = (
    ("version", 16, 32),
    ("project_name", 48, 32),
    ("time", 80, 16),
    ("date", 96, 16),
    ("idf_ver", 112, 32),
)
_ELF_SHA256_OFFSET: Final = 144
_ELF_SHA256_LEN: Final = 32


@dataclass(frozen=True, slots=True)
class AppDescriptor:
    """What an ESP-IDF app says about itself."""

    version: str
    project_name: str
    compile_time: str
    compile_date: str
    idf_version: str
    secure_version: int
    app_elf_sha256: str
    """Hex of the first 32 bytes of the ELF's SHA-256 (all zero if not patched)."""

    @property
    def names_a_framework(self) -> bool:
        """Tell whether ``version`` is the Arduino core's or an ESPHome release."""
        return self.project_name == ARDUINO_LIB_BUILDER_PROJECT or bool(
            ESPHOME_RELEASE.fullmatch(self.version)
        )

    @property
    def names_the_sketch(self) -> bool:
        """Tell whether ``version`` describes this build, not a framework."""
        return bool(self.version) and not self.names_a_framework


def has_descriptor(data: memoryview, offset: int) -> bool:
    """Tell whether the descriptor magic word sits at ``offset``."""
    if offset + _HEAD.size > len(data):
        return False
    magic, _ = _HEAD.unpack_from(data, offset)
    return bool(magic == APP_DESC_MAGIC)


def parse_descriptor(data: memoryview, offset: int) -> AppDescriptor:
    """Decode the descriptor at ``offset``; the caller checked it is in bounds."""
    _, secure_version = _HEAD.unpack_from(data, offset)
    text: dict[str, str] = {}
    for name, start, length in _STRING_FIELDS:
        field = data[offset + start : offset + start + length]
        text[name] = _decode_c_string(name, field)
    sha_start = offset + _ELF_SHA256_OFFSET
    elf_sha256 = data[sha_start : sha_start + _ELF_SHA256_LEN].hex()
    return AppDescriptor(
        version=text["version"],
        project_name=text["project_name"],
        compile_time=text["time"],
        compile_date=text["date"],
        idf_version=text["idf_ver"],
        secure_version=secure_version,
        app_elf_sha256=elf_sha256,
    )


def _decode_c_string(name: str, field: memoryview) -> str:
    """Decode a NUL-terminated UTF-8 field or raise ``DescriptorError``."""
    raw = field.tobytes()
    end = raw.find(b"\x00")
    if end < 0:
        message = f"The app descriptor's {name} field is not terminated."
        raise DescriptorError(message, variant="unterminated", field=name)
    try:
        value = raw[:end].decode("utf-8")
    except UnicodeDecodeError as err:
        message = f"The app descriptor's {name} field is not valid UTF-8 text."
        raise DescriptorError(message, variant="not_utf8", field=name) from err
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        message = f"The app descriptor's {name} field contains control characters."
        raise DescriptorError(message, variant="control_chars", field=name)
    return value
