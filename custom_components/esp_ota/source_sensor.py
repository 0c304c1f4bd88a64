"""Diagnostic sensors of a board's firmware source: last check and its result.

Both are unavailable while the board has no source; they change only when a
check finishes or the source is set, never by polling of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory

from .board import EspOtaConfigEntry
from .entity import EspOtaEntity
from .source_manager import DATA_SOURCES, RESULTS, SourceState, source_config


@dataclass(frozen=True, kw_only=True)
class SourceSensorDescription(SensorEntityDescription):
    """A value of the last check of the board's source."""

    value_fn: Callable[[SourceState], str | datetime | None]


SOURCE_SENSORS: tuple[SourceSensorDescription, ...] = (
    SourceSensorDescription(
        key="source_last_check",
        translation_key="source_last_check",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.checked_at,
    ),
    SourceSensorDescription(
        key="source_result",
        translation_key="source_result",
        device_class=SensorDeviceClass.ENUM,
        options=list(RESULTS),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.result,
    ),
)


class EspOtaSourceSensor(EspOtaEntity, SensorEntity):
    """One value of the last check of the board's firmware source."""

    entity_description: SourceSensorDescription

    def __init__(
        self, entry: EspOtaConfigEntry, description: SourceSensorDescription
    ) -> None:
        """Create the sensor for one board."""
        super().__init__(entry.runtime_data, description.key)
        self._entry = entry
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Follow the checks of the board's source."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.data[DATA_SOURCES].async_add_listener(
                self._entry.entry_id, self.async_write_ha_state
            )
        )

    @property
    def available(self) -> bool:
        """Available while the board has a source."""
        return source_config(self._entry) is not None

    @property
    def native_value(self) -> str | datetime | None:
        """The value from the last check; unknown before the first."""
        state = self.hass.data[DATA_SOURCES].state(self._entry.entry_id)
        return self.entity_description.value_fn(state) if state else None
