"""Build ESP8266 / ESP32-family firmware images byte by byte, for tests and the demo.

This is an independent writer of the image format: it must not import
``custom_components`` so that a misunderstanding shared with the parser cannot
hide. Facts it follows (esptool ``bin_image.py``, ESP8266 core ``elf2bin.py``,
ESP-IDF ``esp_app_desc.h``):

- header ``<BBBBI``: 0xE9, segment count, flash mode, (size << 4) | freq, entry;
- ESP32 family: 16-byte extended header (wp pin 0xEE, drive strengths, chip id,
  revisions, 4 reserved bytes, append-digest flag);
- segments ``<II`` (load address, length) then data, lengths multiples of 4;
- zero padding so the checksum (0xEF XOR all segment data) is the last byte of
  a 16-byte block; ESP32 family optionally appends the SHA-256 of all that;
- Arduino ESP8266 ``.bin``: eboot image padded with 0xAA to 4 KiB, the sketch
  image, then elf2bin's CRC (length at 0x1010, CRC-32/MPEG-2 at 0x1014) written
  into the sketch after its checksum was computed;
- ``esp_app_desc_t`` (256 bytes) at the start of the first segment;
- ESP8266 signed images (esp8266/Arduino ``tools/signing.py``): the file, the
  signature, then its length as a little-endian u32; gzip images as elf2bin's
  ``gzip_bin`` writes them (Python's ``gzip``);
- (bootloaders, partition tables and factory images: ``tools.esp_layouts``);
- LittleFS superblocks (littlefs ``SPEC.md``: revision, XOR-chained big-endian
  tags, "littlefs", inline struct with version, block size, block count).

Every builder is deterministic: payload bytes come from ``random.Random(seed)``.
``size`` is always the exact length of the returned file.

Command line: ``python -m tools.esp_images DIR`` writes a few demo images (with
sidecar release notes) into DIR.
"""

from __future__ import annotations

from collections.abc import Sequence
import functools
import gzip
import hashlib
import operator
from pathlib import Path
import random
import struct
import sys

IMAGE_MAGIC = 0xE9
CHECKSUM_SEED = 0xEF
APP_DESC_MAGIC = 0xABCD5432
APP_DESC_SIZE = 256
WP_PIN_DISABLED = 0xEE
FREQ_40M = 0x0
ESP8266_SKETCH_OFFSET = 0x1000
EBOOT_PADDING = 0xAA
ELF2BIN_CRC_LEN_AT = 0x1010
ELF2BIN_CRC_VAL_AT = 0x1014

FLASH_MODES = {"qio": 0, "qout": 1, "dio": 2, "dout": 3}
ESP8266_FLASH_SIZES = {
    "512KB": 0x0,
    "256KB": 0x1,
    "1MB": 0x2,
    "2MB": 0x3,
    "4MB": 0x4,
    "8MB": 0x8,
    "16MB": 0x9,
}
ESP32_FLASH_SIZES = {f"{1 << n}MB": n for n in range(8)}

# chip -> (image chip id, first (flash-mapped data) segment address, entry point)
ESP32_CHIPS: dict[str, tuple[int, int, int]] = {
    "esp32": (0, 0x3F40_0020, 0x4008_1000),
    "esp32s2": (2, 0x3F00_0020, 0x4002_4000),
    "esp32c3": (5, 0x3C00_0020, 0x4038_0000),
    "esp32s3": (9, 0x3C00_0020, 0x4037_5000),
    "esp32c2": (12, 0x3C00_0020, 0x4038_0000),
    "esp32c6": (13, 0x4280_0020, 0x4080_0000),
    "esp32h2": (16, 0x4280_0020, 0x4080_0000),
    "esp32p4": (18, 0x4000_0020, 0x4FF0_0000),
    "esp32c61": (20, 0x4280_0020, 0x4080_0000),
    "esp32c5": (23, 0x4280_0020, 0x4080_0000),
    "esp32h21": (25, 0x4200_0020, 0x4080_0000),
    "esp32h4": (28, 0x4200_0020, 0x4080_0000),
    "esp32e22": (31, 0x3C00_0020, 0x4080_0000),
    "esp32s31": (32, 0x4000_0020, 0x2000_0000),
}
LITTLEFS_BLOCK = 4096
# Further segments: IRAM, DRAM, more flash-mapped code (addresses are plausible,
# the parser does not check them).
_ESP32_MORE_ADDRESSES = (0x4008_0000, 0x3FFB_0000, 0x400D_0020, 0x3FFB_4000)
_ESP8266_SKETCH_ADDRESSES = (0x4020_1010, 0x4010_0000, 0x3FFE_8000, 0x3FFE_9000)
_EBOOT_SEGMENTS = ((0x4010_F000, 0x4E0), (0x3FFE_8000, 0x20))
EBOOT_ENTRY = 0x4010_F000
ESP8266_ENTRY = 0x4010_0004


