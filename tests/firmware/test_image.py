"""App and filesystem image recognition, hashes and structural errors."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    CompressedImageError,
    CorruptImageError,
    EmptyImageError,
    FilesystemFormat,
    FlashMode,
    ImageKind,
    NotAFilesystemError,
    NotAnEspImageError,
    TruncatedImageError,
    inspect_file,
    inspect_image,
)
from custom_components.esp_ota.firmware.image import xor_bytes
from tools.esp_images import (
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    esp8266_header,
    image_bytes,
)

CHIPS = {
    "esp32": ChipFamily.ESP32,
    "esp32s2": ChipFamily.ESP32S2,
    "esp32s3": ChipFamily.ESP32S3,
    "esp32c2": ChipFamily.ESP32C2,
    "esp32c3": ChipFamily.ESP32C3,
    "esp32c5": ChipFamily.ESP32C5,
    "esp32c6": ChipFamily.ESP32C6,
    "esp32c61": ChipFamily.ESP32C61,
    "esp32h2": ChipFamily.ESP32H2,
    "esp32p4": ChipFamily.ESP32P4,
}


@pytest.mark.parametrize(("chip", "family"), CHIPS.items())
def test_esp32_family_chip_is_read_from_the_extended_header(
    chip: str, family: ChipFamily
) -> None:
    image = inspect_image(build_esp32_app(chip=chip))
    assert image.kind is ImageKind.APP
    assert image.chip is family


def test_arduino_esp8266_bin_with_eboot_is_an_esp8266_app() -> None:
    data = build_esp8266_app(size=64 * 1024, flash_mode="dout", flash_size="1MB")
    image = inspect_image(data)
    assert image.chip is ChipFamily.ESP8266
    assert image.segments == 2  # eboot's header is the first one
    assert image.flash_mode is FlashMode.DOUT
    assert image.flash_size == 1024 * 1024
    assert image.descriptor is None


def test_plain_esp8266_image_reports_its_segment_count() -> None:
    image = inspect_image(build_esp8266_app(with_eboot=False, segments=5))
    assert image.chip is ChipFamily.ESP8266
    assert image.segments == 5


def test_size_and_hashes_cover_the_whole_file() -> None:
    data = build_esp32_app(size=32 * 1024)
    image = inspect_image(data)
    assert image.size == len(data)
    assert image.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert image.sha256 == hashlib.sha256(data).hexdigest()


def test_esp32_flash_mode_and_size_are_decoded() -> None:
    image = inspect_image(build_esp32_app(flash_mode="qio", flash_size="16MB"))
    assert image.flash_mode is FlashMode.QIO
    assert image.flash_size == 16 * 1024 * 1024


def test_appended_sha256_flag_is_reported() -> None:
    assert inspect_image(build_esp32_app(sha256_appended=True)).sha256_appended
    assert not inspect_image(build_esp32_app(sha256_appended=False)).sha256_appended


def test_bytes_after_the_image_are_allowed() -> None:
    data = build_esp32_app() + b"\x00" * 4096  # e.g. a signature block
    assert inspect_image(data).chip is ChipFamily.ESP32


def test_bytearray_and_memoryview_inputs_are_accepted() -> None:
    data = build_esp32_app()
    assert inspect_image(bytearray(data)).sha256 == inspect_image(data).sha256
    assert inspect_image(memoryview(data)).sha256 == inspect_image(data).sha256


def test_empty_image_is_refused() -> None:
    with pytest.raises(EmptyImageError) as err:
        inspect_image(b"")
    assert err.value.key == "empty_image"


def test_data_without_magic_is_not_an_esp_image() -> None:
    with pytest.raises(NotAnEspImageError, match="filesystem target") as err:
        inspect_image(b"PK\x03\x04 a zip file")
    assert err.value.key == "not_an_esp_image"


def test_gzip_compressed_esp32_image_gets_its_own_error() -> None:
    with pytest.raises(CompressedImageError) as err:
        inspect_image(gzip.compress(build_esp32_app()))
    assert err.value.key == "compressed_image"


def test_short_header_is_truncated() -> None:
    with pytest.raises(TruncatedImageError) as err:
        inspect_image(b"\xe9\x01\x02")
    assert err.value.key == "truncated_image"


def test_esp32_extended_header_cut_short_is_truncated() -> None:
    with pytest.raises(TruncatedImageError, match="extended header"):
        inspect_image(build_esp32_app()[:20])


@pytest.mark.parametrize("cut", [30, 1000, 40000])
def test_image_cut_inside_its_segments_is_truncated(cut: int) -> None:
    with pytest.raises(TruncatedImageError):
        inspect_image(build_esp32_app(size=64 * 1024)[:cut])


def test_missing_checksum_byte_is_truncated() -> None:
    data = build_esp32_app(sha256_appended=False)
    with pytest.raises(TruncatedImageError, match="checksum"):
        inspect_image(data[:-1])


def test_missing_appended_digest_is_truncated() -> None:
    with pytest.raises(TruncatedImageError, match="SHA-256"):
        inspect_image(build_esp32_app(sha256_appended=True)[:-5])


def test_sketch_cut_after_eboot_is_truncated() -> None:
    data = build_esp8266_app(size=64 * 1024)
    with pytest.raises(TruncatedImageError):
        inspect_image(data[:0x1004])
    with pytest.raises(TruncatedImageError):
        inspect_image(data[:-100])


def test_flipped_segment_byte_breaks_the_checksum() -> None:
    data = bytearray(build_esp32_app(sha256_appended=False))
    data[5000] ^= 0x01
    with pytest.raises(CorruptImageError, match="checksum") as err:
        inspect_image(bytes(data))
    assert err.value.key == "corrupt_image"


def test_flipped_esp8266_eboot_byte_breaks_the_checksum() -> None:
    data = bytearray(build_esp8266_app())
    data[100] ^= 0x80
    with pytest.raises(CorruptImageError):
        inspect_image(bytes(data))


def test_wrong_appended_digest_is_corrupt() -> None:
    data = bytearray(build_esp32_app(sha256_appended=True))
    data[-1] ^= 0xFF
    with pytest.raises(CorruptImageError, match="digest"):
        inspect_image(bytes(data))


@pytest.mark.parametrize("count", [0, 17, 255])
def test_impossible_segment_count_is_not_an_esp_image(count: int) -> None:
    data = bytearray(build_esp32_app())
    data[1] = count
    with pytest.raises(NotAnEspImageError, match="segments"):
        inspect_image(bytes(data))


def test_bad_append_digest_flag_is_not_an_esp_image() -> None:
    data = bytearray(build_esp32_app())
    data[23] = 7
    with pytest.raises(NotAnEspImageError, match="extended header"):
        inspect_image(bytes(data))


def test_unknown_chip_id_is_not_an_esp_image() -> None:
    data = bytearray(build_esp32_app())
    struct.pack_into("<H", data, 12, 0x7777)
    with pytest.raises(NotAnEspImageError, match="chip id 30583"):
        inspect_image(bytes(data))


def test_littlefs_image_is_a_filesystem_when_expected() -> None:
    image = inspect_image(build_filesystem_image(), expect=ImageKind.FILESYSTEM)
    assert image.kind is ImageKind.FILESYSTEM
    assert image.filesystem is FilesystemFormat.LITTLEFS
    assert image.chip is None
    assert image.segments == 0


def test_spiffs_image_is_an_unknown_filesystem_when_expected() -> None:
    data = build_filesystem_image(kind="spiffs")
    image = inspect_image(data, expect=ImageKind.FILESYSTEM)
    assert image.filesystem is FilesystemFormat.UNKNOWN


def test_filesystem_image_without_expectation_is_refused() -> None:
    with pytest.raises(NotAnEspImageError):
        inspect_image(build_filesystem_image())


def test_filesystem_image_expected_as_app_is_refused() -> None:
    with pytest.raises(NotAnEspImageError):
        inspect_image(build_filesystem_image(), expect=ImageKind.APP)


def test_app_image_offered_as_filesystem_is_still_reported_as_app() -> None:
    image = inspect_image(build_esp32_app(), expect=ImageKind.FILESYSTEM)
    assert image.kind is ImageKind.APP


def test_filesystem_starting_with_e9_is_refused_as_a_damaged_app() -> None:
    # SPIFFS has no magic: a first byte 0xE9 is read as an app image, which
    # the filesystem target refuses (a documented trade-off).
    data = b"\xe9" + build_filesystem_image(kind="spiffs")[1:]
    with pytest.raises(NotAFilesystemError, match="damaged app image"):
        inspect_image(data, expect=ImageKind.FILESYSTEM)


def test_littlefs_whose_revision_starts_with_e9_stays_a_filesystem() -> None:
    data = b"\xe9" + build_filesystem_image()[1:]
    image = inspect_image(data, expect=ImageKind.FILESYSTEM)
    assert image.filesystem is FilesystemFormat.LITTLEFS


def test_inspect_file_matches_inspect_image(tmp_path: Path) -> None:
    data = build_esp32_app(chip="esp32s3", size=128 * 1024)
    path = tmp_path / "fw.bin"
    path.write_bytes(data)
    assert inspect_file(path) == inspect_image(data)


def test_inspect_file_of_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    with pytest.raises(EmptyImageError):
        inspect_file(path)


def test_inspect_file_raises_the_parser_error_for_a_bad_file(tmp_path: Path) -> None:
    # The mapping must close cleanly although the parser raised mid-way.
    path = tmp_path / "cut.bin"
    path.write_bytes(build_esp32_app()[:5000])
    with pytest.raises(TruncatedImageError):
        inspect_file(path)


def test_inspect_file_accepts_a_filesystem(tmp_path: Path) -> None:
    path = tmp_path / "fs.bin"
    path.write_bytes(build_filesystem_image())
    assert inspect_file(path, expect=ImageKind.FILESYSTEM).kind is ImageKind.FILESYSTEM


def test_checksum_is_not_checked_on_the_arduino_sketch_image() -> None:
    # elf2bin writes its CRC into the sketch after computing the checksum.
    data = build_esp8266_app(arduino_crc=True)
    assert inspect_image(data).chip is ChipFamily.ESP8266


def test_sketch_image_with_impossible_segment_count_is_refused() -> None:
    data = bytearray(build_esp8266_app())
    data[0x1001] = 0
    with pytest.raises(NotAnEspImageError):
        inspect_image(bytes(data))


def test_unknown_flash_mode_and_size_codes_are_none() -> None:
    header = esp8266_header(1, "dio", "4MB", 0x4010_0000)
    header = header[:2] + bytes([9, 0x70]) + header[4:]
    image = inspect_image(image_bytes(header, [(0x4010_0000, b"\x01\x02\x03\x04")]))
    assert image.flash_mode is None
    assert image.flash_size is None


@given(st.binary(max_size=4096))
def test_xor_bytes_equals_a_plain_byte_loop(data: bytes) -> None:
    expected = 0
    for byte in data:
        expected ^= byte
    assert xor_bytes(data) == expected


def test_xor_bytes_spans_several_chunks() -> None:
    data = bytes(range(256)) * 1000 + b"\x5a"  # 256001 bytes, 4 chunks
    assert xor_bytes(data) == 0x5A
