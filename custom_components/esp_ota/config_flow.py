"""Config flow for esp_ota: discovered, manual, reauth and reconfigure.

No step ever talks ArduinoOTA to a board: an invitation would start an update.
"Test before configure" is therefore a harmless check: the port is in range and
the host is an IP address or a name that resolves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import socket
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .announcement import (
    BoardAnnouncement,
    announcement_from_service_info,
    is_ip_address,
    normalize_hostname,
)
from .board import EspOtaConfigEntry
from .compat import vol
from .config_flow_web import WebUpdaterFlow
from .const import (
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DEFAULT_PORT_ESP32,
    DOMAIN,
    HTTP_SERVICE_TYPE,
    TRANSPORT_ESPOTA,
    is_web_entry,
)
from .flow_common import PASSWORD_SELECTOR, address_fields
from .identity import ENTRY_MINOR_VERSION, ENTRY_VERSION, new_identity
from .options_flow import EspOtaOptionsFlow
from .pull.config_flow import PullDiscoveryFlowMixin

_LOGGER = logging.getLogger(__name__)

RESOLVE_TIMEOUT: Final = 5.0
"""Seconds to wait for a host name to resolve; a local DNS answers in well under
a second, a name that takes longer would also stall every upload."""

_UNKNOWN: Final = "unknown"
CONF_WEB_UPDATER: Final = "web_updater"


async def async_resolve_host(hass: HomeAssistant, host: str) -> bool:
    """Return True if host is an IP address or a name that resolves."""
    if is_ip_address(host):
        return True
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            await hass.loop.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    except (OSError, TimeoutError) as err:
        _LOGGER.debug("Could not resolve %s: %s", host, err)
        return False
    return True


def _connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Host, port and optional password, pre-filled from defaults."""
    return vol.Schema(
        {
            **address_fields(defaults, DEFAULT_PORT_ESP32),
            vol.Optional(
                CONF_PASSWORD,
                description={"suggested_value": defaults.get(CONF_PASSWORD)},
            ): PASSWORD_SELECTOR,
        }
    )


def _user_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Return the connection fields plus the choice of the web updater."""
    return _connection_schema(defaults).extend(
        {vol.Optional(CONF_WEB_UPDATER, default=False): bool}
    )


def _entry_data(
    host: str,
    port: int,
    hostname: str,
    board_id: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Config entry data for an espota board; optional keys only when known."""
    data: dict[str, Any] = {
        CONF_HOST: host,
        CONF_PORT: port,
        CONF_HOSTNAME: hostname,
        CONF_TRANSPORT: TRANSPORT_ESPOTA,
    }
    if board_id:
        data[CONF_BOARD] = board_id
    if password:
        data[CONF_PASSWORD] = password
    return data


