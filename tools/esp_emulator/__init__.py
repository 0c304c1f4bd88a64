"""Emulated ArduinoOTA boards (ESP8266 and ESP32) for tests, benchmarks and demos.

Developer tooling, not shipped to users; it never imports the integration.
"""

from __future__ import annotations

from .board import BoardEmulator
from .config import (
    AuthVariant,
    BoardConfig,
    Core,
    EndSequence,
    Fault,
    StoredHash,
    default_free_space,
    default_port,
)
from .image import (
    build_esp32_image,
    build_esp8266_image,
    esp32_app_version,
    esp32_bootable,
)

__all__ = [
    "AuthVariant",
    "BoardConfig",
    "BoardEmulator",
    "Core",
    "EndSequence",
    "Fault",
    "StoredHash",
    "build_esp32_image",
    "build_esp8266_image",
    "default_free_space",
    "default_port",
    "esp32_app_version",
    "esp32_bootable",
]
