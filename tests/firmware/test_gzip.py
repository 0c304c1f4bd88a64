"""gzip images: inflated with a bound, ESP8266 only, sent as they are."""

from __future__ import annotations

import gzip
import hashlib
import tracemalloc
import zlib

import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    CompressedFilesystemError,
    CompressedImageError,
    CorruptImageError,
    DecompressedTooLargeError,
    FactoryImageError,
    ImageKind,
    NotAnEspImageError,
    check_image,
    inspect_image,
)
from custom_components.esp_ota.firmware.gzipped import MAX_INFLATED, inflate
from tools.esp_images import (
    build_esp32_app,
    build_esp8266_app,
    gzip_image,
    sign_esp8266,
)
from tools.esp_layouts import build_factory_image

PLAIN = build_esp8266_app(size=64 * 1024)
PACKED = gzip_image(PLAIN)


def test_esp8266_gzip_is_accepted_with_the_inner_images_facts() -> None:
    image = inspect_image(PACKED)
    inner = inspect_image(PLAIN)
    assert image.compressed
    assert image.chip is ChipFamily.ESP8266
    assert image.segments == inner.segments
    assert image.flash_size == inner.flash_size


def test_size_and_hashes_are_the_compressed_bytes_that_are_sent() -> None:
    image = inspect_image(PACKED)
    assert image.size == len(PACKED)
    assert image.sha256 == hashlib.sha256(PACKED).hexdigest()


def test_gzip_for_an_esp8266_board_passes_the_check() -> None:
    image = check_image(PACKED, target=ImageKind.APP, board_family=ChipFamily.ESP8266)
    assert image.compressed


@pytest.mark.parametrize("board", [ChipFamily.ESP32, ChipFamily.ESP32C3])
def test_gzip_for_an_esp32_family_board_is_refused(board: ChipFamily) -> None:
    with pytest.raises(CompressedImageError, match="ESP32-family boards"):
        check_image(PACKED, target=ImageKind.APP, board_family=board)


def test_gzip_of_an_esp32_image_is_refused() -> None:
    with pytest.raises(CompressedImageError) as err:
        inspect_image(gzip_image(build_esp32_app()))
    assert err.value.key == "compressed_image"


def test_gzip_for_the_filesystem_target_is_refused() -> None:
    with pytest.raises(CompressedFilesystemError) as err:
        inspect_image(PACKED, expect=ImageKind.FILESYSTEM)
    assert err.value.key == "compressed_filesystem"


def test_gzip_of_a_damaged_image_is_refused_like_the_image() -> None:
    damaged = bytearray(PLAIN)
    damaged[0x2000] ^= 0x10
    with pytest.raises(CorruptImageError, match="CRC"):
        inspect_image(gzip_image(bytes(damaged)))


def test_gzip_of_a_signed_image_is_accepted() -> None:
    assert inspect_image(gzip_image(sign_esp8266(PLAIN, b"s" * 256))).compressed


def test_gzip_of_a_factory_image_or_of_text_is_refused() -> None:
    with pytest.raises(FactoryImageError):
        inspect_image(gzip_image(build_factory_image()))
    with pytest.raises(NotAnEspImageError, match="does not hold"):
        inspect_image(gzip_image(b"hello"))
    with pytest.raises(NotAnEspImageError, match="does not hold"):
        inspect_image(gzip_image(b""))


def test_gzip_for_a_board_of_unknown_chip_is_judged_by_its_inner_image() -> None:
    image = check_image(PACKED, target=ImageKind.APP, board_family=None)
    assert image.chip is ChipFamily.ESP8266


@pytest.mark.parametrize("cut", [10, 100, len(PACKED) // 2, len(PACKED) - 9])
def test_cut_gzip_is_corrupt(cut: int) -> None:
    with pytest.raises(CorruptImageError, match="gzip"):
        inspect_image(PACKED[:cut])


def test_damaged_gzip_trailer_is_corrupt() -> None:
    damaged = bytearray(PACKED)
    damaged[-8] ^= 0xFF  # the CRC-32 of the inflated data
    with pytest.raises(CorruptImageError, match="gzip"):
        inspect_image(bytes(damaged))


def test_bytes_after_the_gzip_member_are_ignored_like_eboot_does() -> None:
    assert inspect_image(PACKED + b"\x00" * 64).compressed


def test_bomb_is_refused_without_inflating_it() -> None:
    # 64 MiB of zeros packs into ~64 KiB; only MAX_INFLATED + 1 bytes are made.
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9, mtime=0)
    tracemalloc.start()
    try:
        with pytest.raises(DecompressedTooLargeError) as err:
            inspect_image(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_INFLATED + 4 * 1024 * 1024
    assert err.value.key == "decompressed_too_large"
    assert err.value.limit == MAX_INFLATED


def test_inflate_stops_at_its_limit() -> None:
    packed = gzip.compress(bytes(10_000), mtime=0)
    with pytest.raises(DecompressedTooLargeError):
        inflate(memoryview(packed), limit=9_999)
    assert len(inflate(memoryview(packed), limit=10_000)) == 10_000


def test_raw_deflate_with_a_gzip_magic_is_corrupt() -> None:
    fake = b"\x1f\x8b" + zlib.compress(PLAIN)[2:]
    with pytest.raises(CorruptImageError, match="gzip"):
        inspect_image(fake)
