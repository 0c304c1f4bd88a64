"""The pull server's repair issue: a pending sketch that does not fit the board.

Raised when a board's reported free space is smaller than the confirmed image
(the pull hub stops offering it), removed when the image or the free space
changes or the board is deleted. Not fixable from the dialog: a smaller image
or another partition layout is the way out.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from custom_components.esp_ota.board import EspOtaConfigEntry
from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.store import StagedFirmware


def no_room_issue_id(entry: EspOtaConfigEntry) -> str:
    """Return the id of the board's "does not fit" repair issue."""
    return f"pull_no_room_{entry.entry_id}"


@callback
def async_create_no_room_issue(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    free_space: int,
) -> None:
    """Say which image does not fit, and by how much."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        no_room_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="pull_no_room",
        translation_placeholders={
            "board": entry.title,
            "version": staged.version,
            "size": str(staged.size),
            "free_space": str(free_space),
        },
    )


@callback
def async_delete_no_room_issue(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Remove the issue: the image or the free space changed."""
    ir.async_delete_issue(hass, DOMAIN, no_room_issue_id(entry))
