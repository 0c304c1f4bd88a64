"""Pull boards' availability, records across restarts, broken downloads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS, SAVE_DELAY
from custom_components.esp_ota.pull.record import AVAILABILITY_FACTOR, FIRST_INTERVAL
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app

from .helpers import MAC, PullServer, board, press_install, slug


async def test_a_board_is_overdue_after_missing_its_usual_check_ins(
    hass: HomeAssistant, pull_server: PullServer, freezer: FrozenDateTimeFactory
) -> None:
    await pull_server.add_board()
    online = f"binary_sensor.{slug(MAC)}_online"
    assert (await pull_server.get(board().headers())).status == 304
    assert hass.states.get(online).state == STATE_ON
    # Every five minutes: the usual interval becomes five minutes.
    freezer.tick(timedelta(minutes=5))
    assert (await pull_server.get(board().headers())).status == 304
    freezer.tick(timedelta(minutes=5 * AVAILABILITY_FACTOR - 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(online).state == STATE_ON
    freezer.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(online).state == STATE_OFF
    # The last values stay readable while it sleeps.
    assert hass.states.get(f"sensor.{slug(MAC)}_last_check_in").state != "unavailable"
    assert (await pull_server.get(board().headers())).status == 304
    assert hass.states.get(online).state == STATE_ON


async def test_check_ins_are_kept_across_a_restart(
    hass: HomeAssistant,
    pull_server: PullServer,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await pull_server.add_board()
    await pull_server.get(board(version="1.4").headers())
    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    saved = hass_storage["esp_ota.pull"]["data"]
    assert saved[entry.entry_id]["check_in"]["version"] == "1.4"

    await hass.config_entries.async_unload(entry.entry_id)
    checkins = hass.data[DATA_CHECK_INS]
    checkins._records.clear()
    hass_storage["esp_ota.pull"]["data"]["broken"] = {"check_in": {}}
    await checkins.async_load()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes["installed_version"] == "1.4"
    assert hass.states.get(f"binary_sensor.{slug(MAC)}_online").state == STATE_ON
    # Long after the deadline, a restarted board starts out offline.
    await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(FIRST_INTERVAL * (AVAILABILITY_FACTOR + 1))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{slug(MAC)}_online").state == STATE_OFF


async def test_removing_a_board_forgets_its_check_ins(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    await pull_server.get(board().headers())
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.data[DATA_CHECK_INS].record(entry) is None


async def test_a_download_that_breaks_off_resets_progress(
    hass: HomeAssistant, pull_server: PullServer, hass_admin_user: Any
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=1024 * 1024))
    await hass.services.async_call(
        "update",
        "install",
        {"entity_id": f"update.{slug(MAC)}_firmware"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    checkins = hass.data[DATA_CHECK_INS]
    seen: list[tuple[int, int] | None] = []
    checkins.async_add_listener(entry, lambda: seen.append(checkins.progress(entry)))
    writes = 0
    original = web.StreamResponse.write

    async def write_then_drop(self: web.StreamResponse, data: bytes) -> None:
        nonlocal writes
        writes += 1
        if writes > 2:
            raise ConnectionResetError("board went away")
        await original(self, data)

    with (
        patch.object(web.StreamResponse, "write", write_then_drop),
        # No sendfile: the executor path, as behind TLS.
        patch.object(hass.loop, "sendfile", side_effect=NotImplementedError),
        # Every step reaches the listeners, as for a slow board.
        patch("custom_components.esp_ota.pull.checkins.PROGRESS_INTERVAL", 0),
    ):
        response = await pull_server.client.get(
            f"/api/esp_ota/pull/{pull_server.token}", headers=board().headers()
        )
        with pytest.raises(Exception):  # noqa: B017, PT011 - aiohttp's payload error
            await response.read()
    assert (512 * 1024, 1024 * 1024) in seen
    assert seen[-1] is None
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes["in_progress"] is True
    assert state.attributes["update_percentage"] is None


async def pending_image_path(
    hass: HomeAssistant, pull_server: PullServer, person: Any
) -> Path:
    """Stage 2.0.0 for the pull board, press Install; return the image's file."""
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0"))
    await press_install(hass, Context(user_id=person.id))
    store = get_store(hass)
    return entry, store.path_for(store.latest(entry.entry_id))


async def test_a_staged_file_missing_on_disk_gets_304(
    hass: HomeAssistant, pull_server: PullServer, hass_admin_user: Any
) -> None:
    _entry, path = await pending_image_path(hass, pull_server, hass_admin_user)
    await hass.async_add_executor_job(path.unlink)
    assert (await pull_server.get(board().headers())).status == 304


async def test_a_shorter_file_than_staged_ends_the_body_early(
    hass: HomeAssistant, pull_server: PullServer, hass_admin_user: Any
) -> None:
    entry, path = await pending_image_path(hass, pull_server, hass_admin_user)
    # Its digests are read once, on the first download; then it shrinks.
    assert (await pull_server.get(board().headers())).status == 200
    await hass.async_add_executor_job(path.write_bytes, b"\xe9short")
    with (
        patch("custom_components.esp_ota.pull.server.CHUNK_SIZE", 4),
        patch.object(hass.loop, "sendfile", side_effect=NotImplementedError),
    ):
        response = await pull_server.client.get(
            f"/api/esp_ota/pull/{pull_server.token}", headers=board().headers()
        )
        assert response.status == 200
        with pytest.raises(Exception):  # noqa: B017, PT011 - aiohttp's payload error
            await response.read()
    assert hass.data[DATA_CHECK_INS].progress(entry) is None


async def test_a_file_changed_on_disk_before_its_first_download_gets_304(
    hass: HomeAssistant,
    pull_server: PullServer,
    hass_admin_user: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _entry, path = await pending_image_path(hass, pull_server, hass_admin_user)
    await hass.async_add_executor_job(path.write_bytes, b"\xe9other bytes")

    assert (await pull_server.get(board().headers())).status == 304
    assert "missing or changed on disk" in caplog.text


async def test_discovery_with_a_bad_mac_or_a_known_board_aborts(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    await pull_server.add_board()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data={"mac": "x"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_mac"
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"mac": MAC.upper()},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_a_new_board_without_a_name_is_titled_by_its_mac(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"mac": "02:00:00:00:00:01", "core": "esp32"},
    )
    assert result["description_placeholders"]["version"] == "unknown"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["title"] == "02:00:00:00:00:01"


async def test_the_image_is_the_same_with_sendfile_and_without(
    hass: HomeAssistant, pull_server: PullServer, hass_admin_user: Any
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0", size=600 * 1024)
    await pull_server.stage(entry, image)
    await hass.services.async_call(
        "update",
        "install",
        {"entity_id": f"update.{slug(MAC)}_firmware"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    assert await (await pull_server.get(board().headers())).read() == image
    with patch.object(hass.loop, "sendfile", side_effect=NotImplementedError):
        response = await pull_server.get(board().headers())
    assert await response.read() == image
