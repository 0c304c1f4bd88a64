"""Credentials and query secrets in a firmware URL appear nowhere (point 7)."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.esp_ota.store import get_store
from tests.helpers import announce, stage_action
from tools.esp_images import build_esp32_app

SECRET_URL = "https://fw-user:hunter2@firmware.example/garden.bin?token=s3cr3t&v=2"
SECRETS = ("hunter2", "s3cr3t", "fw-user")

pytestmark = pytest.mark.usefixtures("init_integration")


async def test_a_staged_urls_secrets_are_not_kept_or_shown(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_ws_client: Any,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    # Home Assistant 2026 gives release notes of available entities only.
    announce(mock_async_zeroconf, mock_browser)
    await hass.async_block_till_done(wait_background_tasks=True)
    aioclient_mock.get(SECRET_URL, content=build_esp32_app(version="2.0.0"))
    await stage_action(hass, init_integration, url=SECRET_URL)

    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.filename == "garden.bin"
    client = await hass_ws_client(hass)
    await client.send_json(
        {
            "id": 1,
            "type": "update/release_notes",
            "entity_id": "update.esp32_garden_firmware",
        }
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    notes = answer["result"]
    assert "firmware.example/garden.bin" in notes
    shown = [notes, str(hass_storage["esp_ota.firmware"]), caplog.text]
    for secret in SECRETS:
        assert not any(secret in text for text in shown), secret


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ({"status": 404}, "download_http_status"),
        ({"exc": aiohttp.InvalidURL(SECRET_URL)}, "download_failed"),
    ],
    ids=["http-error", "client-error"],
)
async def test_a_failed_download_names_the_url_without_its_secrets(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    key: str,
) -> None:
    aioclient_mock.get(SECRET_URL, **answer)
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=SECRET_URL)
    assert err.value.translation_key == key
    assert "firmware.example/garden.bin" in str(err.value)
    for secret in SECRETS:
        assert secret not in str(err.value)
        assert secret not in str(err.value.translation_placeholders)
