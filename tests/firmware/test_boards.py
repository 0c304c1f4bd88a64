"""Board ids from mDNS TXT records mapped to chip families."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.firmware import ChipFamily, family_for_board
from custom_components.esp_ota.firmware.boards import BOARD_FAMILIES


@pytest.mark.parametrize(
    ("board", "family"),
    [
        ("ESP8266_GENERIC", ChipFamily.ESP8266),
        ("ESP8266_NODEMCU_ESP12E", ChipFamily.ESP8266),
        ("ESP8266_WEMOS_D1MINI", ChipFamily.ESP8266),
        ("ESP8266_ESP01", ChipFamily.ESP8266),
        ("PLATFORMIO_D1_MINI", ChipFamily.ESP8266),
        ("PLATFORMIO_NODEMCUV2", ChipFamily.ESP8266),
        ("nodemcuv2", ChipFamily.ESP8266),
        ("d1_mini", ChipFamily.ESP8266),
        ("esp32", ChipFamily.ESP32),
        ("ESP32_DEV", ChipFamily.ESP32),
        ("esp32dev", ChipFamily.ESP32),
        ("esp32s3", ChipFamily.ESP32S3),
        ("esp32-s3-devkitc-1", ChipFamily.ESP32S3),
        ("lolin_c3_mini", ChipFamily.ESP32C3),
        ("esp32c6", ChipFamily.ESP32C6),
        ("esp32h2", ChipFamily.ESP32H2),
    ],
)
def test_known_board_ids_map_to_their_family(board: str, family: ChipFamily) -> None:
    assert family_for_board(board) is family


def test_lookup_ignores_case_and_surrounding_spaces() -> None:
    assert family_for_board("  LOLIN_C3_MINI ") is ChipFamily.ESP32C3


@pytest.mark.parametrize("board", ["ARDUINO_AVR_PRO", "my-board", "rp2040", "esp"])
def test_unknown_board_ids_are_unknown(board: str) -> None:
    assert family_for_board(board) is None


@pytest.mark.parametrize("board", [None, "", "   ", "PLATFORMIO_"])
def test_missing_board_id_is_unknown(board: str | None) -> None:
    assert family_for_board(board) is None


def test_table_keys_are_lower_case_so_lookup_can_find_them() -> None:
    assert all(key == key.casefold().strip() for key in BOARD_FAMILIES)


@pytest.mark.parametrize(
    ("family", "label"),
    [
        (ChipFamily.ESP8266, "ESP8266"),
        (ChipFamily.ESP32, "ESP32"),
        (ChipFamily.ESP32S3, "ESP32-S3"),
        (ChipFamily.ESP32C61, "ESP32-C61"),
    ],
)
def test_chip_labels_read_like_espressif_names(family: ChipFamily, label: str) -> None:
    assert family.label == label
