"""Base entity shared by every esp_ota platform: device info and presence."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .board import EspOtaBoard
from .const import DOMAIN, MANUFACTURER


class EspOtaEntity(Entity):
    """An entity of one board; available while the board is present."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, board: EspOtaBoard, key: str) -> None:
        """Bind to a board; ``key`` makes the unique id ``<hostname>_<key>``."""
        self.board = board
        self._attr_unique_id = f"{board.hostname}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, board.hostname)},
            name=board.device_name,
            manufacturer=MANUFACTURER,
            model=board.board_id,
            sw_version=board.version,
        )

    @property
    def available(self) -> bool:
        """Available while the board is announced (see board.py for the rule)."""
        return self.board.available

    async def async_added_to_hass(self) -> None:
        """Follow the board's changes while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(self.board.async_add_listener(self._handle_board_update))

    def _handle_board_update(self) -> None:
        """Write the new state; subclasses refresh their attributes first."""
        self.async_write_ha_state()
