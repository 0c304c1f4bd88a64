"""Diagnostic sensors: a pull board's last check-in; every board's firmware source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .board import EspOtaConfigEntry
from .const import is_pull_entry
from .entity import EspOtaEntity
from .install_sensor import EspOtaLastInstallSensor
from .pull.checkins import DATA_CHECK_INS
from .pull.record import CheckInRecord
from .source_sensor import SOURCE_SENSORS, EspOtaSourceSensor

# State comes from check-ins the boards push; nothing is polled.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PullSensorDescription(SensorEntityDescription):
    """A value of the last check-in."""

    value_fn: Callable[[CheckInRecord], str | int | datetime | None]


def _bytes(
    key: str,
    value_fn: Callable[[CheckInRecord], int],
    unit: UnitOfInformation = UnitOfInformation.KIBIBYTES,
) -> PullSensorDescription:
    """Describe a size: whole numbers in a readable unit ("1,280 KiB", "4 MiB")."""
    return PullSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=unit,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Details beyond the essentials: a person enables them when needed.
        entity_registry_enabled_default=False,
        value_fn=value_fn,
    )


SENSORS: tuple[PullSensorDescription, ...] = (
    PullSensorDescription(
        key="last_check_in",
        translation_key="last_check_in",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda record: record.at,
    ),
    _bytes("free_space", lambda record: record.check_in.free_space),
    _bytes("sketch_size", lambda record: record.check_in.sketch_size),
    _bytes(
        "chip_size",
        lambda record: record.check_in.chip_size,
        UnitOfInformation.MEBIBYTES,
    ),
    PullSensorDescription(
        key="sdk_version",
        translation_key="sdk_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda record: record.check_in.sdk_version,
    ),
    PullSensorDescription(
        key="sketch_md5",
        translation_key="sketch_md5",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda record: record.check_in.sketch_md5,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the source and last install sensors; a pull board's check-in sensors."""
    async_add_entities(
        EspOtaSourceSensor(entry, description) for description in SOURCE_SENSORS
    )
    async_add_entities([EspOtaLastInstallSensor(entry)])
    if not is_pull_entry(entry):
        return
    async_add_entities(EspOtaPullSensor(entry, description) for description in SENSORS)


class EspOtaPullSensor(EspOtaEntity, SensorEntity):
    """One value from the board's last check-in."""

    entity_description: PullSensorDescription

    def __init__(
        self, entry: EspOtaConfigEntry, description: PullSensorDescription
    ) -> None:
        """Create the sensor for one board."""
        super().__init__(entry.runtime_data, description.key)
        self._entry = entry
        self.entity_description = description
        self._written: tuple[bool, object] | None = None

    async def async_added_to_hass(self) -> None:
        """Follow check-ins."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.data[DATA_CHECK_INS].async_add_listener(
                self._entry, self._handle_board_update
            )
        )

    def _handle_board_update(self) -> None:
        """Write only a changed value: a fleet checking in writes little."""
        current = (self.available, self.native_value)
        if current != self._written:
            self._written = current
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Last values stay readable while the board sleeps."""
        return self.hass.data[DATA_CHECK_INS].record(self._entry) is not None

    @property
    def native_value(self) -> str | int | datetime | None:
        """The value from the last check-in."""
        record = self.hass.data[DATA_CHECK_INS].record(self._entry)
        return self.entity_description.value_fn(record) if record else None