class EspOtaConfigFlow(
    WebUpdaterFlow, PullDiscoveryFlowMixin, ConfigFlow, domain=DOMAIN
):
    """Add an ArduinoOTA board: discovered over mDNS or by hand."""

    VERSION = ENTRY_VERSION
    MINOR_VERSION = ENTRY_MINOR_VERSION

    _announcement: BoardAnnouncement

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: EspOtaConfigEntry) -> OptionsFlow:
        """Return the flow that stages firmware for a board."""
        return EspOtaOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the board's address, OTA port and password."""
        errors: dict[str, str] = {}
        if user_input is not None and user_input.get(CONF_WEB_UPDATER):
            self._web_prefill = {CONF_HOST: user_input[CONF_HOST].strip()}
            return await self.async_step_web()
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            hostname = new_identity(host)
            if hostname is None:
                errors[CONF_HOST] = "invalid_host"
            elif not await async_resolve_host(self.hass, host):
                errors[CONF_HOST] = "cannot_resolve"
            else:
                await self._async_claim_identity(hostname, host)
                return self.async_create_entry(
                    title=hostname,
                    data=_entry_data(
                        host,
                        user_input[CONF_PORT],
                        hostname,
                        password=user_input.get(CONF_PASSWORD),
                    ),
                )
        return self.async_show_form(
            step_id="user",
            data_schema=_user_schema(user_input or {}),
            errors=errors,
        )

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Handle an mDNS announcement of ``_arduino._tcp.local.``."""
        if discovery_info.type == HTTP_SERVICE_TYPE:
            return await self.async_step_web_zeroconf(discovery_info)
        announcement = announcement_from_service_info(discovery_info)
        if announcement is None:
            return self.async_abort(reason="invalid_discovery_info")
        self._announcement = announcement
        await self.async_set_unique_id(announcement.hostname)
        if entry := self._async_current_board_entry(announcement):
            if is_web_entry(entry):
                # Managed through its web updater: the OTA port is not its port.
                return self.async_abort(reason="already_configured")
            if entry.state is ConfigEntryState.LOADED:
                # The runtime stores the new address in the entry itself.
                entry.runtime_data.async_handle_announcement(announcement)
            # Not loaded: store the address; a retrying entry is reloaded.
            self._abort_if_unique_id_configured(
                updates={CONF_HOST: announcement.host, CONF_PORT: announcement.port}
            )
        self.context["title_placeholders"] = {"name": announcement.hostname}
        return await self.async_step_zeroconf_confirm()

    def _async_current_board_entry(
        self, announcement: BoardAnnouncement
    ) -> EspOtaConfigEntry | None:
        """Find the entry of this board, adopting one added by IP address.

        An entry added by hand with an IP address has that address as its
        unique id; when the board announces itself from that address, the
        entry takes the board's host name so it is not offered twice.
        """
        entries: list[EspOtaConfigEntry] = self._async_current_entries(
            include_ignore=True
        )
        for entry in entries:
            if entry.unique_id == announcement.hostname:
                return entry
        for entry in entries:
            if entry.unique_id == announcement.host and is_ip_address(
                announcement.host
            ):
                _LOGGER.debug(
                    "Board at %s is %s", announcement.host, announcement.hostname
                )
                self.hass.config_entries.async_update_entry(
                    entry,
                    unique_id=announcement.hostname,
                    title=announcement.hostname,
                    data={**entry.data, CONF_HOSTNAME: announcement.hostname},
                )
                if entry.state is ConfigEntryState.LOADED:
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return entry
        return None

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was discovered and let the person add it."""
        if user_input is None:
            return self.async_show_form(
                step_id="zeroconf_confirm",
                description_placeholders=self._placeholders(),
            )
        if self._announcement.auth_required is False:
            return self._async_create_discovered_entry(None)
        return await self.async_step_zeroconf_password()

    async def async_step_zeroconf_password(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the OTA password (required when the board says auth_upload=yes)."""
        if user_input is not None:
            return self._async_create_discovered_entry(user_input.get(CONF_PASSWORD))
        required = self._announcement.auth_required is True
        key = vol.Required(CONF_PASSWORD) if required else vol.Optional(CONF_PASSWORD)
        return self.async_show_form(
            step_id="zeroconf_password",
            data_schema=vol.Schema({key: PASSWORD_SELECTOR}),
            description_placeholders=self._placeholders(),
        )

    def _placeholders(self) -> dict[str, str]:
        """Return what the confirm and password steps show about the board."""
        announcement = self._announcement
        auth = _UNKNOWN
        if announcement.auth_required is not None:
            auth = "required" if announcement.auth_required else "not required"
        return {
            "hostname": announcement.hostname,
            "board": announcement.board_id or _UNKNOWN,
            "address": f"{announcement.host}:{announcement.port}",
            "password": auth,
        }

    def _async_create_discovered_entry(self, password: str | None) -> ConfigFlowResult:
        announcement = self._announcement
        return self.async_create_entry(
            title=announcement.hostname,
            data=_entry_data(
                announcement.host,
                announcement.port,
                announcement.hostname,
                board_id=announcement.board_id,
                password=password,
            ),
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start here when the board refused our password (entry.async_start_reauth)."""
        if is_web_entry(self._get_reauth_entry()):
            return await self.async_step_reauth_web()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the board's new OTA password, store it and reload."""
        entry = self._get_reauth_entry()
        if user_input is not None:
            return self.async_update_reload_and_abort(
                entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
            )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR}),
            description_placeholders={"hostname": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address, port or password; an empty password removes it."""
        entry = self._get_reconfigure_entry()
        if is_web_entry(entry):
            return await self.async_step_reconfigure_web()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            if normalize_hostname(host) is None:
                errors[CONF_HOST] = "invalid_host"
            elif not await async_resolve_host(self.hass, host):
                errors[CONF_HOST] = "cannot_resolve"
            else:
                data = {
                    key: value
                    for key, value in entry.data.items()
                    if key not in (CONF_HOST, CONF_PORT, CONF_PASSWORD)
                }
                data |= {CONF_HOST: host, CONF_PORT: user_input[CONF_PORT]}
                if password := user_input.get(CONF_PASSWORD):
                    data[CONF_PASSWORD] = password
                if identity := await self._async_reconfigured_identity(entry, host):
                    data[CONF_HOSTNAME] = identity
                    return self.async_update_reload_and_abort(
                        entry, unique_id=identity, title=identity, data=data
                    )
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_connection_schema(user_input or entry.data),
            errors=errors,
            description_placeholders={"hostname": entry.title},
        )
