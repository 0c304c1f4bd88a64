"""What differs between the Home Assistant versions esp_ota supports.

Home Assistant 2026 validates schemas with probatio, a drop-in successor of
voluptuous, and types flow forms and services with its classes; older versions
use voluptuous itself. Import the schema module from here as ``vol``. The
ignores are needed because each environment has only one of the two modules.
"""

from __future__ import annotations

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

__all__ = ["BinarySensorDeviceClass", "vol"]
