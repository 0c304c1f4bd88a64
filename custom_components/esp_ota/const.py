"""Constants for the esp_ota integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

DOMAIN: Final = "esp_ota"

# Config entry data keys (host, port and password come from homeassistant.const).
CONF_HOSTNAME: Final = "hostname"
"""mDNS host name without ``.local.``, lowercase: the entry's unique id."""
CONF_BOARD: Final = "board"
"""Board id from the ``board`` TXT key; absent when unknown."""
CONF_TRANSPORT: Final = "transport"
"""How firmware reaches the board: ``espota`` (ArduinoOTA), ``web`` (web updater)
or ``pull`` (the board asks)."""
TRANSPORT_ESPOTA: Final = "espota"
TRANSPORT_PULL: Final = "pull"
CONF_MAC: Final = "mac"
"""STA MAC of a pull board, ``aa:bb:cc:dd:ee:ff``: its unique id."""

# ArduinoOTA's default UDP ports (ArduinoOTA.cpp of each core).
DEFAULT_PORT_ESP8266: Final = 8266
DEFAULT_PORT_ESP32: Final = 3232

# The service every ArduinoOTA board announces (MDNS.enableArduino).
ARDUINO_SERVICE_TYPE: Final = "_arduino._tcp.local."

MANUFACTURER: Final = "Espressif"

# Web updater boards (ESP8266HTTPUpdateServer / arduino-esp32 HTTPUpdateServer).
TRANSPORT_WEB: Final = "web"
CONF_PATH: Final = "path"
"""Path of the updater form on the board; the cores default to ``/update``."""
DEFAULT_WEB_PATH: Final = "/update"
DEFAULT_WEB_PORT: Final = 80
HTTP_SERVICE_TYPE: Final = "_http._tcp.local."


def entry_transport(entry: ConfigEntry) -> str:
    """Return how an entry's board gets its images (ArduinoOTA unless set)."""
    return str(entry.data.get(CONF_TRANSPORT, TRANSPORT_ESPOTA))


def is_pull_entry(entry: ConfigEntry) -> bool:
    """Tell whether an entry is a pull board (it fetches its updates)."""
    return entry_transport(entry) == TRANSPORT_PULL


def is_web_entry(entry: ConfigEntry) -> bool:
    """Tell whether an entry is a web updater board (images go to its update page)."""
    return entry_transport(entry) == TRANSPORT_WEB
