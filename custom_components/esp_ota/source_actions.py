"""The ``check_sources`` and ``set_firmware_source`` actions.

``set_firmware_source`` GETs the manifest once before saving (a source that
cannot work for the board is refused with a translated message), then checks
it to the end: when the call returns, a newer version is staged. An empty URL
removes the source. ``check_sources`` checks one board's source, or every
loaded board's that has one, and returns when all checks are done. Groups of
boards do not exist yet; both actions take one ``config_entry_id``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError
import homeassistant.helpers.config_validation as cv

from .board import loaded_entry
from .compat import vol
from .const import DOMAIN
from .source_manager import DATA_SOURCES, SourceState, source_config
from .sources.config import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    SourceConfig,
)
from .sources.manifest import SourceError

SERVICE_CHECK_SOURCES: Final = "check_sources"
SERVICE_SET_FIRMWARE_SOURCE: Final = "set_firmware_source"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_URL: Final = "url"
ATTR_INTERVAL: Final = "interval"
ATTR_USERNAME: Final = "username"
ATTR_PASSWORD: Final = "password"  # noqa: S105 - the field's name, no secret
ATTR_TOKEN: Final = "token"  # noqa: S105 - the field's name, no secret

INTERVAL: Final = vol.All(
    vol.Coerce(int), vol.Range(min=MIN_INTERVAL_MINUTES, max=MAX_INTERVAL_MINUTES)
)
SET_FIRMWARE_SOURCE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_URL): vol.Any(vol.All(cv.string, vol.Length(max=0)), cv.url),
        vol.Optional(ATTR_INTERVAL, default=DEFAULT_INTERVAL_MINUTES): INTERVAL,
        vol.Exclusive(ATTR_TOKEN, "credentials"): cv.string,
        vol.Exclusive(ATTR_USERNAME, "credentials"): cv.string,
        vol.Optional(ATTR_PASSWORD): cv.string,
    }
)
CHECK_SOURCES_SCHEMA: Final = vol.Schema(
    {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
)


def source_error(err: SourceError, config: SourceConfig) -> HomeAssistantError:
    """Translate a failed source check for the person who set the source."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=f"source_{err.cause}",
        translation_placeholders={
            **{name: config.redact(value) for name, value in err.facts.items()},
            "url": config.safe_url,
        },
    )


def _response(state: SourceState | None) -> dict[str, Any]:
    if state is None:
        return {"result": None}
    return {"result": state.result, "detail": state.detail, "version": state.offered}


async def _async_set_firmware_source(call: ServiceCall) -> ServiceResponse:
    """Set, change or (empty URL) remove a board's firmware source."""
    manager = call.hass.data[DATA_SOURCES]
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    if not call.data[ATTR_URL]:
        await manager.async_set(entry, None)
        return _response(None)
    config = SourceConfig(
        url=call.data[ATTR_URL],
        interval=call.data[ATTR_INTERVAL],
        username=call.data.get(ATTR_USERNAME),
        password=call.data.get(ATTR_PASSWORD),
        token=call.data.get(ATTR_TOKEN),
    )
    try:
        release = await manager.async_validate(entry, config)
    except SourceError as err:
        raise source_error(err, config) from err
    return _response(await manager.async_set(entry, config, release))


async def _async_check_sources(call: ServiceCall) -> ServiceResponse:
    """Check one board's source, or every loaded board's; return when done."""
    hass = call.hass
    manager = hass.data[DATA_SOURCES]
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        entries = [loaded_entry(hass, entry_id)]
    else:
        entries = [
            entry
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            if source_config(entry) is not None
        ]
    states = await asyncio.gather(*(manager.async_check(entry) for entry in entries))
    return {
        entry.entry_id: _response(state)
        for entry, state in zip(entries, states, strict=True)
    }


def async_setup_source_services(hass: HomeAssistant) -> None:
    """Register the firmware source actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_FIRMWARE_SOURCE,
        _async_set_firmware_source,
        schema=SET_FIRMWARE_SOURCE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHECK_SOURCES,
        _async_check_sources,
        schema=CHECK_SOURCES_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
