"""Config flow steps for pull boards: "a new board checked in"."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector

from custom_components.esp_ota.compat import vol
from custom_components.esp_ota.const import (
    CONF_HOSTNAME,
    CONF_MAC,
    CONF_TRANSPORT,
    TRANSPORT_PULL,
)

from .protocol import normalize_mac


def pull_hostname(mac: str) -> str:
    """Return the device identifier of a pull board: ``esp-`` and its MAC digits."""
    return "esp-" + mac.replace(":", "")


class PullDiscoveryFlowMixin(ConfigFlow):
    """Add a board that checked in at the pull server (unique id: its STA MAC)."""

    _pull_discovery: dict[str, str]

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Start from the pull view's "unknown MAC checked in"."""
        mac = normalize_mac(str(discovery_info.get(CONF_MAC, "")))
        if mac is None:
            return self.async_abort(reason="invalid_mac")
        await self.async_set_unique_id(mac)
        self._abort_if_unique_id_configured()
        self._pull_discovery = {
            CONF_MAC: mac,
            "core": str(discovery_info.get("core", "")),
            "version": str(discovery_info.get("version", "")) or "unknown",
        }
        self.context["title_placeholders"] = {"name": mac}
        return await self.async_step_pull_confirm()

    async def async_step_pull_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the board that checked in; the person may name it."""
        mac = self._pull_discovery[CONF_MAC]
        if user_input is not None:
            return self.async_create_entry(
                title=(user_input.get(CONF_NAME) or "").strip() or mac,
                data={
                    CONF_TRANSPORT: TRANSPORT_PULL,
                    CONF_MAC: mac,
                    CONF_HOSTNAME: pull_hostname(mac),
                },
            )
        return self.async_show_form(
            step_id="pull_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_NAME): TextSelector()}),
            description_placeholders=self._pull_discovery,
        )