def payload(length: int, seed: int) -> bytes:
    """Return ``length`` deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(length)


def image_bytes(header: bytes, segments: Sequence[tuple[int, bytes]]) -> bytes:
    """Write header, segments, zero padding and checksum like esptool."""
    out = bytearray(header)
    checksum = CHECKSUM_SEED
    for address, data in segments:
        out += struct.pack("<II", address, len(data))
        out += data
        checksum = functools.reduce(operator.xor, data, checksum)
    out += bytes(15 - len(out) % 16)
    out.append(checksum)
    return bytes(out)


def _split(total: int, count: int, seed: int) -> list[bytes]:
    """Cut ``total`` bytes into ``count`` segment payloads, multiples of 4 bytes."""
    small = max(4, min(512, total // (4 * count)) // 4 * 4)
    first = total - small * (count - 1)
    if first < 4 or total % 4:
        message = f"{total} data bytes cannot fill {count} segments"
        raise ValueError(message)
    sizes = [first] + [small] * (count - 1)
    return [payload(size, seed + index) for index, size in enumerate(sizes)]


def _data_bytes(size: int, header_len: int, segments: int) -> int:
    """Return the segment data needed for an image of exactly ``size`` bytes."""
    if size % 16:
        message = f"image size {size} must be a multiple of 16"
        raise ValueError(message)
    # Data ending 4 bytes before the end leaves 3 padding bytes + the checksum.
    return size - 4 - header_len - 8 * segments


def esp8266_header(
    segments: int, flash_mode: str, flash_size: str, entry: int
) -> bytes:
    """Return the 8-byte ESP8266 image header."""
    size_freq = (ESP8266_FLASH_SIZES[flash_size] << 4) | FREQ_40M
    return struct.pack(
        "<BBBBI", IMAGE_MAGIC, segments, FLASH_MODES[flash_mode], size_freq, entry
    )


def build_esp8266_app(
    *,
    size: int = 64 * 1024,
    entry: int = ESP8266_ENTRY,
    segments: int = 4,
    flash_mode: str = "dio",
    flash_size: str = "4MB",
    with_eboot: bool = True,
    arduino_crc: bool = True,
    seed: int = 8266,
) -> bytes:
    """Build an ESP8266 app; with eboot it is laid out like an Arduino ``.bin``."""
    header = esp8266_header(segments, flash_mode, flash_size, entry)
    if not with_eboot:
        data = _split(_data_bytes(size, 8, segments), segments, seed)
        addresses = _ESP8266_SKETCH_ADDRESSES * 4
        return image_bytes(header, list(zip(addresses, data, strict=False)))
    eboot_header = esp8266_header(
        len(_EBOOT_SEGMENTS), flash_mode, flash_size, EBOOT_ENTRY
    )
    eboot = image_bytes(
        eboot_header,
        [
            (addr, payload(n, seed - 1 - i))
            for i, (addr, n) in enumerate(_EBOOT_SEGMENTS)
        ],
    )
    sketch_size = size - ESP8266_SKETCH_OFFSET
    data = _split(_data_bytes(sketch_size, 8, segments), segments, seed)
    addresses = _ESP8266_SKETCH_ADDRESSES * 4
    sketch = image_bytes(header, list(zip(addresses, data, strict=False)))
    out = bytearray(eboot.ljust(ESP8266_SKETCH_OFFSET, bytes([EBOOT_PADDING])))
    out += sketch
    if arduino_crc:
        out[ELF2BIN_CRC_LEN_AT : ELF2BIN_CRC_VAL_AT + 4] = bytes(8)
        crc = crc32_mpeg2(bytes(out))
        struct.pack_into("<II", out, ELF2BIN_CRC_LEN_AT, len(out), crc)
    return bytes(out)


@functools.cache
def _crc_table() -> tuple[int, ...]:
    """Return the CRC-32/MPEG-2 table (polynomial 0x04C11DB7, not reflected)."""
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x8000_0000 else crc << 1
        table.append(crc & 0xFFFF_FFFF)
    return tuple(table)


def crc32_mpeg2(data: bytes) -> int:
    """Return the CRC elf2bin stores (eboot's algorithm): init 0xFFFFFFFF, no xorout."""
    table = _crc_table()
    crc = 0xFFFF_FFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF_FFFF) ^ table[(crc >> 24) ^ byte]
    return crc


