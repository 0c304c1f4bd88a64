"""Actions (services) of esp_ota."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import ServiceValidationError
import homeassistant.helpers.config_validation as cv

from .board import loaded_entry
from .compat import vol
from .confirm import async_confirm
from .const import DOMAIN
from .firmware import ImageKind
from .groups import async_confirm_for_group, async_stage_for_group, parse_group
from .redact import redact_url, url_filename
from .source_actions import async_setup_source_services
from .staging import async_download, async_stage_for_entry

SERVICE_STAGE_FIRMWARE: Final = "stage_firmware"
SERVICE_CONFIRM: Final = "confirm"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_GROUP: Final = "group"
ATTR_URL: Final = "url"
ATTR_PATH: Final = "path"
ATTR_VERSION: Final = "version"
ATTR_RELEASE_NOTES: Final = "release_notes"
ATTR_TARGET: Final = "target"
TARGET_FLASH: Final = "flash"
TARGET_FILESYSTEM: Final = "filesystem"

# One board (config_entry_id) or a group of boards (groups.py), never both.
STAGE_FIRMWARE_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "boards"): cv.string,
            vol.Exclusive(ATTR_GROUP, "boards"): cv.string,
            vol.Exclusive(ATTR_URL, "source"): cv.url,
            vol.Exclusive(ATTR_PATH, "source"): cv.string,
            vol.Optional(ATTR_VERSION): vol.All(cv.string, vol.Length(max=64)),
            vol.Optional(ATTR_RELEASE_NOTES): vol.All(cv.string, vol.Length(max=20000)),
            vol.Optional(ATTR_TARGET, default=TARGET_FLASH): vol.In(
                [TARGET_FLASH, TARGET_FILESYSTEM]
            ),
        }
    ),
    cv.has_at_least_one_key(ATTR_CONFIG_ENTRY_ID, ATTR_GROUP),
)

CONFIRM_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Exclusive(ATTR_CONFIG_ENTRY_ID, "boards"): cv.string,
            vol.Exclusive(ATTR_GROUP, "boards"): cv.string,
            vol.Optional(ATTR_VERSION): cv.string,
            vol.Optional(ATTR_TARGET, default=TARGET_FLASH): vol.In(
                [TARGET_FLASH, TARGET_FILESYSTEM]
            ),
        }
    ),
    cv.has_at_least_one_key(ATTR_CONFIG_ENTRY_ID, ATTR_GROUP),
)


def _kind(target: str) -> ImageKind:
    return ImageKind.FILESYSTEM if target == TARGET_FILESYSTEM else ImageKind.APP


async def _async_stage_firmware(call: ServiceCall) -> ServiceResponse:
    """Stage an image from a URL or an allowed file path for a board or group."""
    hass = call.hass
    # Checked before any download: an unknown board or group costs nothing.
    group = parse_group(call.data[ATTR_GROUP]) if ATTR_GROUP in call.data else None
    if group is None:
        loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind = _kind(call.data[ATTR_TARGET])
    source: Path | bytes
    if url := call.data.get(ATTR_URL):
        source = await async_download(hass, url)
        origin, filename = f"url:{redact_url(url)}", url_filename(url)
    elif raw_path := call.data.get(ATTR_PATH):
        source = Path(raw_path)
        await _async_check_path(hass, source)
        origin, filename = f"path:{raw_path}", source.name
    else:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="source_missing"
        )
    if group is not None:
        result = await async_stage_for_group(
            hass,
            group,
            source,
            kind=kind,
            version=call.data.get(ATTR_VERSION),
            release_notes=call.data.get(ATTR_RELEASE_NOTES),
            origin=origin,
            filename=filename,
        )
        result.raise_if_nothing_done("group_nothing_staged")
        return result.as_response("staged")
    staged = await async_stage_for_entry(
        hass,
        loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID]),
        source,
        kind=kind,
        version=call.data.get(ATTR_VERSION),
        release_notes=call.data.get(ATTR_RELEASE_NOTES),
        origin=origin,
        filename=filename,
    )
    return {
        "version": staged.version,
        "sha256": staged.sha256,
        "md5": staged.md5,
        "size": staged.size,
        "chip": staged.chip.value if staged.chip else None,
    }


async def _async_check_path(hass: HomeAssistant, path: Path) -> None:
    """Refuse paths outside allowlist_external_dirs (and the config folder)."""

    def check() -> str | None:
        if not hass.config.is_allowed_path(str(path)):
            return "path_not_allowed"
        if not path.is_file():
            return "path_not_found"
        return None

    if problem := await hass.async_add_executor_job(check):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=problem,
            translation_placeholders={"path": str(path)},
        )


async def _async_confirm(call: ServiceCall) -> ServiceResponse:
    """Confirm a staged image in the name of the person calling."""
    if ATTR_GROUP in call.data:
        result = await async_confirm_for_group(
            call.hass,
            parse_group(call.data[ATTR_GROUP]),
            call.context,
            call.data.get(ATTR_VERSION),
            _kind(call.data[ATTR_TARGET]),
        )
        result.raise_if_nothing_done("group_nothing_confirmed")
        return result.as_response("confirmed")
    entry = loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    confirmed = await async_confirm(
        call.hass,
        entry,
        call.context,
        call.data.get(ATTR_VERSION),
        _kind(call.data[ATTR_TARGET]),
    )
    return {"version": confirmed.version, "sha256": confirmed.sha256}


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_STAGE_FIRMWARE,
        _async_stage_firmware,
        schema=STAGE_FIRMWARE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CONFIRM,
        _async_confirm,
        schema=CONFIRM_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    async_setup_source_services(hass)
