"""Helpers shared by the espota uploader tests: short timeouts and test images."""

from __future__ import annotations

from custom_components.esp_ota.espota import Timeouts
from tools.esp_emulator import Core, build_esp32_image, build_esp8266_image

# Short but generous: the emulator answers in milliseconds; these only bound
# how long a failing test waits.
FAST = Timeouts(
    invitation=0.5,
    invitation_attempts=2,
    auth=1.0,
    connect_back=1.0,
    ack=1.0,
    result=2.0,
    retry_pause=0.05,
)


def image_for(core: Core, size: int = 50_000, version: str = "2.0.0") -> bytes:
    """Return an app image for the core (only an ESP32 image carries a version)."""
    if core is Core.ESP32:
        return build_esp32_image(version, size)
    return build_esp8266_image(size)
