"""Fit checks: target, chip and free space, with unknowns never blocking."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    FitError,
    ImageKind,
    TooLargeError,
    WrongChipError,
    WrongTargetError,
    check_fit,
    inspect_image,
)
from tools.esp_images import build_esp32_app, build_esp8266_app, build_filesystem_image

ESP32_APP = inspect_image(build_esp32_app(size=64 * 1024))
ESP32S3_APP = inspect_image(build_esp32_app(chip="esp32s3"))
ESP8266_APP = inspect_image(build_esp8266_app())
FILESYSTEM = inspect_image(build_filesystem_image(), expect=ImageKind.FILESYSTEM)


def test_matching_app_passes() -> None:
    check_fit(
        ESP32_APP,
        board_family=ChipFamily.ESP32,
        free_space=1024 * 1024,
        target=ImageKind.APP,
    )


def test_esp8266_image_for_an_esp32_board_is_the_wrong_chip() -> None:
    with pytest.raises(WrongChipError) as err:
        check_fit(
            ESP8266_APP,
            board_family=ChipFamily.ESP32,
            free_space=None,
            target=ImageKind.APP,
        )
    assert err.value.key == "wrong_chip"
    assert err.value.image_chip is ChipFamily.ESP8266
    assert err.value.board_chip is ChipFamily.ESP32
    assert "ESP8266" in str(err.value)


def test_esp32s3_image_for_an_esp32_board_is_the_wrong_chip() -> None:
    with pytest.raises(WrongChipError, match="ESP32-S3"):
        check_fit(
            ESP32S3_APP,
            board_family=ChipFamily.ESP32,
            free_space=None,
            target=ImageKind.APP,
        )


def test_unknown_board_family_does_not_block() -> None:
    check_fit(ESP8266_APP, board_family=None, free_space=None, target=ImageKind.APP)


def test_image_larger_than_free_space_is_refused() -> None:
    with pytest.raises(TooLargeError) as err:
        check_fit(
            ESP32_APP,
            board_family=ChipFamily.ESP32,
            free_space=ESP32_APP.size - 1,
            target=ImageKind.APP,
        )
    assert err.value.key == "too_large"
    assert (err.value.size, err.value.free) == (ESP32_APP.size, ESP32_APP.size - 1)


def test_size_is_rounded_up_to_whole_flash_sectors() -> None:
    image = inspect_image(build_esp32_app(size=4096 + 16))
    with pytest.raises(TooLargeError):
        check_fit(image, board_family=None, free_space=4096 + 16, target=ImageKind.APP)
    check_fit(image, board_family=None, free_space=8192, target=ImageKind.APP)


def test_unknown_free_space_does_not_block() -> None:
    check_fit(
        ESP32_APP, board_family=ChipFamily.ESP32, free_space=None, target=ImageKind.APP
    )


def test_app_image_for_the_filesystem_target_is_refused() -> None:
    with pytest.raises(WrongTargetError) as err:
        check_fit(
            ESP32_APP, board_family=None, free_space=None, target=ImageKind.FILESYSTEM
        )
    assert err.value.key == "wrong_target"
    assert "app image" in str(err.value)


def test_filesystem_image_for_the_app_target_is_refused() -> None:
    with pytest.raises(WrongTargetError):
        check_fit(FILESYSTEM, board_family=None, free_space=None, target=ImageKind.APP)


def test_filesystem_image_fits_any_chip() -> None:
    check_fit(
        FILESYSTEM,
        board_family=ChipFamily.ESP8266,
        free_space=FILESYSTEM.size,
        target=ImageKind.FILESYSTEM,
    )


def test_fit_errors_share_one_base() -> None:
    assert issubclass(WrongChipError, FitError)
    assert issubclass(TooLargeError, FitError)
    assert issubclass(WrongTargetError, FitError)
