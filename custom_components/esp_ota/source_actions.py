"""The ``check_sources`` and ``set_firmware_source`` actions.

``set_firmware_source`` GETs the manifest once before saving (a source that
cannot work for the board is refused with a translated message), then checks
it to the end: when the call returns, a newer version is staged. An empty URL
removes the source. ``check_sources`` checks one board's source, or every
loaded board's that has one, and returns when all checks are done.

Both take a group of boards (``groups.py``) instead of one board:
``set_firmware_source`` then GETs the manifest once and gives the source to
every board of the group it has a build for (each board keeps its own copy,
polled and checked on its own, as if set board by board), and lists the boards
it has no build for with the reason; an empty URL removes the source of every
board of the group. ``check_sources`` with a group checks its boards' sources.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
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
from .groups import Group, board_chip, members, parse_group
from .source_fetch import async_fetch_manifest
from .source_manager import DATA_SOURCES, SourceState, source_config
from .sources.config import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    SourceConfig,
)
from .sources.manifest import SourceError, parse_manifest
from .translate import async_translate

SERVICE_CHECK_SOURCES: Final = "check_sources"
SERVICE_SET_FIRMWARE_SOURCE: Final = "set_firmware_source"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_GROUP: Final = "group"
ATTR_URL: Final = "url"
ATTR_INTERVAL: Final = "interval"
ATTR_USERNAME: Final = "username"
ATTR_PASSWORD: Final = "password"  # noqa: S105 - the field's name, no secret
ATTR_TOKEN: Final = "token"  # noqa: S105 - the field's name, no secret

INTERVAL: Final = vol.All(
    vol.Coerce(int), vol.Range(min=MIN_INTERVAL_MINUTES, max=MAX_INTERVAL_MINUTES)
)
SET_FIRMWARE_SOURCE_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "boards"): cv.string,
            vol.Exclusive(ATTR_GROUP, "boards"): cv.string,
            vol.Required(ATTR_URL): vol.Any(
                vol.All(cv.string, vol.Length(max=0)), cv.url
            ),
            vol.Optional(ATTR_INTERVAL, default=DEFAULT_INTERVAL_MINUTES): INTERVAL,
            vol.Exclusive(ATTR_TOKEN, "credentials"): cv.string,
            vol.Exclusive(ATTR_USERNAME, "credentials"): cv.string,
            vol.Optional(ATTR_PASSWORD): cv.string,
        }
    ),
    cv.has_at_least_one_key(ATTR_CONFIG_ENTRY_ID, ATTR_GROUP),
)
CHECK_SOURCES_SCHEMA: Final = vol.Schema(
    {
        vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "boards"): cv.string,
        vol.Exclusive(ATTR_GROUP, "boards"): cv.string,
    }
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


@dataclass(frozen=True)
class GroupSourceOutcome:
    """What setting a group's source did for one board."""

    entry: ConfigEntry
    state: SourceState | None
    reason: str | None = None
    """Why the board did not get the source (translated); None: it got it."""


async def async_set_group_source(
    hass: HomeAssistant, group: Group, config: SourceConfig | None, *, wait: bool
) -> list[GroupSourceOutcome]:
    """Give (None: take away) a source to every board of a group it can serve.

    One GET of the manifest; each board is given its chip's release. ``wait``:
    return once each board's check (download, staging) is done, else check in
    the background. Raises ``source_error`` when the manifest cannot be used.
    """
    manager = hass.data[DATA_SOURCES]
    boards = members(hass, group)
    if config is None:
        for entry in boards:
            await manager.async_set(entry, None)
        return [GroupSourceOutcome(entry, None) for entry in boards]
    try:
        document = await async_fetch_manifest(hass, config)
    except SourceError as err:
        raise source_error(err, config) from err
    outcomes = []
    for entry in boards:
        try:
            release = parse_manifest(document, config.url, board_chip(entry))
        except SourceError as err:
            reason = await async_translate(hass, source_error(err, config))
            outcomes.append(GroupSourceOutcome(entry, None, reason))
            continue
        if wait:
            state = await manager.async_set(entry, config, release)
        else:
            await manager.async_set(entry, config)
            entry.async_create_background_task(
                hass,
                manager.async_check(entry, release),
                f"{DOMAIN} firmware source check {entry.title}",
            )
            state = None
        outcomes.append(GroupSourceOutcome(entry, state))
    if not any(outcome.reason is None for outcome in outcomes):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="group_source_fits_none",
            translation_placeholders={
                "group": group.key,
                "reasons": "\n".join(
                    f"- {o.entry.title}: {o.reason}" for o in outcomes
                ),
            },
        )
    return outcomes


def _group_response(group: Group, outcomes: list[GroupSourceOutcome]) -> dict[str, Any]:
    return {
        "group": group.key,
        "set": [
            {
                "config_entry_id": o.entry.entry_id,
                "board": o.entry.title,
                **_response(o.state),
            }
            for o in outcomes
            if o.reason is None
        ],
        "not_set": [
            {
                "config_entry_id": o.entry.entry_id,
                "board": o.entry.title,
                "reason": o.reason,
            }
            for o in outcomes
            if o.reason is not None
        ],
    }


async def _async_set_firmware_source(call: ServiceCall) -> ServiceResponse:
    """Set, change or (empty URL) remove a board's (or a group's) source."""
    manager = call.hass.data[DATA_SOURCES]
    config = (
        SourceConfig(
            url=call.data[ATTR_URL],
            interval=call.data[ATTR_INTERVAL],
            username=call.data.get(ATTR_USERNAME),
            password=call.data.get(ATTR_PASSWORD),
            token=call.data.get(ATTR_TOKEN),
        )
        if call.data[ATTR_URL]
        else None
    )
    if ATTR_GROUP in call.data:
        group = parse_group(call.data[ATTR_GROUP])
        outcomes = await async_set_group_source(call.hass, group, config, wait=True)
        return _group_response(group, outcomes)
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    if config is None:
        await manager.async_set(entry, None)
        return _response(None)
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
    elif ATTR_GROUP in call.data:
        entries = [
            entry
            for entry in members(hass, parse_group(call.data[ATTR_GROUP]))
            if source_config(entry) is not None
        ]
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
