"""The update entity's behaviour for a pull board: Install arms, the board fetches.

Pressing Install is the person's confirmation (the same ledger as push
installs) and arms the update; the action returns once armed, because a
sleeping board may ask hours later. The card then shows "in progress" while
the update is pending, with the percentage of the board's download, until the
board checks in running the new image (``pull/checkins.py``). The entity stays
available while the board sleeps, so an update can be armed at any time.

This is a mixin: ``update.py`` (the platform) puts it in front of its
``EspOtaUpdateEntity``, so this module never imports the platform and the two
do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.update import UpdateEntity
from homeassistant.core import callback

from custom_components.esp_ota.board import EspOtaConfigEntry, board_key
from custom_components.esp_ota.install_rules import async_check_install
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.store import StagedFirmware
from custom_components.esp_ota.transport import percent

from .checkins import DATA_CHECK_INS


class PullUpdateMixin(UpdateEntity):
    """Staged firmware for a board that fetches it itself.

    Put in front of the platform's entity class, which provides these:
    """

    _entry: EspOtaConfigEntry
    _pick: Callable[[str | None], StagedFirmware]
    _or_unknown: Callable[[str | None], str | None]
    # The pull values at the last state write (None before the first): a
    # check-in that changes none of them writes nothing.
    _pull_written: tuple[object, ...] | None = None

    async def async_added_to_hass(self) -> None:
        """Follow check-ins and downloads too."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.data[DATA_CHECK_INS].async_add_listener(
                self._entry, self._handle_check_in_or_progress
            )
        )

    def _pull_values(self) -> tuple[object, ...]:
        """Return what a check-in or a download step can change on the card."""
        return (
            self.installed_version,
            self.in_progress,
            self.update_percentage,
            self.release_summary,
        )

    @callback
    def _async_write_pull_state(self) -> None:
        """Write the state; remember what the card now shows of the pull values.

        Every write of this entity goes through here (async_write_ha_state is
        final in Home Assistant 2026), so the remembered values are the card's.
        """
        self.async_write_ha_state()
        self._pull_written = self._pull_values()

    @callback
    def _handle_board_update(self) -> None:
        """Board and staged-firmware changes: write through the pull writer."""
        self.hass.data[DATA_CHECK_INS].async_pending_changed(self._entry)
        self._async_write_pull_state()

    @callback
    def _handle_check_in_or_progress(self) -> None:
        """Write only a change: a fleet checking in writes little."""
        if self._pull_values() != self._pull_written:
            self._async_write_pull_state()

    @property
    def available(self) -> bool:
        """Arming needs no board: always available."""
        return True

    @property
    def installed_version(self) -> str | None:
        """The image the board runs (by its MD5), else what it reported or esp_ota saw.

        A board reporting its own version string ("v2-build17") while running
        a known image shows that image's version, so the card does not offer
        the image it already runs.
        """
        checkins = self.hass.data[DATA_CHECK_INS]
        if running := checkins.running_version(self._entry):
            return running
        installed = self.hass.data[DATA_LEDGER].installed(board_key(self._entry))
        return self._or_unknown(installed.version if installed else None)

    @property
    def in_progress(self) -> bool:
        """In progress from Install until the board runs the image (if it fits)."""
        checkins = self.hass.data[DATA_CHECK_INS]
        return (
            checkins.pending(self._entry) is not None
            and checkins.no_room(self._entry) is None
        )

    @property
    def release_summary(self) -> str | None:
        """Say first why the board does not get the image, when it does not fit."""
        summary = super().release_summary
        record = self.hass.data[DATA_CHECK_INS].record(self._entry)
        staged = self.hass.data[DATA_CHECK_INS].no_room(self._entry)
        if staged is None or record is None:
            return summary
        reason = (
            f"Does not fit: {staged.size:,} bytes, the board has "
            f"{record.check_in.free_space:,} bytes free."
        )
        return f"{reason}\n\n{summary}" if summary else reason

    @property
    def update_percentage(self) -> int | None:
        """How much of the image the board has downloaded."""
        progress = self.hass.data[DATA_CHECK_INS].progress(self._entry)
        if progress is None or not self.in_progress:
            return None
        return percent(*progress)

    async def async_install(
        self, version: str | None, backup: bool, **kwargs: Any
    ) -> None:
        """Confirm and arm the chosen image; the board fetches it when it asks."""
        staged = self._pick(version)
        record = self.hass.data[DATA_CHECK_INS].record(self._entry)
        await async_check_install(
            self.hass,
            self._entry,
            staged,
            context=self._context,
            free_space=record.check_in.free_space if record else None,
        )
        self.hass.data[DATA_CHECK_INS].async_pending_changed(self._entry)
        self._async_write_pull_state()
