"""Diagnostics for an esp_ota board: entry data (credentials redacted) and runtime."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .board import EspOtaConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EspOtaConfigEntry
) -> dict[str, Any]:
    """Return what we know about the board, without its password."""
    board = entry.runtime_data
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
        },
    }
