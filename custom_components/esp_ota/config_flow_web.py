"""Config-flow steps for web updater boards (mixed into EspOtaConfigFlow).

Adding a board: by hand (host, port, update path, optional credentials) or from
a ``_http._tcp`` announcement whose instance name looks like an ESP board. Both
are checked with one harmless GET of the form page; nothing else is ever sent
while adding a board. A 401 with the cores' challenge leads to the credentials
step; any other page is "not an updater", remembered for discovered devices so
each is probed only once (web_probes.py).
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
import re
from types import MappingProxyType
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .announcement import is_ip_address, normalize_hostname
from .compat import vol
from .const import (
    CONF_HOSTNAME,
    CONF_PATH,
    CONF_TRANSPORT,
    DEFAULT_WEB_PATH,
    DEFAULT_WEB_PORT,
    TRANSPORT_WEB,
    is_web_entry,
)
from .flow_common import PASSWORD_SELECTOR, address_fields
from .identity import IdentityFlow, new_identity
from .web_probes import async_get_probe_memory
from .webupdate import (
    NotAnUpdaterError,
    WebAuthenticationError,
    WebTimeouts,
    WebUpdateError,
    WebUpdater,
)

_LOGGER = logging.getLogger(__name__)

# The flow waits for a person; one GET must not keep the dialog spinning long.
PROBE_TIMEOUTS: Final = WebTimeouts(request=10.0)
# Instance names of the cores' default host names (esp8266-XXXXXX,
# esp32-XXXXXXXXXXXX and the ESP32 family); the manifest matcher uses the same.
ESP_NAME_RE: Final = re.compile(r"^esp(8266|32)", re.IGNORECASE)

_OK: Final = "ok"
_INVALID_AUTH: Final = "invalid_auth"
_NOT_UPDATER: Final = "not_an_updater"
_CANNOT_CONNECT: Final = "cannot_connect"


def _web_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            **address_fields(defaults, DEFAULT_WEB_PORT),
            vol.Required(
                CONF_PATH, default=defaults.get(CONF_PATH, DEFAULT_WEB_PATH)
            ): str,
            vol.Optional(
                CONF_USERNAME,
                description={"suggested_value": defaults.get(CONF_USERNAME)},
            ): str,
            vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
        }
    )


def _credentials_schema(username: str | None) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME, description={"suggested_value": username}): str,
            vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
        }
    )


class WebUpdaterFlow(IdentityFlow):
    """Steps that add a web updater board; EspOtaConfigFlow inherits them."""

    _web: dict[str, Any]
    _web_needs_credentials: bool = False
    _web_prefill: Mapping[str, Any] = MappingProxyType({})

    async def _async_probe(self, data: Mapping[str, Any]) -> str:
        """GET the form page once; return _OK or an error key."""
        client = WebUpdater(
            async_get_clientsession(self.hass),
            data[CONF_HOST],
            data[CONF_PORT],
            data.get(CONF_PATH, DEFAULT_WEB_PATH),
            username=data.get(CONF_USERNAME),
            password=data.get(CONF_PASSWORD),
            timeouts=PROBE_TIMEOUTS,
        )
        try:
            await client.probe()
        except WebAuthenticationError:
            return _INVALID_AUTH
        except NotAnUpdaterError:
            return _NOT_UPDATER
        except WebUpdateError as err:
            _LOGGER.debug("No web updater at %s: %s", client.url, err)
            return _CANNOT_CONNECT
        return _OK

    def _web_hostname_taken(self, hostname: str) -> bool:
        """One board, one entry: another entry may already use this host name."""
        entries: list[ConfigEntry] = self._async_current_entries(include_ignore=False)
        return any(entry.data.get(CONF_HOSTNAME) == hostname for entry in entries)

    def _async_create_web_entry(self) -> ConfigFlowResult:
        data = {
            key: value
            for key, value in self._web.items()
            if key not in (CONF_USERNAME, CONF_PASSWORD) or value
        }
        data[CONF_TRANSPORT] = TRANSPORT_WEB
        return self.async_create_entry(title=data[CONF_HOSTNAME], data=data)

    async def async_step_web(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a web updater board's address, update path and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None and CONF_PATH in user_input:
            host = user_input[CONF_HOST].strip()
            path = "/" + user_input[CONF_PATH].strip().lstrip("/")
            hostname = new_identity(host)
            if hostname is None:
                errors[CONF_HOST] = "invalid_host"
            else:
                await self._async_claim_identity(hostname, host)
                if self._web_hostname_taken(hostname):
                    return self.async_abort(reason="already_configured")
                self._web = {
                    **user_input,
                    CONF_HOST: host,
                    CONF_PATH: path,
                    CONF_HOSTNAME: hostname,
                }
                result = await self._async_probe(self._web)
                if result == _OK:
                    return self._async_create_web_entry()
                if result == _INVALID_AUTH and not user_input.get(CONF_PASSWORD):
                    return await self.async_step_web_credentials()
                errors["base"] = result
        return self.async_show_form(
            step_id="web",
            data_schema=_web_schema(user_input or self._web_prefill),
            errors=errors,
        )

    async def async_step_web_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the username and password the sketch gave the updater."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._web |= user_input
            result = await self._async_probe(self._web)
            if result == _OK:
                return self._async_create_web_entry()
            errors["base"] = result
        return self.async_show_form(
            step_id="web_credentials",
            data_schema=_credentials_schema(self._web.get(CONF_USERNAME)),
            errors=errors,
            description_placeholders={"hostname": self._web[CONF_HOSTNAME]},
        )

    async def async_step_web_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Handle an ``_http._tcp`` announcement of an ESP-named device."""
        instance = discovery_info.name.split(".", 1)[0]
        hostname = normalize_hostname(instance) or normalize_hostname(
            discovery_info.hostname
        )
        if not ESP_NAME_RE.match(instance) or hostname is None:
            return self.async_abort(reason="not_esp_updater")
        host = str(discovery_info.ip_address)
        await self.async_set_unique_id(hostname)
        self._async_adopt_web_entry_by_address(host, hostname)
        for entry in self._async_current_entries(include_ignore=True):
            if entry.unique_id == hostname or entry.data.get(CONF_HOSTNAME) == hostname:
                if is_web_entry(entry):
                    self._abort_if_unique_id_configured(
                        updates={CONF_HOST: host, CONF_PORT: discovery_info.port}
                    )
                return self.async_abort(reason="already_configured")
        memory = await async_get_probe_memory(self.hass)
        if memory.is_known_not_updater(hostname):
            return self.async_abort(reason="not_esp_updater")
        self._web = {
            CONF_HOST: host,
            CONF_PORT: discovery_info.port or DEFAULT_WEB_PORT,
            CONF_PATH: DEFAULT_WEB_PATH,
            CONF_HOSTNAME: hostname,
        }
        result = await self._async_probe(self._web)
        if result == _NOT_UPDATER:
            await memory.async_remember_not_updater(hostname)
            return self.async_abort(reason="not_esp_updater")
        if result == _CANNOT_CONNECT:
            return self.async_abort(reason="cannot_connect")
        self._web_needs_credentials = result == _INVALID_AUTH
        self.context["title_placeholders"] = {"name": hostname}
        return await self.async_step_web_confirm()

    def _async_adopt_web_entry_by_address(self, host: str, hostname: str) -> None:
        """Give a web entry added by IP address the host name it announces."""
        for entry in self._async_current_entries(include_ignore=False):
            if is_web_entry(entry) and entry.unique_id == host and is_ip_address(host):
                self.hass.config_entries.async_update_entry(
                    entry,
                    unique_id=hostname,
                    title=hostname,
                    data={**entry.data, CONF_HOSTNAME: hostname},
                )
                self.hass.config_entries.async_schedule_reload(entry.entry_id)

    async def async_step_web_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the discovered web updater and let the person add it."""
        if user_input is None:
            return self.async_show_form(
                step_id="web_confirm",
                description_placeholders={
                    "hostname": self._web[CONF_HOSTNAME],
                    "url": (
                        f"http://{self._web[CONF_HOST]}:{self._web[CONF_PORT]}"
                        f"{self._web[CONF_PATH]}"
                    ),
                },
            )
        if self._web_needs_credentials:
            return await self.async_step_web_credentials()
        return self._async_create_web_entry()

    async def async_step_reauth_web(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the updater's current username and password; check; reload."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            result = await self._async_probe({**entry.data, **user_input})
            if result == _OK:
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
            errors["base"] = result
        return self.async_show_form(
            step_id="reauth_web",
            data_schema=_credentials_schema(entry.data.get(CONF_USERNAME)),
            errors=errors,
            description_placeholders={"hostname": entry.title},
        )

    async def async_step_reconfigure_web(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a web board's address, port or update path (checked by a GET)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            changes = {
                CONF_HOST: host,
                CONF_PORT: user_input[CONF_PORT],
                CONF_PATH: "/" + user_input[CONF_PATH].strip().lstrip("/"),
            }
            if normalize_hostname(host) is None:
                errors[CONF_HOST] = "invalid_host"
            # Another board's name aborts before anything is sent to it.
            elif identity := await self._async_reconfigured_identity(entry, host):
                changes |= {CONF_HOSTNAME: identity}
            if not errors:
                result = await self._async_probe({**entry.data, **changes})
                if result == _OK:
                    return self.async_update_reload_and_abort(
                        entry,
                        unique_id=changes.get(CONF_HOSTNAME, entry.unique_id),
                        title=changes.get(CONF_HOSTNAME, entry.title),
                        data_updates=changes,
                    )
                errors["base"] = result
        schema = vol.Schema(
            {
                key: value
                for key, value in _web_schema(user_input or entry.data).schema.items()
                if key not in (CONF_USERNAME, CONF_PASSWORD)
            }
        )
        return self.async_show_form(
            step_id="reconfigure_web",
            data_schema=schema,
            errors=errors,
            description_placeholders={"hostname": entry.title},
        )
