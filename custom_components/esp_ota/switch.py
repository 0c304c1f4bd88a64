"""The "OTA updates allowed" switch: the window in which installs may run."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import STATE_OFF, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .board import EspOtaBoard, EspOtaConfigEntry
from .entity import EspOtaEntity

# Turning the switch on or off sends nothing to the board.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the board's update-window switch."""
    async_add_entities([EspOtaUpdatesAllowedSwitch(entry.runtime_data)])


class EspOtaUpdatesAllowedSwitch(EspOtaEntity, SwitchEntity, RestoreEntity):
    """On: installs may run on this board. Off: they are refused."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_translation_key = "updates_allowed"

    def __init__(self, board: EspOtaBoard) -> None:
        """Create the switch for one board (on until a person turns it off)."""
        super().__init__(board, "updates_allowed")

    async def async_added_to_hass(self) -> None:
        """Restore the last state: an automation's window survives a restart."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self.board.async_set_updates_allowed(last.state != STATE_OFF)

    @property
    def available(self) -> bool:
        """The window can be set while the board is offline."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether installs are allowed now."""
        return self.board.updates_allowed

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Allow installs."""
        self.board.async_set_updates_allowed(True)
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Refuse installs until turned on again."""
        self.board.async_set_updates_allowed(False)
        self.async_write_ha_state()
