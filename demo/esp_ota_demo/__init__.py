"""Demo-only settings for esp_ota, loaded by the demo's Home Assistant.

The demo links this folder into its configuration's ``custom_components`` and
configures it in ``configuration.yaml``::

    esp_ota_demo:
      comeback_timeout: 20

``comeback_timeout`` (seconds) replaces how long esp_ota waits for a board to
come back after it accepted an image before it raises the "did not come
back" repair (esp_ota's default: 3 minutes), so that the demo and its browser
test show that repair within seconds. esp_ota itself has no such setting: its
default is the product's and stays as it is.
"""

from __future__ import annotations

import logging
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

_LOGGER = logging.getLogger(__name__)
DOMAIN: Final = "esp_ota_demo"
CONF_COMEBACK_TIMEOUT: Final = "comeback_timeout"
CONFIG_SCHEMA: Final = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Required(CONF_COMEBACK_TIMEOUT): vol.All(
                    vol.Coerce(float), vol.Range(min=1)
                )
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Shorten esp_ota's wait for a board to come back after an image."""
    # Imported as Home Assistant loaded it, from the configuration's
    # custom_components (the demo links esp_ota there).
    from custom_components.esp_ota import install  # noqa: PLC0415

    vars(install)["COMEBACK_TIMEOUT"] = config[DOMAIN][CONF_COMEBACK_TIMEOUT]
    _LOGGER.warning(
        "Demo setting: esp_ota waits %s s for a board to come back after an image",
        install.COMEBACK_TIMEOUT,
    )
    return True
