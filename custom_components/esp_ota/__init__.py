"""The esp_ota integration: keep ArduinoOTA boards up to date from Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import homeassistant.helpers.config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .inbox import FirmwareInbox
from .services import async_setup_services
from .staging import DATA_STORE, board_key, get_store
from .store import FirmwareStore

PLATFORMS: list[Platform] = []
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Load the firmware store and register the actions."""
    store = FirmwareStore(hass)
    await store.async_load()
    hass.data[DATA_STORE] = store
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Set up one board from a config entry."""
    inbox = FirmwareInbox(hass, entry)
    entry.async_on_unload(await inbox.async_start())
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unload a board's config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Forget the firmware staged for a board that was deleted."""
    await get_store(hass).async_remove_board(board_key(entry))
