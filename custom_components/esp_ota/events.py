"""Events for automations: an install started, an install finished.

Rules:
- ``esp_ota_install_started`` is fired when a push install is asked for (a
  person's Install, ``update.install`` from an automation) before its rules
  are checked, and when a pull board begins downloading an image for the
  first time; its data: ``board`` (the entry's title), ``config_entry_id``,
  ``device_id``, ``version``, ``target`` (``app`` or ``filesystem``) and
  ``method`` (the entry's transport);
- ``esp_ota_install_finished`` is fired once per recorded outcome
  (``history.py``), with the same data plus ``outcome`` (``succeeded``,
  ``refused``, ``failed``), ``reason`` (the translation key of the error,
  None on success), ``message`` (the error's text in Home Assistant's
  language, None on success) and ``seconds``. Every push ``started`` is followed by one
  ``finished`` unless Home Assistant stops in between; a pull board's refused
  delivery has a ``finished`` only (nothing was started); a board that falls
  back to its old sketch after a success (``rollback.py``) gets a second
  ``finished``: ``failed``, reason ``rolled_back``, seconds None;
- ``esp_ota_install_armed`` is fired when an install waits for a board that
  is away (``arming.py``): ``board``, ``config_entry_id``, ``version`` and
  ``until`` (when the waiting ends);
- the event carries the context of the install (the person or automation
  that asked), so an automation can tell its own installs from others;
- nothing secret is in the data: no address, no password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN, entry_transport

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .history import InstallRecord
    from .store import StagedFirmware

EVENT_INSTALL_STARTED: Final = f"{DOMAIN}_install_started"
EVENT_INSTALL_FINISHED: Final = f"{DOMAIN}_install_finished"
EVENT_INSTALL_ARMED: Final = f"{DOMAIN}_install_armed"


def _board_data(
    hass: HomeAssistant, entry: EspOtaConfigEntry, version: str, target: str
) -> dict[str, Any]:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return {
        "board": entry.title,
        "config_entry_id": entry.entry_id,
        "device_id": devices[0].id if devices else None,
        "version": version,
        "target": target,
        "method": entry_transport(entry),
    }


@callback
def async_fire_install_started(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    context: Context | None = None,
) -> None:
    """Tell automations that an install of ``staged`` begins on the entry's board."""
    hass.bus.async_fire(
        EVENT_INSTALL_STARTED,
        _board_data(hass, entry, staged.version, staged.kind.value),
        context=context,
    )


@callback
def async_fire_install_finished(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    record: InstallRecord,
    message: str | None,
    context: Context | None = None,
) -> None:
    """Tell automations how an install on the entry's board ended."""
    data = _board_data(hass, entry, record.version, record.target)
    data |= {
        "outcome": record.outcome,
        "reason": record.reason,
        "message": message,
        "seconds": record.seconds,
    }
    hass.bus.async_fire(EVENT_INSTALL_FINISHED, data, context=context)
