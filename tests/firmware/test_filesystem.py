"""The filesystem target: LittleFS, SPIFFS by exclusion, and what it refuses."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.firmware import (
    BlankImageError,
    ChipFamily,
    EmptyImageError,
    FilesystemFormat,
    FirmwareError,
    ImageKind,
    NotAFilesystemError,
    TruncatedImageError,
    WrongTargetError,
    check_image,
    inspect_image,
)
from tools.esp_images import (
    LITTLEFS_BLOCK,
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    littlefs_superblock,
)

FS = ImageKind.FILESYSTEM


@pytest.mark.parametrize("size", [8 * 1024, 64 * 1024, 1024 * 1024])
def test_littlefs_of_any_size_is_accepted(size: int) -> None:
    image = inspect_image(build_filesystem_image(size), expect=FS)
    assert image.filesystem is FilesystemFormat.LITTLEFS


def test_spiffs_is_accepted_by_exclusion() -> None:
    image = inspect_image(build_filesystem_image(kind="spiffs"), expect=FS)
    assert image.filesystem is FilesystemFormat.UNKNOWN


def test_littlefs_cut_short_of_its_block_count_is_truncated() -> None:
    data = build_filesystem_image(64 * 1024)
    with pytest.raises(TruncatedImageError, match="LittleFS"):
        inspect_image(data[: 60 * 1024], expect=FS)


def test_littlefs_without_a_readable_superblock_struct_is_still_littlefs() -> None:
    data = bytearray(build_filesystem_image(16 * 1024))
    data[16] ^= 0xFF  # the inline-struct tag
    image = inspect_image(bytes(data[: 12 * 1024]), expect=FS)
    assert image.filesystem is FilesystemFormat.LITTLEFS


def test_tiny_littlefs_header_is_accepted_without_a_size_check() -> None:
    head = littlefs_superblock(4)[:20]
    assert inspect_image(head, expect=FS).filesystem is FilesystemFormat.LITTLEFS


@pytest.mark.parametrize(
    "app",
    [build_esp32_app(), build_esp8266_app(), build_esp32_app(chip="esp32c3")],
    ids=["esp32", "esp8266", "esp32c3"],
)
def test_complete_apps_are_the_wrong_target(app: bytes) -> None:
    with pytest.raises(WrongTargetError):
        check_image(app, target=FS, board_family=None)


@pytest.mark.parametrize("cut", [1, 7, 100, 4096, 30000])
def test_truncated_apps_are_not_a_filesystem(cut: int) -> None:
    with pytest.raises(NotAFilesystemError, match="damaged app"):
        inspect_image(build_esp32_app()[:cut], expect=FS)


def test_damaged_app_is_not_a_filesystem() -> None:
    data = bytearray(build_esp8266_app())
    data[0x3000] ^= 0x04
    with pytest.raises(NotAFilesystemError) as err:
        inspect_image(bytes(data), expect=FS)
    assert err.value.key == "not_a_filesystem"


@pytest.mark.parametrize("value", [0xFF, 0x00])
@pytest.mark.parametrize("size", [1, 4096, 3 * LITTLEFS_BLOCK + 5])
def test_blank_files_are_refused(value: int, size: int) -> None:
    with pytest.raises(BlankImageError) as err:
        inspect_image(bytes([value]) * size, expect=FS)
    assert err.value.key == "blank_image"


def test_erased_flash_with_one_byte_set_is_not_blank() -> None:
    data = bytearray(b"\xff" * 3 * LITTLEFS_BLOCK)
    data[-1] = 0x01
    assert inspect_image(bytes(data), expect=FS).filesystem is FilesystemFormat.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [b"# config\nwifi: on\n" * 40, "Grüße\tfrom the garden\r\n".encode() * 10],
)
def test_text_is_not_a_filesystem(text: bytes) -> None:
    with pytest.raises(NotAFilesystemError, match="text file"):
        inspect_image(text, expect=FS)


def test_empty_file_is_refused() -> None:
    with pytest.raises(EmptyImageError):
        inspect_image(b"", expect=FS)


def test_filesystem_fits_any_chip() -> None:
    data = build_filesystem_image()
    for board in (ChipFamily.ESP8266, ChipFamily.ESP32S3, None):
        assert check_image(data, target=FS, board_family=board).chip is None


def test_every_refusal_is_a_firmware_error() -> None:
    for data in (b"\xff" * 10, b"text", build_esp32_app()[:50]):
        with pytest.raises(FirmwareError):
            inspect_image(data, expect=FS)
