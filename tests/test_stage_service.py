"""Staging firmware with the esp_ota.stage_firmware action (URL or file path)."""

from __future__ import annotations

from pathlib import Path
import socket
import ssl
from types import SimpleNamespace
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.store import MAX_IMAGE_SIZE, get_store
from tools.esp_images import build_esp32_app, build_esp8266_app, build_filesystem_image

from .helpers import stage_action

URL = "https://firmware.example/garden-2.0.0.bin"

pytestmark = pytest.mark.usefixtures("init_integration")


async def test_image_from_a_url_is_staged_with_its_descriptor_version(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    image = build_esp32_app(version="2.0.0", project_name="garden-valve")
    aioclient_mock.get(URL, content=image)

    response = await stage_action(
        hass, init_integration, url=URL, version="ignored", release_notes="Fixes"
    )

    assert response["version"] == "2.0.0"
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "2.0.0"
    assert staged.project == "garden-valve"
    assert staged.release_notes == "Fixes"
    assert staged.source == f"url:{URL}"
    assert get_store(hass).path_for(staged).read_bytes() == image


async def test_image_from_an_allowed_path_is_staged_with_the_given_version(
    hass: HomeAssistant, init_integration: MockConfigEntry, tmp_path: Path
) -> None:
    folder = tmp_path / "builds"
    folder.mkdir()
    hass.config.allowlist_external_dirs = {str(folder)}
    image = build_esp32_app(project_name="arduino-lib-builder")
    (folder / "garden.bin").write_bytes(image)

    response = await stage_action(
        hass, init_integration, path=str(folder / "garden.bin"), version="1.4.2"
    )

    assert response["version"] == "1.4.2"
    assert response["chip"] == "esp32"
    assert response["size"] == len(image)


async def test_image_without_any_version_is_named_by_its_short_hash(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(URL, content=build_esp32_app(project_name="arduino-lib-builder"))
    response = await stage_action(hass, init_integration, url=URL)
    assert response["version"] == response["sha256"][:8]


async def test_filesystem_image_is_staged_for_the_filesystem_target(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(URL, content=build_filesystem_image())
    await stage_action(hass, init_integration, url=URL, target="filesystem")
    store = get_store(hass)
    assert store.latest(init_integration.entry_id, ImageKind.FILESYSTEM) is not None
    assert store.latest(init_integration.entry_id, ImageKind.APP) is None


@pytest.mark.parametrize(
    ("image", "key", "words"),
    [
        (build_esp32_app(chip="esp32s3"), "wrong_chip", "built for ESP32-S3"),
        (build_esp8266_app(), "wrong_chip", "built for ESP8266"),
        (
            b"<html>not found</html>",
            "firmware_not_an_esp_image_first_byte",
            "starts with 0x3C",
        ),
        (b"", "firmware_empty_image", "empty"),
        (build_esp32_app()[:100], "firmware_truncated_image", "cut short"),
    ],
    ids=["esp32s3", "esp8266", "html", "empty", "truncated"],
)
async def test_images_that_do_not_fit_the_board_are_refused_with_a_reason(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    image: bytes,
    key: str,
    words: str,
) -> None:
    aioclient_mock.get(URL, content=image)
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL)
    assert err.value.translation_key == key
    assert words in str(err.value)
    assert get_store(hass).latest(init_integration.entry_id) is None


async def test_app_image_for_the_filesystem_target_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(URL, content=build_esp32_app())
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL, target="filesystem")
    assert err.value.translation_key == "firmware_wrong_target_filesystem"
    assert "app image but the filesystem target" in str(err.value)


async def test_download_larger_than_any_flash_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(URL, content=b"\xe9" * (MAX_IMAGE_SIZE + 1))
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL)
    assert err.value.translation_key == "download_too_large"


async def test_download_announcing_a_huge_length_is_refused_before_reading(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get(
        URL, content=b"x", headers={"Content-Length": str(MAX_IMAGE_SIZE * 4)}
    )
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL)
    assert err.value.translation_key == "download_too_large"


# aiohttp's connector errors as the library raises them (key: host, port, ssl).
_KEY = SimpleNamespace(host="firmware.example", port=443, ssl=True)


@pytest.mark.parametrize(
    ("mock_kwargs", "key", "placeholders"),
    [
        (
            {"exc": aiohttp.ClientConnectionError("no route")},
            "download_failed",
            {"url": URL, "host": "-", "error": "ClientConnectionError"},
        ),
        (
            {
                "exc": aiohttp.ClientConnectorError(
                    _KEY, ConnectionRefusedError(111, "x")
                )
            },
            "download_connection_refused",
            {"url": URL, "host": "-", "error": "ClientConnectorError"},
        ),
        (
            {"exc": aiohttp.ClientConnectorError(_KEY, socket.gaierror(-2, "x"))},
            "download_name_not_resolved",
            {"url": URL, "host": "firmware.example", "error": "ClientConnectorError"},
        ),
        (
            {"exc": aiohttp.ClientConnectorSSLError(_KEY, ssl.SSLError(1, "x"))},
            "download_tls",
            {"url": URL, "host": "-", "error": "ClientConnectorSSLError"},
        ),
        (
            {"exc": TimeoutError()},
            "download_timeout",
            {"url": URL, "host": "-", "error": "TimeoutError"},
        ),
        ({"status": 404}, "download_http_status", {"url": URL, "status": "404"}),
    ],
    ids=["connection", "refused", "name", "tls", "timeout", "not-found"],
)
async def test_unreachable_url_is_reported(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    mock_kwargs: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    aioclient_mock.get(URL, **mock_kwargs)
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL)
    # Each cause has its own translated text; no English is built in the code.
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders


async def test_path_outside_the_allowlist_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.bin"
    secret.write_bytes(build_esp32_app())
    hass.config.allowlist_external_dirs = {str(tmp_path / "builds")}
    with pytest.raises(ServiceValidationError) as err:
        await stage_action(hass, init_integration, path=str(secret))
    assert err.value.translation_key == "path_not_allowed"


async def test_missing_file_is_reported(
    hass: HomeAssistant, init_integration: MockConfigEntry, tmp_path: Path
) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    with pytest.raises(ServiceValidationError) as err:
        await stage_action(hass, init_integration, path=str(tmp_path / "nope.bin"))
    assert err.value.translation_key == "path_not_found"


async def test_a_source_is_required(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await stage_action(hass, init_integration, version="1.0")
    assert err.value.translation_key == "source_missing"


async def test_unknown_or_unloaded_boards_are_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "stage_firmware",
            {"config_entry_id": "nope", "url": URL},
            blocking=True,
        )
    assert err.value.translation_key == "board_not_found"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await stage_action(hass, init_integration, url=URL)
    assert err.value.translation_key == "board_not_loaded"
