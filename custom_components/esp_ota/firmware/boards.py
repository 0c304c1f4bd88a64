"""Which chip a board has, from the ``board`` value of its mDNS TXT record.

What the cores announce (``MDNS.enableArduino``):

- ESP8266 core >= 3.1: ``board=ARDUINO_BOARD_ID``, the ``boards.txt`` id
  (``nodemcuv2``, ``d1_mini``; esp8266/Arduino f946290ea993db029a90010927cdc1d645c91940
  ``libraries/ESP8266mDNS/src/LEAmDNS.cpp`` and ``platform.txt``). Older cores
  announce ``ARDUINO_BOARD``, the ``build.board`` (``ESP8266_NODEMCU``);
  PlatformIO builds define it as ``PLATFORMIO_<BOARD ID>``.
- ESP32 core: ``board=ARDUINO_VARIANT``, the ``build.variant`` (``esp32``,
  ``esp32s3``, ``lolin_c3_mini``...), under PlatformIO too
  (espressif/arduino-esp32 0f17f7d5698c49f2580cade49b8960b8f32c76bd
  ``libraries/ESPmDNS/src/ESPmDNS.cpp``, ``enableArduino``).

The ids come from ``board_ids`` (generated from board-ids.tsv, which lists the
upstream board definitions), plus a few names people type in by hand and
ESP32 ``build.board`` names below. Lookup is case-insensitive and ignores a
``PLATFORMIO_`` prefix. Every ESP8266 core ``build.board`` starts with
``ESP8266_``, so that prefix alone means ESP8266. Anything else is unknown:
``family_for_board`` returns None, logs the id once (per process), and the
fit check does not judge the chip, rather than guess.
"""

from __future__ import annotations

import logging
from typing import Final

from .board_ids import BOARD_IDS
from .chips import ChipFamily

_LOGGER = logging.getLogger(__name__)

_PLATFORMIO_PREFIX: Final = "platformio_"
_ESP8266_CORE_PREFIX: Final = "esp8266_"

_ESP8266_BOARDS: Final = (
    # ESP8266 core build.board values without the ESP8266_ prefix.
    "wifinfo",
    "mod_wifi_esp8266",
    # Generic names and PlatformIO board ids.
    "esp8266",
    "esp8285",
    "generic",
    "nodemcu",
    "nodemcuv2",
    "d1",
    "d1_mini",
    "d1_mini_lite",
    "d1_mini_pro",
    "esp01",
    "esp01_1m",
    "esp07",
    "esp07s",
    "esp12e",
    "esp_wroom_02",
    "huzzah",
    "heltec_wifi_kit_8",
    "sonoff_basic",
    "sonoff_s20",
    "sonoff_sv",
    "sonoff_th",
    "thing",
    "thingdev",
    "wio_link",
    "wio_node",
    "oak",
    "espduino",
    "espino",
    "espresso_lite_v1",
    "espresso_lite_v2",
    "phoenix_v1",
    "phoenix_v2",
    "gen4iod",
    "modwifi",
)

_ESP32_FAMILY_BOARDS: Final[dict[ChipFamily, tuple[str, ...]]] = {
    ChipFamily.ESP32: (
        "esp32",
        "esp32_dev",
        "esp32dev",
        "esp32doit-devkit-v1",
        "nodemcu-32s",
        "lolin32",
        "lolin32_lite",
        "lolin_d32",
        "lolin_d32_pro",
        "d1_mini32",
        "wemos_d1_mini32",
        "m5stack-core-esp32",
        "m5stack_core_esp32",
        "heltec_wifi_kit_32",
        "ttgo-t-beam",
        "esp32cam",
        "esp32-poe",
        "esp32-evb",
    ),
    ChipFamily.ESP32S2: (
        "esp32s2",
        "esp32s2_dev",
        "esp32-s2-saola-1",
        "esp32-s2-kaluga-1",
        "lolin_s2_mini",
        "adafruit_feather_esp32s2",
    ),
    ChipFamily.ESP32S3: (
        "esp32s3",
        "esp32s3_dev",
        "esp32-s3-devkitc-1",
        "esp32-s3-devkitm-1",
        "lolin_s3",
        "lolin_s3_mini",
        "xiao_esp32s3",
        "seeed_xiao_esp32s3",
        "m5stack-atoms3",
        "adafruit_feather_esp32s3",
        "esp32s3usbotg",
        "esp32s3box",
    ),
    ChipFamily.ESP32C2: ("esp32c2", "esp32c2_dev", "esp32-c2-devkitm-1"),
    ChipFamily.ESP32C3: (
        "esp32c3",
        "esp32c3_dev",
        "esp32-c3-devkitm-1",
        "esp32-c3-devkitc-02",
        "lolin_c3_mini",
        "xiao_esp32c3",
        "seeed_xiao_esp32c3",
        "adafruit_qtpy_esp32c3",
    ),
    ChipFamily.ESP32C5: ("esp32c5", "esp32c5_dev"),
    ChipFamily.ESP32C6: (
        "esp32c6",
        "esp32c6_dev",
        "esp32-c6-devkitc-1",
        "esp32-c6-devkitm-1",
        "xiao_esp32c6",
        "seeed_xiao_esp32c6",
    ),
    ChipFamily.ESP32C61: ("esp32c61", "esp32c61_dev"),
    ChipFamily.ESP32H2: ("esp32h2", "esp32h2_dev", "esp32-h2-devkitm-1"),
    ChipFamily.ESP32P4: ("esp32p4", "esp32p4_dev"),
}

MANUAL_FAMILIES: Final[dict[str, ChipFamily]] = {
    **dict.fromkeys(_ESP8266_BOARDS, ChipFamily.ESP8266),
    **{
        board: family
        for family, boards in _ESP32_FAMILY_BOARDS.items()
        for board in boards
    },
}
"""Hand-kept ids (a test checks they agree with the generated table)."""

GENERATED_FAMILIES: Final[dict[str, ChipFamily]] = {
    board: ChipFamily(chip)
    for chip, boards in BOARD_IDS.items()
    for board in boards.split()
}

BOARD_FAMILIES: Final[dict[str, ChipFamily]] = {
    **MANUAL_FAMILIES,
    **GENERATED_FAMILIES,
}
"""Lower-case board id -> chip family."""

_logged_unknown: set[str] = set()


def family_for_board(board_id: str | None) -> ChipFamily | None:
    """Return the board's chip family, or None when the id is missing or unknown."""
    if board_id is None:
        return None
    key = board_id.strip().casefold().removeprefix(_PLATFORMIO_PREFIX)
    if not key:
        return None
    if (family := BOARD_FAMILIES.get(key)) is not None:
        return family
    if key.startswith(_ESP8266_CORE_PREFIX):
        return ChipFamily.ESP8266
    if key not in _logged_unknown:
        _logged_unknown.add(key)
        _LOGGER.info(
            "Board id %r is unknown: the chip of images for it is not checked",
            board_id,
        )
    return None
