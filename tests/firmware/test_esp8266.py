"""Arduino ESP8266 images: eboot + sketch, elf2bin's CRC, signed, cut, damaged."""

from __future__ import annotations

import struct

import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    CorruptImageError,
    FirmwareError,
    TruncatedImageError,
    inspect_image,
)
from custom_components.esp_ota.firmware.esp8266 import elf2bin_crc
from tools.esp_images import (
    ELF2BIN_CRC_LEN_AT,
    build_esp8266_app,
    crc32_mpeg2,
    payload,
    sign_esp8266,
)

SIZE = 8 * 1024
CRC = build_esp8266_app(size=SIZE, segments=3)
NO_CRC = build_esp8266_app(size=SIZE, segments=3, arduino_crc=False)


def _boundaries(data: bytes) -> list[int]:
    """Return the offsets where a structure of the image starts or ends."""
    cuts = {0x1000, 0x1008, 0x1010, 0x1018, len(data) - 1, len(data) - 16}
    for start, header in ((0, 8), (0x1000, 8)):
        position = start + header
        for _ in range(data[start + 1]):
            (length,) = struct.unpack_from("<I", data, position + 4)
            cuts.update({position, position + 8, position + 8 + length})
            position += 8 + length
    return sorted(cut for cut in cuts if 0 < cut < len(data))


def test_crc_matches_the_writers_independent_crc() -> None:
    data = bytearray(CRC)
    assert (
        elf2bin_crc(memoryview(bytes(data)))
        == struct.unpack_from("<I", data, ELF2BIN_CRC_LEN_AT + 4)[0]
    )
    data[ELF2BIN_CRC_LEN_AT : ELF2BIN_CRC_LEN_AT + 8] = bytes(8)
    assert elf2bin_crc(memoryview(bytes(data))) == crc32_mpeg2(bytes(data))


@pytest.mark.parametrize("size", [8 * 1024, 200 * 1024])
def test_crc_spans_chunks_like_the_bit_loop(size: int) -> None:
    data = payload(size, size)
    assert elf2bin_crc(memoryview(data)) == crc32_mpeg2(
        data[:0x1010] + bytes(8) + data[0x1018:]
    )


@pytest.mark.parametrize("image", [CRC, NO_CRC], ids=["crc", "no-crc"])
def test_arduino_images_with_and_without_crc_are_accepted(image: bytes) -> None:
    assert inspect_image(image).chip is ChipFamily.ESP8266


@pytest.mark.parametrize("image", [CRC, NO_CRC], ids=["crc", "no-crc"])
def test_signed_images_pass(image: bytes) -> None:
    signed = sign_esp8266(image, payload(256, 9))
    assert inspect_image(signed).size == len(image) + 260


@pytest.mark.parametrize("image", [CRC, NO_CRC], ids=["crc", "no-crc"])
def test_cut_at_every_boundary_is_refused(image: bytes) -> None:
    for cut in _boundaries(image):
        with pytest.raises(FirmwareError):
            inspect_image(image[:cut])


def test_cut_at_or_before_the_sketch_is_truncated() -> None:
    for cut in (0x1000, 0x1001, 0x1007):
        with pytest.raises(TruncatedImageError, match="sketch image"):
            inspect_image(CRC[:cut])


def test_every_one_byte_flip_in_a_crc_sketch_is_refused() -> None:
    for position in range(0x1000, len(CRC)):
        damaged = bytearray(CRC)
        damaged[position] ^= 0x01
        with pytest.raises(FirmwareError):
            inspect_image(bytes(damaged))


def _sketch_data_and_checksum(data: bytes) -> list[int]:
    """Return the offsets the sketch's checksum covers, and the checksum byte."""
    covered, position = [], 0x1008
    for _ in range(data[0x1001]):
        (length,) = struct.unpack_from("<I", data, position + 4)
        covered.extend(range(position + 8, position + 8 + length))
        position += 8 + length
    return [*covered, len(data) - 1]


def test_every_one_byte_flip_a_checksum_sees_is_refused_without_crc() -> None:
    # Without elf2bin's CRC (cores before 3.0) only segment data and the
    # checksum byte are protected: flips in load addresses, the sketch's
    # header fields or the zero padding go unseen, by esptool too.
    for position in _sketch_data_and_checksum(NO_CRC):
        damaged = bytearray(NO_CRC)
        damaged[position] ^= 0x01
        with pytest.raises(FirmwareError):
            inspect_image(bytes(damaged))


def test_every_one_byte_flip_in_eboot_is_refused() -> None:
    end_of_eboot = 8 + sum(8 + n for n in (0x4E0, 0x20)) + 16
    for position in [*range(1, 8), *range(8, end_of_eboot, 7)]:
        damaged = bytearray(CRC)
        damaged[position] ^= 0x01
        with pytest.raises(FirmwareError):
            inspect_image(bytes(damaged))


def test_damaged_sketch_magic_is_corrupt() -> None:
    damaged = bytearray(NO_CRC)
    damaged[0x1000] = 0xEA
    with pytest.raises(CorruptImageError, match="0x1000 starts with 0xEA"):
        inspect_image(bytes(damaged))


def test_sketch_entry_outside_iram_is_corrupt() -> None:
    damaged = bytearray(NO_CRC)
    struct.pack_into("<I", damaged, 0x1004, 0x4020_0000)
    with pytest.raises(CorruptImageError, match="not in IRAM"):
        inspect_image(bytes(damaged))


def test_eboot_entry_moved_below_eboot_is_corrupt() -> None:
    # The 0xAA padding and the sketch at 0x1000 still mark an Arduino .bin.
    damaged = bytearray(NO_CRC)
    struct.pack_into("<I", damaged, 4, 0x4010_0004)
    with pytest.raises(CorruptImageError, match="eboot"):
        inspect_image(bytes(damaged))


def test_crc_mismatch_is_corrupt() -> None:
    damaged = bytearray(CRC)
    damaged[ELF2BIN_CRC_LEN_AT + 4] ^= 0xFF
    with pytest.raises(CorruptImageError, match="CRC"):
        inspect_image(bytes(damaged))


def test_plain_image_without_eboot_needs_no_sketch() -> None:
    plain = build_esp8266_app(size=4096, with_eboot=False)
    assert inspect_image(plain).segments == 4
