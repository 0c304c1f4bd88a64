"""The transport seam: how an image reaches a push board.

A transport carries bytes and nothing else: the install rules, the fleet slot
and the come-back wait are install.py's, whatever the transport. This package
holds what every transport shares, so a newcomer reads it once:

- ``Transport``, the one method install.py calls, and ``ProgressCallback``, the
  one progress type of the Home Assistant side (the pure ``espota`` package
  keeps its own, it imports nothing from here); ``BoardTransport``, the base
  both transports share (their board's entry, their error translation);
- ``translated_error``, the one builder of a translated ``HomeAssistantError``
  (install.py's refusals use it too), and ``translate_error``, the one place a
  library error becomes one: each transport keeps a table exception type ->
  ``Translation`` (translation key, placeholders, whether to start reauth; or
  a function of the error that picks one, when the error's fields decide),
  read in order, first match wins, as an ``except`` chain would. The shape is
  Home Assistant core's ``wled_exception_handler``
  (homeassistant/components/wled/helpers.py) and ESPHome's
  ``convert_api_error_ha_error`` (homeassistant/components/esphome/entity.py):
  one place maps library errors to what the person reads;
- ``percent``, the whole percent every progress display shows.

The transports themselves are ``arduino_ota.py`` (ArduinoOTA, the ``espota``
package) and ``web_updater.py`` (the cores' web updater, the ``webupdate``
package); ``factory.transport_for`` picks the board's. This module imports no
transport, so install.py can import it while the web transport imports
install.py's come-back bound without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.esp_ota.const import DOMAIN

if TYPE_CHECKING:
    from custom_components.esp_ota.board import EspOtaConfigEntry
    from custom_components.esp_ota.firmware import ImageKind

type ProgressCallback = Callable[[int, int], None]
"""Called with (bytes the board has, bytes in the image)."""

type Placeholders = Callable[[Any, EspOtaConfigEntry], Mapping[str, object]]
"""What a translated message names, from the library error and the board's entry."""


class Transport(Protocol):
    """Carries an image to a board (ArduinoOTA, web updater, ...)."""

    async def async_upload(
        self, data: bytes, kind: ImageKind, progress: ProgressCallback
    ) -> None:
        """Send the image; raise a translated HomeAssistantError on failure."""


def percent(sent: int, total: int) -> int:
    """Return how much of total was sent, in whole percent (0 for nothing to send)."""
    return sent * 100 // total if total else 0


def translated_error[E: HomeAssistantError](
    error_type: type[E], key: str, /, **placeholders: object
) -> E:
    """Return an error of error_type that shows the esp_ota text of key."""
    return error_type(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def no_placeholders(err: Exception, entry: EspOtaConfigEntry) -> Mapping[str, object]:
    """Name nothing but the board (the message needs nothing else)."""
    return {}


def board_address(err: Exception, entry: EspOtaConfigEntry) -> Mapping[str, object]:
    """Name the board's address, for messages about reaching it."""
    return {"host": entry.runtime_data.host, "port": entry.runtime_data.port}


def how_far(err: Any, entry: EspOtaConfigEntry) -> Mapping[str, object]:
    """Name how much of the image got across before a transfer broke off."""
    return {
        "sent": err.sent,
        "total": err.total,
        "percent": percent(err.sent, err.total),
    }


@dataclass(frozen=True, kw_only=True)
class Translation:
    """How one library error reads to a person.

    ``key`` is the translation key, ``placeholders`` what its text names besides
    the board; ``reauth`` starts the entry's reauth flow: the board refused the
    credentials Home Assistant has. Written with literal keys, so the
    translation tests can check every text against its row.
    """

    key: str
    placeholders: Placeholders = no_placeholders
    reauth: bool = False


type Row = Translation | Callable[[Any], Translation]
"""A Translation, or a function of the error that picks one (its fields decide)."""

type ErrorTable = Mapping[type[Exception], Row]
"""Exception type -> how it reads; in order, the first the error is an instance of."""

UPLOAD_FAILED = Translation(
    key="upload_failed", placeholders=lambda err, _: {"error": type(err).__name__}
)
"""Any other error of a transport's library: its type names it, not its English."""


def translate_error(
    hass: HomeAssistant, entry: EspOtaConfigEntry, err: Exception, table: ErrorTable
) -> HomeAssistantError:
    """Return the translated error for a library error (and start reauth if due)."""
    row = next(
        (found for kind, found in table.items() if isinstance(err, kind)),
        UPLOAD_FAILED,
    )
    translation = row if isinstance(row, Translation) else row(err)
    if translation.reauth:
        entry.async_start_reauth(hass)
    return _shown(translation, err, entry)


def _shown(
    translation: Translation, err: Exception, entry: EspOtaConfigEntry
) -> HomeAssistantError:
    """Return the row's text, naming the board and the row's placeholders."""
    return translated_error(
        HomeAssistantError,
        translation.key,
        board=entry.title,
        **translation.placeholders(err, entry),
    )


class BoardTransport:
    """Base of the transports: bound to one board's config entry."""

    def __init__(self, hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
        """Bind to a board's config entry."""
        self._hass = hass
        self._entry = entry

    def _translate(self, err: Exception, table: ErrorTable) -> HomeAssistantError:
        """Return the library error in the person's words (see translate_error)."""
        return translate_error(self._hass, self._entry, err, table)
