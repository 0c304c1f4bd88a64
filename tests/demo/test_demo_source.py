"""The demo's firmware source: a newer ESP8266 build shows up without staging."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from aiohttp.test_utils import TestClient
from homeassistant.components.http import StaticPathConfig
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import (
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
)
from custom_components.esp_ota.firmware import ChipFamily, ImageKind, inspect_file
from custom_components.esp_ota.sources.manifest import (
    ManifestFormat,
    parse_manifest,
    verify_digest,
)
from demo.boards import ESP32_BOARD, ESP8266_BOARD
from demo.haconfig import DEMO_SOURCE_SUMMARY, DEMO_SOURCE_VERSION, place_demo_source
from demo.hass_api import HassApi, HassApiError

type ClientFactory = Callable[[], Awaitable[TestClient[Any, Any]]]
HOSTNAME = ESP8266_BOARD.hostname


def test_only_the_auto_added_esp8266_gets_a_firmware_source() -> None:
    assert ESP8266_BOARD.firmware_source
    assert ESP8266_BOARD.auto_add
    assert not ESP32_BOARD.firmware_source


def test_the_demo_source_offers_a_valid_esp8266_build_with_notes(
    tmp_path: Path,
) -> None:
    path = place_demo_source(tmp_path, HOSTNAME)

    assert path == f"/local/esp_ota_demo/{HOSTNAME}/manifest.json"
    folder = tmp_path / "www" / "esp_ota_demo" / HOSTNAME
    base = f"http://127.0.0.1:8123{path}"
    release = parse_manifest(
        json.loads((folder / "manifest.json").read_text()),
        base,
        ChipFamily.ESP8266,
    )
    assert release.format is ManifestFormat.ESPHOME_OTA
    assert release.version == DEMO_SOURCE_VERSION
    assert release.release_notes == DEMO_SOURCE_SUMMARY
    image_path = folder / release.url.rsplit("/", 1)[-1]
    verify_digest(image_path.read_bytes(), release)
    image = inspect_file(image_path, expect=ImageKind.APP)
    assert image.chip is ChipFamily.ESP8266
    assert release.release_url == base.replace("manifest.json", "CHANGELOG.txt")


@pytest.fixture
async def esp8266_entry(
    hass: HomeAssistant, mock_browser: MagicMock, config_dir: Path
) -> MockConfigEntry:
    """Add the demo's ESP8266 board as the demo does (by hand, with its password)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=HOSTNAME,
        unique_id=HOSTNAME,
        data={
            CONF_HOST: "192.168.1.60",
            CONF_PORT: 8266,
            CONF_HOSTNAME: HOSTNAME,
            CONF_BOARD: "nodemcuv2",
            CONF_TRANSPORT: TRANSPORT_ESPOTA,
            CONF_PASSWORD: "demo-ota",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_the_demo_sets_the_source_and_the_update_appears(
    hass: HomeAssistant,
    esp8266_entry: MockConfigEntry,
    config_dir: Path,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    path = place_demo_source(config_dir, HOSTNAME)
    # The demo's frontend serves <config>/www at /local/ (frontend/__init__.py).
    await hass.http.async_register_static_paths(
        [StaticPathConfig("/local", str(config_dir / "www"), False)]
    )
    client = await hass_client_no_auth()
    base = str(client.make_url("")).rstrip("/")
    api = HassApi(client.session, base)
    api.token = hass_access_token

    assert await api.set_firmware_source(esp8266_entry.entry_id, base + path) == (
        "staged"
    )

    state = hass.states.get("update.esp8266_workshop_firmware")
    assert state is not None
    assert state.state == "on"
    assert state.attributes["latest_version"] == DEMO_SOURCE_VERSION
    assert state.attributes["release_summary"] == DEMO_SOURCE_SUMMARY


async def test_a_demo_source_that_stages_nothing_stops_the_demo(
    hass: HomeAssistant,
    esp8266_entry: MockConfigEntry,
    config_dir: Path,
    hass_access_token: str,
    hass_client_no_auth: ClientFactory,
    socket_enabled: None,
) -> None:
    path = place_demo_source(config_dir, HOSTNAME)
    (
        config_dir / "www" / "esp_ota_demo" / HOSTNAME / f"{HOSTNAME}-1.1.0.bin"
    ).write_bytes(b"\xe9" + bytes(100))
    await hass.http.async_register_static_paths(
        [StaticPathConfig("/local", str(config_dir / "www"), False)]
    )
    client = await hass_client_no_auth()
    base = str(client.make_url("")).rstrip("/")
    api = HassApi(client.session, base)
    api.token = hass_access_token

    with pytest.raises(HassApiError, match="not staged: digest_mismatch"):
        await api.set_firmware_source(esp8266_entry.entry_id, base + path)
