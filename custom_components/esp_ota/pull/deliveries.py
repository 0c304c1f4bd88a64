"""A pull board's deliveries, recorded as its last install (``history.py``).

Rules:
- a delivered image is ``succeeded``: the sketch at the check-in that shows
  the board runs it, a filesystem image once the board took every byte;
- its seconds run from the start of the download that delivered it (the 200
  answer) to that moment, so flashing and the reboot count and a sleeping
  board's wait before it asked does not; None when Home Assistant restarted
  in between (the start is kept in memory only);
- a pending image a check-in cannot get is ``refused`` with the translation
  key of the rule that stopped it (e.g. ``too_large_for_board``), recorded once
  per image and reason, not at every check-in; seconds None (nothing was sent).
"""

from __future__ import annotations

from time import monotonic

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from custom_components.esp_ota.board import EspOtaConfigEntry, board_key
from custom_components.esp_ota.events import async_fire_install_started
from custom_components.esp_ota.history import async_record_outcome, error_reason
from custom_components.esp_ota.store import StagedFirmware


class Deliveries:
    """Times downloads and records how each pending image's delivery ended."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing under way."""
        self._hass = hass
        # Board key -> (image SHA-256, monotonic time) of the last download begun.
        self._began: dict[str, tuple[str, float]] = {}
        # Board key -> (image SHA-256, reason) of the last refusal recorded.
        self._refused: dict[str, tuple[str, str | None]] = {}

    @callback
    def began(self, entry: EspOtaConfigEntry, staged: StagedFirmware) -> None:
        """Note that a download of ``staged`` starts now (automations: once per image)."""
        key = board_key(entry)
        if (previous := self._began.get(key)) is None or previous[0] != staged.sha256:
            async_fire_install_started(self._hass, entry, staged)
        self._began[key] = (staged.sha256, monotonic())

    @callback
    def refused(
        self, entry: EspOtaConfigEntry, staged: StagedFirmware, err: HomeAssistantError
    ) -> None:
        """Record a refused delivery once per image and reason."""
        reason = error_reason(err)
        key = board_key(entry)
        if self._refused.get(key) == (staged.sha256, reason):
            return
        self._refused[key] = (staged.sha256, reason)
        self._hass.async_create_task(
            async_record_outcome(
                self._hass,
                entry,
                staged,
                "refused",
                seconds=None,
                error=err,
            )
        )

    async def async_delivered(
        self, entry: EspOtaConfigEntry, staged: StagedFirmware
    ) -> None:
        """Record a delivered image, timed from the download that brought it."""
        key = board_key(entry)
        began = self._began.pop(key, None)
        seconds = None
        if began is not None and began[0] == staged.sha256:
            seconds = round(monotonic() - began[1], 1)
        self._refused.pop(key, None)
        await async_record_outcome(
            self._hass, entry, staged, "succeeded", seconds=seconds
        )

    @callback
    def forget(self, key: str) -> None:
        """Drop what is kept of a board that stops being served."""
        self._began.pop(key, None)
        self._refused.pop(key, None)
