"""The "Confirm firmware" button: a person approves the staged image."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .board import EspOtaConfigEntry
from .confirm import async_confirm
from .entity import EspOtaEntity

# Pressing the button sends nothing to the board.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the board's confirm button."""
    async_add_entities([EspOtaConfirmButton(entry)])


class EspOtaConfirmButton(EspOtaEntity, ButtonEntity):
    """Confirm the newest staged firmware so an automation may install it."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_translation_key = "confirm_firmware"

    def __init__(self, entry: EspOtaConfigEntry) -> None:
        """Create the button for one board."""
        super().__init__(entry.runtime_data, "confirm_firmware")
        self._entry = entry

    @property
    def available(self) -> bool:
        """Confirming needs no board, only staged firmware."""
        return True

    async def async_press(self) -> None:
        """Confirm the newest staged image in the name of the person pressing."""
        await async_confirm(self.hass, self._entry, self._context)
