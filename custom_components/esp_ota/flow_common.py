"""Form fields the ArduinoOTA and web updater steps of the config flow share.

The step logic they share (a board's identity, "already configured") is
``identity.IdentityFlow``, the base of both; this module holds the fields, so
a port or a password reads and validates the same in every form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol

PORT: Final = vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))
PASSWORD_SELECTOR: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD)
)


def address_fields(defaults: Mapping[str, Any], default_port: int) -> dict[Any, Any]:
    """Host and port, pre-filled from defaults (the port from default_port)."""
    return {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, default_port)): PORT,
    }
