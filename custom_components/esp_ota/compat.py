"""What differs between the Home Assistant versions esp_ota supports.

Home Assistant 2026 validates schemas with probatio, a drop-in successor of
voluptuous, and types flow forms and services with its classes; older versions
use voluptuous itself. Import the schema module from here as ``vol``. The
ignores are needed because each environment has only one of the two modules.
"""

from __future__ import annotations

from homeassistant.helpers import device_registry as dr

try:
    import probatio as vol  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover  # Home Assistant before probatio
    import voluptuous as vol  # type: ignore[no-redef,unused-ignore]

# The enum moved into the platform's const module, and 2026's package no longer
# re-exports it explicitly.
try:
    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover  # Home Assistant before the const module
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass  # type: ignore[attr-defined,no-redef,unused-ignore]


def find_device(
    registry: dr.DeviceRegistry,
    identifier: tuple[str, str],
    config_entry_id: str | None = None,
) -> dr.DeviceEntry | None:
    """Return the device with ``identifier`` (of that config entry, if given).

    Home Assistant 2026 deprecates ``async_get_device``: identifiers are unique
    per config entry only, and ``async_get_devices`` looks them up.
    """
    get_devices = getattr(registry, "async_get_devices", None)
    if get_devices is not None:
        found: list[dr.DeviceEntry] = get_devices(
            identifiers={identifier}, config_entry_id=config_entry_id
        )
        return found[0] if found else None
    device = registry.async_get_device(identifiers={identifier})
    if device is None or config_entry_id is None:
        return device
    return device if config_entry_id in device.config_entries else None


__all__ = ["BinarySensorDeviceClass", "find_device", "vol"]
