"""Set-up and unload of an esp_ota config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import DOMAIN


async def test_entry_sets_up_and_unloads(hass: HomeAssistant) -> None:
    """A config entry loads, then unloads cleanly."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="esp32-garden",
        data={"host": "esp32-garden.local", "port": 3232},
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
