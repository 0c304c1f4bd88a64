"""Bootloaders, factory images and partition tables are no OTA app (either target)."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.firmware import (
    BootloaderImageError,
    FactoryImageError,
    ImageKind,
    MissingDescriptorError,
    PartitionTableError,
    inspect_image,
)
from tools.esp_images import ESP32_CHIPS, build_esp32_app
from tools.esp_layouts import (
    build_esp32_bootloader,
    build_factory_image,
    build_partition_table,
)

TARGETS = [ImageKind.APP, ImageKind.FILESYSTEM]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("chip", ESP32_CHIPS)
def test_bootloader_is_refused_as_a_bootloader(chip: str, target: ImageKind) -> None:
    with pytest.raises(BootloaderImageError, match="bootloader, not an app") as err:
        inspect_image(build_esp32_bootloader(chip=chip), expect=target)
    assert err.value.key == "bootloader_image"


def test_bootloader_with_its_idf_descriptor_is_a_bootloader() -> None:
    data = build_esp32_bootloader(chip="esp32s3", bootloader_desc=True)
    with pytest.raises(BootloaderImageError):
        inspect_image(data)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("chip", ESP32_CHIPS)
def test_factory_image_is_refused_with_what_to_upload(
    chip: str, target: ImageKind
) -> None:
    with pytest.raises(FactoryImageError, match=r"firmware\.bin") as err:
        inspect_image(build_factory_image(chip=chip), expect=target)
    assert err.value.key == "factory_image"


def test_factory_image_is_recognised_before_its_bootloader() -> None:
    # ESP32-S3 factory images start with the bootloader itself at 0x0.
    data = build_factory_image(chip="esp32s3")
    assert data[0] == 0xE9
    with pytest.raises(FactoryImageError):
        inspect_image(data)


@pytest.mark.parametrize("target", TARGETS)
def test_partition_table_is_refused(target: ImageKind) -> None:
    with pytest.raises(PartitionTableError) as err:
        inspect_image(build_partition_table(), expect=target)
    assert err.value.key == "partition_table"


def test_app_without_descriptor_that_maps_flash_is_not_called_a_bootloader() -> None:
    with pytest.raises(MissingDescriptorError, match="no app descriptor"):
        inspect_image(build_esp32_app(chip="esp32c6", with_descriptor=False))


def test_partition_magic_with_an_unaligned_offset_is_no_table() -> None:
    table = bytearray(build_partition_table())
    table[4] = 0x01  # first entry's offset no longer on a 4 KiB sector
    with pytest.raises(Exception, match="not an ESP8266/ESP32 app") as err:
        inspect_image(bytes(table))
    assert err.value.key == "not_an_esp_image"  # type: ignore[attr-defined]
