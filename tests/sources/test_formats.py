"""Each manifest format against a firmware server on 127.0.0.1, through the actions."""

from __future__ import annotations

import hashlib
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.sources.config import OPTION_KEY
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import SourceServer, check_sources, set_source

pytestmark = pytest.mark.usefixtures("init_integration")
UPDATE = "update.esp32_garden_firmware"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


async def test_esp_web_tools_manifest_stages_the_app_part_for_the_boards_chip(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    app = build_esp32_app(version="1.2.0", project_name="garden")
    source_server.put("/garden/firmware.bin", app)
    source_server.put("/garden/esp8266.bin", build_esp8266_app())
    url = source_server.put(
        "/garden/manifest.json",
        {
            "name": "Garden",
            "version": "1.2.0",
            "builds": [
                {
                    "chipFamily": "ESP8266",
                    "parts": [{"path": "esp8266.bin", "offset": 0}],
                },
                {
                    "chipFamily": "ESP32",
                    "parts": [
                        {"path": "bootloader.bin", "offset": 4096},
                        {"path": "partitions.bin", "offset": 32768},
                        {"path": "firmware.bin", "offset": 65536},
                    ],
                },
            ],
        },
    )

    response = await set_source(hass, init_integration, url)

    assert response == {"result": "staged", "detail": None, "version": "1.2.0"}
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert (staged.version, staged.sha256) == ("1.2.0", hashlib.sha256(app).hexdigest())
    assert staged.source == f"source:{url}"
    assert source_server.asked("/garden/esp8266.bin") == 0
    state = hass.states.get(UPDATE)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["latest_version"] == "1.2.0"
    assert init_integration.options[OPTION_KEY] == {"url": url, "interval": 360}


async def test_esphome_ota_manifest_stages_with_summary_and_release_url(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    app = build_esp32_app(version="2024.6.1")
    source_server.put("/ota/garden.ota.bin", app)
    url = source_server.put(
        "/projects/garden/manifest.json",
        {
            "name": "Garden",
            "version": "2024.6.1",
            "builds": [
                {
                    "chipFamily": "ESP32",
                    "ota": {
                        "path": "/ota/garden.ota.bin",
                        "md5": _md5(app),
                        "summary": "Waters at dawn",
                        "release_url": "releases/2024.6.1.html",
                    },
                }
            ],
        },
    )

    await set_source(hass, init_integration, url)

    state = hass.states.get(UPDATE)
    assert state is not None
    assert state.attributes["latest_version"] == "2024.6.1"
    assert state.attributes["release_summary"] == "Waters at dawn"
    assert state.attributes["release_url"] == source_server.url(
        "/projects/garden/releases/2024.6.1.html"
    )


async def test_plain_json_with_sha256_stages_with_release_notes(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    app = build_esp32_app(version="3.0.0")
    url = source_server.put(
        "/plain.json",
        {
            "version": "3.0.0",
            "url": source_server.put("/bin/garden-3.0.0.bin", app),
            "sha256": hashlib.sha256(app).hexdigest(),
            "release_notes": "# 3.0.0\n\nFaster.",
            "release_url": "https://example.invalid/3.0.0",
        },
    )

    await set_source(hass, init_integration, url, interval=15)

    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.release_notes == "# 3.0.0\n\nFaster."
    assert staged.release_url == "https://example.invalid/3.0.0"
    assert staged.filename == "garden-3.0.0.bin"
    assert init_integration.options[OPTION_KEY]["interval"] == 15


async def test_a_digest_mismatch_stages_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    source_server.put("/garden.bin", build_esp32_app(version="1.1.0"))
    url = source_server.put(
        "/m.json", {"version": "1.1.0", "url": "garden.bin", "md5": "0" * 32}
    )

    response = await set_source(hass, init_integration, url)

    assert response["result"] == "digest_mismatch"
    assert f"the manifest says {'0' * 32}" in response["detail"]
    assert get_store(hass).latest(init_integration.entry_id) is None


async def test_no_build_for_the_boards_chip_is_refused_when_setting_the_source(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put(
        "/m.json",
        {
            "version": "1.0.0",
            "builds": [
                {"chipFamily": "ESP8266", "parts": [{"path": "a.bin", "offset": 0}]}
            ],
        },
    )

    with pytest.raises(HomeAssistantError) as caught:
        await set_source(hass, init_integration, url)

    assert caught.value.translation_key == "source_no_build"
    assert OPTION_KEY not in init_integration.options


async def test_a_merged_only_build_is_refused_and_says_why(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put(
        "/m.json",
        {
            "version": "1.0.0",
            "builds": [
                {"chipFamily": "ESP32", "parts": [{"path": "merged.bin", "offset": 0}]}
            ],
        },
    )

    with pytest.raises(HomeAssistantError) as caught:
        await set_source(hass, init_integration, url)

    assert caught.value.translation_key == "source_merged_only"
    assert caught.value.translation_placeholders == {"url": url, "chip": "ESP32"}


async def test_an_image_for_the_wrong_chip_is_refused_by_the_staging_checks(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    # The manifest claims ESP32, the image is an ESP8266 build: staging's chip
    # check catches what the manifest got wrong.
    source_server.put("/esp8266.bin", build_esp8266_app())
    url = source_server.put(
        "/m.json",
        {
            "version": "1.0.0",
            "builds": [
                {
                    "chipFamily": "ESP32",
                    "parts": [{"path": "esp8266.bin", "offset": 65536}],
                }
            ],
        },
    )

    response = await set_source(hass, init_integration, url)

    assert response["result"] == "image_refused"
    assert get_store(hass).latest(init_integration.entry_id) is None


async def test_check_sources_reports_each_board_and_returns_when_done(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a.bin"})
    source_server.put("/a.bin", build_esp32_app(version="1.0.0"))
    await set_source(hass, init_integration, url)
    source_server.put("/m.json", {"version": "1.0.1", "url": "b.bin"})
    source_server.put("/b.bin", build_esp32_app(version="1.0.1"))

    everyone = await check_sources(hass)
    again = await check_sources(hass, config_entry_id=init_integration.entry_id)

    assert everyone == {
        init_integration.entry_id: {
            "result": "staged",
            "detail": None,
            "version": "1.0.1",
        }
    }
    assert again[init_integration.entry_id]["result"] == "up_to_date"
    assert source_server.asked("/b.bin") == 1


async def test_an_empty_url_removes_the_source(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a.bin"})
    source_server.status["/a.bin"] = 404
    await set_source(hass, init_integration, url)

    assert await set_source(hass, init_integration, "") == {"result": None}

    assert OPTION_KEY not in init_integration.options
    assert await check_sources(hass) == {}
    assert await check_sources(hass, config_entry_id=init_integration.entry_id) == {
        init_integration.entry_id: {"result": None}
    }


async def test_actions_refuse_an_unknown_board(hass: HomeAssistant) -> None:
    with pytest.raises(HomeAssistantError) as caught:
        await check_sources(hass, config_entry_id="nope")

    assert caught.value.translation_key == "board_not_found"


async def test_a_manifest_larger_than_the_limit_is_not_read(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a" * 200})

    with (
        patch("custom_components.esp_ota.source_fetch.MAX_MANIFEST_SIZE", 100),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await set_source(hass, init_integration, url)

    assert caught.value.translation_key == "source_manifest_too_large"
    assert caught.value.translation_placeholders == {"url": url, "limit": "100"}


async def test_actions_refuse_a_board_that_is_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)

    with pytest.raises(ServiceValidationError) as caught:
        await set_source(hass, init_integration, "http://127.0.0.1/m.json")

    assert caught.value.translation_key == "board_not_loaded"
