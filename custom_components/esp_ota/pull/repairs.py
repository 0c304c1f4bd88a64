"""The pull server's repair issue: a pending sketch that does not fit the board.

Raised when a board's reported free space is smaller than the confirmed image
(the check-in registry stops offering it), removed when the image or the free
space changes or the board is deleted. Not fixable from the dialog: a smaller
image or another partition layout is the way out. ``NoRoom`` keeps which
boards are blocked, for which image and free space.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from custom_components.esp_ota.board import EspOtaConfigEntry, board_key
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


class NoRoom:
    """The boards whose pending sketch does not fit, each with its repair issue."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no board blocked."""
        self._hass = hass
        # Board key -> (image SHA-256, free space) of an image that did not fit.
        self._blocked: dict[str, tuple[str, int]] = {}

    def image(
        self, entry: EspOtaConfigEntry, pending: StagedFirmware | None
    ) -> StagedFirmware | None:
        """Return the pending sketch if it is the one that does not fit the board."""
        blocked = self._blocked.get(board_key(entry))
        if blocked is None or pending is None or pending.sha256 != blocked[0]:
            return None
        return pending

    @callback
    def async_block(
        self, entry: EspOtaConfigEntry, staged: StagedFirmware, free_space: int
    ) -> bool:
        """Raise the issue for an image that does not fit; False if it is up already."""
        key = board_key(entry)
        if self._blocked.get(key) == (staged.sha256, free_space):
            return False
        self._blocked[key] = (staged.sha256, free_space)
        async_create_no_room_issue(self._hass, entry, staged, free_space)
        return True

    @callback
    def async_check_in(
        self, entry: EspOtaConfigEntry, pending: StagedFirmware | None, free_space: int
    ) -> None:
        """Lift the block once the pending image or the reported free space changed."""
        blocked = self._blocked.get(board_key(entry))
        if blocked is not None and (
            pending is None or blocked != (pending.sha256, free_space)
        ):
            self.async_clear(entry)

    @callback
    def async_pending_changed(
        self, entry: EspOtaConfigEntry, pending: StagedFirmware | None
    ) -> None:
        """Lift the block once the pending sketch is not the one that did not fit."""
        blocked = self._blocked.get(board_key(entry))
        if blocked is not None and (pending is None or pending.sha256 != blocked[0]):
            self.async_clear(entry)

    @callback
    def async_clear(self, entry: EspOtaConfigEntry) -> None:
        """Forget the block and remove the issue (also for a deleted board)."""
        self._blocked.pop(board_key(entry), None)
        async_delete_no_room_issue(self._hass, entry)
