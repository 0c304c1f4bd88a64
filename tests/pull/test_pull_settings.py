"""The pull server in the options: switch, URL and snippet, token rotation."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.esp_ota.settings import DATA_SETTINGS, Settings

from .helpers import PullServer, board


async def _settings_step(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry_id)
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "settings"}
        )
    )


async def test_the_settings_step_shows_the_url_and_sketch_snippets(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    result = await _settings_step(hass, entry.entry_id)
    placeholders = result["description_placeholders"]
    token = pull_server.token
    assert placeholders["pull_url"].endswith(f"/api/esp_ota/pull/{token}")
    assert placeholders["pull_url"].startswith("http")
    assert placeholders["pull_snippet_esp8266"] == (
        f'ESPhttpUpdate.update(client, "{placeholders["pull_url"]}", "<version>");'
    )
    assert placeholders["pull_snippet_esp32"].startswith("httpUpdate.update(client, ")
    assert placeholders["pull_state"] == "on"


async def test_rotating_the_token_voids_the_old_url(
    hass: HomeAssistant, pull_server: PullServer, hass_storage: dict[str, Any]
) -> None:
    entry = await pull_server.add_board()
    old = pull_server.token
    assert (await pull_server.get(board().headers())).status == 304
    result = await _settings_step(hass, entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"parallel_uploads": 4, "pull_enabled": True, "rotate_token": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    new = pull_server.token
    assert new != old
    assert len(new) >= 40
    assert (await pull_server.get(board().headers(), token=old)).status == 404
    assert (await pull_server.get(board().headers())).status == 304
    # Kept across a restart.
    restarted = Settings(hass)
    await restarted.async_load()
    assert restarted.pull_token == new
    assert restarted.pull_enabled is True


async def test_turning_the_server_off_in_the_options_answers_404(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    result = await _settings_step(hass, entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"parallel_uploads": 4, "pull_enabled": False, "rotate_token": False},
    )
    assert hass.data[DATA_SETTINGS].pull_enabled is False
    assert (await pull_server.get(board().headers())).status == 404


async def test_the_url_falls_back_when_home_assistant_knows_no_address(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    from unittest.mock import patch

    from homeassistant.helpers.network import NoURLAvailableError

    from custom_components.esp_ota.pull.settings_form import FALLBACK_BASE_URL, pull_url

    with patch(
        "custom_components.esp_ota.pull.settings_form.get_url",
        side_effect=NoURLAvailableError,
    ):
        url = pull_url(hass, hass.data[DATA_SETTINGS])
    assert url == f"{FALLBACK_BASE_URL}/api/esp_ota/pull/{pull_server.token}"
