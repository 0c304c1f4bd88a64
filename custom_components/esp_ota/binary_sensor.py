"""Online binary sensor: whether the board is currently announced over mDNS."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .board import EspOtaBoard, EspOtaConfigEntry
from .compat import BinarySensorDeviceClass
from .entity import EspOtaEntity

# State comes from pushed mDNS events, nothing is polled or sent.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the board's Online sensor."""
    async_add_entities([EspOtaOnlineSensor(entry.runtime_data)])


class EspOtaOnlineSensor(EspOtaEntity, BinarySensorEntity):
    """On while the board is announced; shows where it was last seen."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "online"
    # Changes with every announcement; not worth a recorder row each time.
    _unrecorded_attributes = frozenset({"last_seen"})

    def __init__(self, board: EspOtaBoard) -> None:
        """Create the sensor for one board."""
        super().__init__(board, "online")

    @property
    def available(self) -> bool:
        """Always available: being offline is this sensor's state, not an error."""
        return True

    @property
    def is_on(self) -> bool:
        """On while the board is present."""
        return self.board.available

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Address and port the board answers on, and when it was last announced."""
        last_seen = self.board.last_seen
        return {
            "host": self.board.host,
            "port": self.board.port,
            "last_seen": last_seen.isoformat() if last_seen else None,
        }
