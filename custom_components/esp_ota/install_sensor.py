"""The "Last install" diagnostic sensor of every board (push and pull).

State: how the board's last install ended (``succeeded``, ``refused``,
``failed``), unknown before the first. Attributes: when it ended, the version
and target, the method (``espota``, ``web`` or ``pull``), the reason (the error's
translation key) and the seconds it took. It stays readable while the board
is offline: a failed install is exactly when a person looks for it.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .board import EspOtaConfigEntry, board_key
from .entity import EspOtaEntity
from .history import DATA_HISTORY, OUTCOMES, InstallRecord, last_install_signal


class EspOtaLastInstallSensor(EspOtaEntity, SensorEntity):
    """How the board's last install ended; the details in attributes."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_options = OUTCOMES
    _attr_translation_key = "last_install"

    def __init__(self, entry: EspOtaConfigEntry) -> None:
        """Create the sensor of one board."""
        super().__init__(entry.runtime_data, "last_install")
        self._key = board_key(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the board's install records."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, last_install_signal(self._key), self.async_write_ha_state
            )
        )

    @property
    def _record(self) -> InstallRecord | None:
        return self.hass.data[DATA_HISTORY].last(self._key)

    @property
    def available(self) -> bool:
        """Always: the record is ours, not the board's."""
        return True

    @property
    def native_value(self) -> str | None:
        """The outcome of the last install; unknown before the first."""
        record = self._record
        return record.outcome if record else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """When, what, how, why and how long."""
        if (record := self._record) is None:
            return None
        return {
            "time": record.at,
            "version": record.version,
            "target": record.target,
            "method": record.method,
            "reason": record.reason,
            "seconds": record.seconds,
        }