def _c_field(value: str | bytes, length: int) -> bytes:
    """Encode a C char array: text gets a NUL; raw bytes are written as given."""
    raw = value.encode() + b"\x00" if isinstance(value, str) else value
    if len(raw) > length:
        message = f"{value!r} does not fit in {length} bytes"
        raise ValueError(message)
    return raw.ljust(length, b"\x00")


def app_descriptor(
    *,
    version: str | bytes = "1.2.3",
    project_name: str | bytes = "esp_ota_demo",
    compile_time: str | bytes = "12:34:56",
    compile_date: str | bytes = "Jan  1 2026",
    idf_version: str | bytes = "v5.4.1",
    secure_version: int = 0,
    seed: int = 32,
) -> bytes:
    """Return a 256-byte ``esp_app_desc_t``; bytes arguments allow garbage."""
    out = struct.pack("<IIII", APP_DESC_MAGIC, secure_version, 0, 0)
    out += _c_field(version, 32) + _c_field(project_name, 32)
    out += _c_field(compile_time, 16) + _c_field(compile_date, 16)
    out += _c_field(idf_version, 32) + payload(32, seed)
    # efuse block revisions 0..0xFFFF, MMU page size 2^16, then reserved words.
    out += struct.pack("<HHB", 0, 0xFFFF, 16)
    return out.ljust(APP_DESC_SIZE, b"\x00")


def esp32_header(
    chip: str, segments: int, flash_mode: str, flash_size: str, *, digest: bool
) -> bytes:
    """Return the 24-byte ESP32-family header (common + extended)."""
    chip_id, _, entry = ESP32_CHIPS[chip]
    size_freq = (ESP32_FLASH_SIZES[flash_size] << 4) | FREQ_40M
    common = struct.pack(
        "<BBBBI", IMAGE_MAGIC, segments, FLASH_MODES[flash_mode], size_freq, entry
    )
    extended = struct.pack(
        "<BBBBHBHH4sB", WP_PIN_DISABLED, 0, 0, 0, chip_id, 0, 0, 99, bytes(4), digest
    )
    return common + extended


