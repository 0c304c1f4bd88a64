"""Diagnostics for an esp_ota board: entry and runtime (credentials redacted), firmware, records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .board import EspOtaConfigEntry, board_key
from .history import DATA_HISTORY
from .ledger import DATA_LEDGER
from .source_manager import DATA_SOURCES, source_config
from .store import get_store

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EspOtaConfigEntry
) -> dict[str, Any]:
    """Return what we know about the board, without its password."""
    board = entry.runtime_data
    key = board_key(entry)
    ledger = hass.data[DATA_LEDGER]
    return {
        "entry": {
            "title": entry.title,
            "source": entry.source,
            "version": entry.version,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
        },
        "board": {
            "hostname": board.hostname,
            "host": board.host,
            "port": board.port,
            "board_id": board.board_id,
            "available": board.available,
            "version": board.version,
            "last_seen": board.last_seen.isoformat() if board.last_seen else None,
            "has_password": board.password is not None,
            # Sketches may put anything in their TXT record; redact a password
            # that a careless sketch might publish there too.
            "txt": async_redact_data(dict(board.txt), TO_REDACT),
            "updates_allowed": board.updates_allowed,
            "installing": board.install_lock.locked(),
        },
        "firmware": [
            {
                "version": image.version,
                "kind": image.kind.value,
                "chip": image.chip.value if image.chip else None,
                "size": image.size,
                "sha256": image.sha256,
                # Only the kind of source: a URL may carry credentials or tokens.
                "source": image.source.split(":", 1)[0],
                "staged_at": image.staged_at,
            }
            for image in get_store(hass).images(key)
        ],
        "confirmation": (
            {
                "version": confirmation.version,
                "sha256": confirmation.sha256,
                "confirmed_at": confirmation.confirmed_at,
                "group": confirmation.group,
            }
            if (confirmation := ledger.confirmation(key))
            else None
        ),
        "installed": asdict(installed)
        if (installed := ledger.installed(key))
        else None,
        "last_install": asdict(last)
        if (last := hass.data[DATA_HISTORY].last(key))
        else None,
        "firmware_source": _source(hass, entry),
    }


def _source(hass: HomeAssistant, entry: EspOtaConfigEntry) -> dict[str, Any] | None:
    """Return the board's firmware source and its last check, without credentials."""
    if (config := source_config(entry)) is None:
        return None
    state = hass.data[DATA_SOURCES].state(entry.entry_id)
    return {
        "url": config.safe_url,
        "interval_minutes": config.interval,
        "credentials": config.credentials,
        "last_check": asdict(state) if state else None,
    }
