"""The board's transport, picked from its config entry.

Kept apart from the seam (``__init__.py``): the web transport reads install.py's
come-back bound, and install.py imports the seam, so the seam imports no
transport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant

from custom_components.esp_ota.const import is_web_entry

from . import Transport
from .arduino_ota import ArduinoOtaTransport
from .web_updater import WebUpdaterTransport

if TYPE_CHECKING:
    from custom_components.esp_ota.board import EspOtaConfigEntry


def transport_for(hass: HomeAssistant, entry: EspOtaConfigEntry) -> Transport:
    """Return the transport of a push board: its web updater, else ArduinoOTA."""
    if is_web_entry(entry):
        return WebUpdaterTransport(hass, entry)
    return ArduinoOtaTransport(hass, entry)