def build_esp32_app(
    *,
    chip: str = "esp32",
    version: str | bytes = "1.2.3",
    project_name: str | bytes = "esp_ota_demo",
    with_descriptor: bool = True,
    size: int = 64 * 1024,
    sha256_appended: bool = True,
    segments: int = 4,
    flash_mode: str = "dio",
    flash_size: str = "4MB",
    descriptor: bytes | None = None,
    seed: int = 32,
) -> bytes:
    """Build an ESP32-family app; ``descriptor`` replaces the generated one."""
    header = esp32_header(
        chip, segments, flash_mode, flash_size, digest=sha256_appended
    )
    image_size = size - 32 if sha256_appended else size
    data = _split(_data_bytes(image_size, 24, segments), segments, seed)
    if with_descriptor:
        desc = descriptor or app_descriptor(
            version=version, project_name=project_name, seed=seed
        )
        if len(desc) > len(data[0]):
            message = "the first segment is too small for the descriptor"
            raise ValueError(message)
        data[0] = desc + data[0][len(desc) :]
    else:
        # Make sure random data never looks like a descriptor.
        data[0] = bytes(4) + data[0][4:]
    _, first_address, _ = ESP32_CHIPS[chip]
    addresses = (first_address, *_ESP32_MORE_ADDRESSES) * 4
    image = image_bytes(header, list(zip(addresses, data, strict=False)))
    if sha256_appended:
        image += hashlib.sha256(image).digest()
    return image


def sign_esp8266(image: bytes, signature: bytes) -> bytes:
    """Append a signature and its length like esp8266/Arduino ``signing.py``."""
    return image + signature + struct.pack("<I", len(signature))


def gzip_image(data: bytes) -> bytes:
    """Compress an image like elf2bin's ``gzip_bin`` (fixed mtime: deterministic)."""
    return gzip.compress(data, mtime=0)


def littlefs_superblock(block_count: int, *, revision: int = 1) -> bytes:
    """Return the start of a LittleFS metadata block naming the filesystem."""
    name_tag = 0x0FF0_0008  # superblock, id 0, length 8
    struct_tag = 0x2010_0018  # inline struct, id 0, length 24
    return (
        struct.pack("<I", revision)
        + struct.pack(">I", name_tag ^ 0xFFFF_FFFF)
        + b"littlefs"
        + struct.pack(">I", struct_tag ^ name_tag)
        + struct.pack("<6I", 0x0002_0000, LITTLEFS_BLOCK, block_count, 255, 0, 0)
    )


def build_filesystem_image(
    size: int = 64 * 1024, kind: str = "littlefs", *, seed: int = 100
) -> bytes:
    """Build a filesystem image: erased flash (0xFF) with some content."""
    out = bytearray(b"\xff" * size)
    if kind == "littlefs":
        # Superblock in blocks 0 and 1 (the metadata pair of the root).
        for block, revision in ((0, 1), (1, 2)):
            at = block * LITTLEFS_BLOCK
            head = littlefs_superblock(size // LITTLEFS_BLOCK, revision=revision)
            if at + len(head) + 16 <= size:
                out[at : at + len(head)] = head
                out[at + len(head) : at + len(head) + 16] = payload(16, seed + block)
    elif kind == "spiffs":
        # Object index pages: an object id first, never 0xE9 by accident.
        for page in range(0, min(size, 8 * 256), 256):
            out[page : page + 256] = (
                b"\x01" + payload(255, seed + page)[: size - page - 1]
            )
    else:
        message = f"unknown filesystem kind {kind!r}"
        raise ValueError(message)
    return bytes(out[:size])


def write_demo_images(directory: Path) -> list[Path]:
    """Write demo images with sidecar release notes; return the image paths."""
    directory.mkdir(parents=True, exist_ok=True)
    images = {
        "garden-esp8266.bin": build_esp8266_app(size=256 * 1024),
        "garden-esp32.bin": build_esp32_app(version="2.0.0", size=256 * 1024),
        "garden-esp32s3.bin": build_esp32_app(chip="esp32s3", version="2.0.0"),
        "garden-esp32c3.bin": build_esp32_app(chip="esp32c3", version="2.0.0"),
        "garden-littlefs.bin": build_filesystem_image(128 * 1024),
    }
    paths = []
    for name, data in images.items():
        path = directory / name
        path.write_bytes(data)
        path.with_suffix(".md").write_text(f"# {name}\n\nDemo build.\n", "utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str]) -> int:
    """Write the demo images into the directory given as the only argument."""
    if len(argv) != 1:
        print("usage: python -m tools.esp_images DIR", file=sys.stderr)
        return 2
    for path in write_demo_images(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
