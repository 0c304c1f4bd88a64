"""Constants for the esp_ota integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "esp_ota"

CONF_BOARD: Final = "board"
