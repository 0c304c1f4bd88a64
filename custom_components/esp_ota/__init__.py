"""The esp_ota integration: keep ArduinoOTA boards up to date from Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .board import EspOtaBoard, EspOtaConfigEntry
from .const import DOMAIN
from .presence import async_get_presence, async_release_presence

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: EspOtaConfigEntry) -> bool:
    """Set up one board: runtime state, presence tracking, entities."""
    board = EspOtaBoard(hass, entry)
    entry.runtime_data = board
    _async_remove_stale_devices(hass, entry, board.hostname)
    presence = await async_get_presence(hass)
    presence.async_register(board)
    entry.async_on_unload(board.async_shutdown)
    entry.async_on_unload(
        board.async_add_listener(lambda: _async_update_device(hass, entry))
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EspOtaConfigEntry) -> bool:
    """Unload a board's config entry; the last one stops the mDNS browser."""
    if unload_ok := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await async_release_presence(hass, entry.runtime_data)
    return unload_ok


@callback
def _async_remove_stale_devices(
    hass: HomeAssistant, entry: EspOtaConfigEntry, hostname: str
) -> None:
    """Detach devices left from an earlier identity (an entry added by IP address)."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, hostname) not in device.identifiers:
            registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )


@callback
def _async_update_device(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Keep the device's firmware version and model in step with the TXT record."""
    board = entry.runtime_data
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, board.hostname) not in device.identifiers:
            continue
        if device.sw_version != board.version or device.model != board.board_id:
            registry.async_update_device(
                device.id, sw_version=board.version, model=board.board_id
            )
