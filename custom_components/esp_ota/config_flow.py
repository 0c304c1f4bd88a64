"""Config flow for esp_ota: add an ArduinoOTA board."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback

from .compat import vol
from .const import DOMAIN
from .options_flow import EspOtaOptionsFlow

STEP_USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): str,
        vol.Required(CONF_PORT, default=3232): vol.All(int, vol.Range(1, 65535)),
    }
)


class EspOtaConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a board by hand."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the board's address and OTA port."""
        if user_input is None:
            return self.async_show_form(step_id="user", data_schema=STEP_USER_SCHEMA)
        await self.async_set_unique_id(user_input[CONF_HOST].lower())
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=user_input[CONF_HOST], data=user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the flow that stages firmware for a board."""
        return EspOtaOptionsFlow()
