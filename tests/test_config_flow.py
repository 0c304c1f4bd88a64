"""Tests for the esp_ota config flow."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.esp_ota.const import DOMAIN


async def test_board_added_by_hand_becomes_an_entry(hass: HomeAssistant) -> None:
    """A person enters host and port and gets a config entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "esp32-garden.local", CONF_PORT: 3232}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "esp32-garden.local", CONF_PORT: 3232}

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "ESP32-garden.local", CONF_PORT: 3232}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
