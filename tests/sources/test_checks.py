"""Checking a source over time: credentials, version order, failures, polling."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.compat import vol
from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.source_manager import DATA_SOURCES, source_issue_id
from custom_components.esp_ota.sources.config import OPTION_KEY
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app

from .helpers import SourceServer, check_sources, next_check, set_source

RESULT = "sensor.esp32_garden_firmware_source_result"
LAST_CHECK = "sensor.esp32_garden_last_firmware_source_check"
TOKEN = "ci-token-0123456789"


def _release(server: SourceServer, version: str, *, path: str = "/m.json") -> str:
    """Serve an ESP32 image of ``version`` and a plain manifest for it."""
    server.put(f"/{version}.bin", build_esp32_app(version=version))
    return server.put(path, {"version": version, "url": f"{version}.bin"})


async def _result(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    response = await check_sources(hass, config_entry_id=entry.entry_id)
    result: str = response[entry.entry_id]["result"]
    return result


@pytest.mark.usefixtures("init_integration")
async def test_versions_are_staged_in_semantic_order_only_when_newer(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = _release(source_server, "1.0.0")
    await set_source(hass, init_integration, url)

    _release(source_server, "0.9.0")
    assert await _result(hass, init_integration) == "up_to_date"
    _release(source_server, "1.0.1-rc.1")
    assert await _result(hass, init_integration) == "staged"
    _release(source_server, "1.0.1")
    assert await _result(hass, init_integration) == "staged"
    assert await _result(hass, init_integration) == "up_to_date"

    assert source_server.asked("/0.9.0.bin") == 0
    assert source_server.asked("/1.0.1.bin") == 1
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "1.0.1"


@pytest.mark.usefixtures("init_integration")
async def test_other_version_strings_are_newer_whenever_they_differ(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    image = build_esp32_app(project_name="arduino-lib-builder")
    source_server.put("/n.bin", image)
    url = source_server.put("/m.json", {"version": "nightly-b", "url": "n.bin"})
    await set_source(hass, init_integration, url)

    source_server.put("/m.json", {"version": "nightly-a", "url": "n.bin"})
    assert await _result(hass, init_integration) == "staged"
    assert await _result(hass, init_integration) == "up_to_date"
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "nightly-a"


async def test_the_first_check_compares_with_the_version_the_board_runs(
    hass: HomeAssistant,
    add_board,
    source_server: SourceServer,  # type: ignore[no-untyped-def]
) -> None:
    board = await add_board(version="1.0.0")
    url = _release(source_server, "1.0.0")

    response = await set_source(hass, board.entry, url)

    assert response["result"] == "up_to_date"
    assert source_server.asked("/1.0.0.bin") == 0


@pytest.mark.usefixtures("init_integration")
async def test_a_bearer_token_reaches_the_manifest_and_image_but_no_other_origin(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    other_server: SourceServer,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source_server.auth = f"Bearer {TOKEN}"
    url = _release(source_server, "1.0.0")

    with pytest.raises(HomeAssistantError) as caught:
        await set_source(hass, init_integration, url)
    assert caught.value.translation_key == "source_unauthorized"

    await set_source(hass, init_integration, url, token=TOKEN)
    other_server.put("/2.0.0.bin", build_esp32_app(version="2.0.0"))
    source_server.put(
        "/m.json", {"version": "2.0.0", "url": other_server.url("/2.0.0.bin")}
    )
    assert await _result(hass, init_integration) == "staged"

    assert ("/1.0.0.bin", f"Bearer {TOKEN}") in source_server.requests
    assert other_server.requests == [("/2.0.0.bin", None)]
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics["firmware_source"]["credentials"] == "bearer"
    assert diagnostics["firmware_source"]["last_check"]["result"] == "staged"
    assert TOKEN not in json.dumps(diagnostics)
    assert TOKEN not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_basic_credentials_are_kept_and_redacted_from_failures(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source_server.auth = aiohttp.BasicAuth("ci", "pa55-word").encode()
    url = _release(source_server, "1.0.0")

    response = await set_source(
        hass, init_integration, url, username="ci", password="pa55-word"
    )
    assert response["result"] == "staged"
    source_server.auth = "something else"
    assert await _result(hass, init_integration) == "unauthorized"

    assert init_integration.options[OPTION_KEY]["username"] == "ci"
    assert "pa55-word" not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_three_failures_in_a_row_raise_a_repair_the_next_success_clears_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = _release(source_server, "1.0.0")
    await set_source(hass, init_integration, url)
    issue_id = source_issue_id(init_integration.entry_id)
    caplog.clear()

    source_server.status["/m.json"] = 404
    assert await _result(hass, init_integration) == "http_error"
    source_server.files["/m.json"] = b"{not json"
    del source_server.status["/m.json"]
    assert await _result(hass, init_integration) == "bad_manifest"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    source_server.status["/m.json"] = 500
    assert await _result(hass, init_integration) == "http_error"

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "source_failing_http_status"
    assert issue.translation_placeholders == {
        "board": "esp32-garden",
        "url": url,
        "failures": "3",
        "status": "500",
    }
    # esp_ota's own warnings: one per run of failures. (asyncio's slow-callback
    # warning on a loaded machine is not the source's and is not counted.)
    warnings = [
        r
        for r in caplog.records
        if r.levelname == "WARNING" and r.name.startswith("custom_components.esp_ota")
    ]
    assert len(warnings) == 1
    assert hass.states.get(RESULT).state == "http_error"  # type: ignore[union-attr]

    del source_server.status["/m.json"]
    _release(source_server, "1.0.0")
    assert await _result(hass, init_integration) == "up_to_date"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("init_integration")
async def test_an_unreachable_source_and_a_too_large_image_are_failures(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = _release(source_server, "1.0.0")
    with patch("custom_components.esp_ota.staging.MAX_IMAGE_SIZE", 1024):
        assert (await set_source(hass, init_integration, url))["result"] == (
            "download_too_large"
        )
    await source_server.server.close()

    assert await _result(hass, init_integration) == "unreachable"


@pytest.mark.usefixtures("init_integration")
async def test_the_source_is_polled_on_its_interval_until_the_board_unloads(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = _release(source_server, "1.0.0")
    await set_source(hass, init_integration, url, interval=15)
    _release(source_server, "1.1.0")

    checked = next_check(hass, init_integration)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=15))
    async with asyncio.timeout(10):
        await checked.wait()

    assert source_server.asked("/1.1.0.bin") == 1
    assert hass.states.get(RESULT).state == "staged"  # type: ignore[union-attr]
    assert hass.states.get(LAST_CHECK).state != "unknown"  # type: ignore[union-attr]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    asked = len(source_server.requests)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=45))
    await hass.async_block_till_done()
    assert len(source_server.requests) == asked


async def test_a_source_that_is_due_is_checked_when_the_board_is_set_up(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    source_server: SourceServer,
    mock_browser: object,
) -> None:
    url = _release(source_server, "1.0.0")
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={OPTION_KEY: {"url": url, "interval": 60}}
    )

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    checked = next_check(hass, mock_config_entry)
    state = hass.data[DATA_SOURCES].state(mock_config_entry.entry_id)
    if state is None or state.last_check is None:
        async with asyncio.timeout(10):
            await checked.wait()

    assert source_server.asked("/1.0.0.bin") == 1
    # Checked a moment ago: a reload does not ask again.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert source_server.asked("/m.json") == 1


@pytest.mark.usefixtures("init_integration")
async def test_source_sensors_are_unavailable_without_a_source(
    hass: HomeAssistant,
) -> None:
    assert hass.states.get(RESULT).state == "unavailable"  # type: ignore[union-attr]
    assert hass.states.get(LAST_CHECK).state == "unavailable"  # type: ignore[union-attr]


async def test_removing_the_board_forgets_its_source_record_and_repair(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    issue_registry: ir.IssueRegistry,
) -> None:
    url = _release(source_server, "1.0.0")
    await set_source(hass, init_integration, url)
    source_server.status["/m.json"] = 503
    for _ in range(3):
        await _result(hass, init_integration)
    issue_id = source_issue_id(init_integration.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    assert await hass.config_entries.async_remove(init_integration.entry_id)

    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("init_integration")
async def test_a_signed_image_urls_secret_is_not_kept_or_shown(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    hass_client: ClientSessionGenerator,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "s3cr3t-signature"
    source_server.put("/1.0.0.bin", build_esp32_app(version="1.0.0"))
    url = source_server.put(
        "/m.json", {"version": "1.0.0", "url": f"1.0.0.bin?sig={secret}"}
    )
    assert (await set_source(hass, init_integration, url))["result"] == "staged"
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.filename == "1.0.0.bin"

    source_server.put("/m.json", {"version": "1.1.0", "url": f"1.1.0.bin?sig={secret}"})
    source_server.status["/1.1.0.bin"] = 403
    response = await check_sources(hass, config_entry_id=init_integration.entry_id)
    assert response[init_integration.entry_id]["result"] == "download_failed"

    state = hass.data[DATA_SOURCES].state(init_integration.entry_id)
    assert state is not None
    assert state.detail is not None
    assert "1.1.0.bin" in state.detail
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    shown = [
        json.dumps(response),
        state.detail,
        json.dumps(diagnostics),
        str(hass_storage),
        # esp_ota's own log (the test server's access log shows what it got).
        *(r.getMessage() for r in caplog.records if r.name.startswith("custom_")),
    ]
    assert not any(secret in text for text in shown)


async def test_a_stored_interval_below_the_minimum_is_polled_every_15_minutes(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    source_server: SourceServer,
    mock_browser: object,
) -> None:
    # Written by hand or by another version: the options never pass the
    # minimum through the action or the form, but what is stored may.
    url = _release(source_server, "1.0.0")
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={OPTION_KEY: {"url": url, "interval": 1}}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    checked = next_check(hass, mock_config_entry)
    state = hass.data[DATA_SOURCES].state(mock_config_entry.entry_id)
    if state is None or state.last_check is None:
        async with asyncio.timeout(10):
            await checked.wait()
    assert source_server.asked("/m.json") == 1

    start = dt_util.utcnow()
    for minutes in (1, 2, 14):
        async_fire_time_changed(hass, start + timedelta(minutes=minutes))
        await hass.async_block_till_done(wait_background_tasks=True)
    assert source_server.asked("/m.json") == 1

    checked = next_check(hass, mock_config_entry)
    async_fire_time_changed(hass, start + timedelta(minutes=15, seconds=1))
    async with asyncio.timeout(10):
        await checked.wait()
    assert source_server.asked("/m.json") == 2


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("interval", [0, 14, 10081])
async def test_the_action_refuses_an_interval_out_of_bounds(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    interval: int,
) -> None:
    url = _release(source_server, "1.0.0")

    with pytest.raises(vol.Invalid):
        await set_source(hass, init_integration, url, interval=interval)

    assert OPTION_KEY not in init_integration.options
    assert source_server.requests == []
