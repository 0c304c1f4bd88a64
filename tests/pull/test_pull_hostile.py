"""Hostile and broken clients: stuck readers, made-up MACs, probing, junk boards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import io
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_IGNORE
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized
import pytest

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS
from custom_components.esp_ota.pull.discovery import MAX_DISCOVERY_FLOWS
from tools.esp_emulator.pull_client import PullResult
from tools.esp_images import build_esp32_app

from .helpers import MAC, OTHER_MAC, PullServer, board, press_install, slug, wait_until


async def arm(hass: HomeAssistant, pull_server: PullServer, person: Context) -> Any:
    """Add the board, stage a 2 MiB image and press Install."""
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=2 << 20))
    await press_install(hass, person)
    return entry


async def test_a_reader_that_stops_reading_is_dropped_after_the_send_timeout(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await arm(hass, pull_server, person)
    checkins = hass.data[DATA_CHECK_INS]
    checkins.send_timeout = 0.2
    emulated = board(stall_after=16 * 1024, free_space=4 << 20)

    outcome = await emulated.update(pull_server.url)
    assert outcome.reason == "stopped reading"
    # The connection is still open on the board's side; the server gives up.
    await wait_until(hass, entry, lambda: checkins.progress(entry) is None)
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes["update_percentage"] is None
    assert state.attributes["in_progress"] is True


async def test_a_cancelled_download_resets_progress_first(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    """Home Assistant cancels the handler of a board that went away."""
    entry = await arm(hass, pull_server, person)
    checkins = hass.data[DATA_CHECK_INS]
    checkins.send_timeout = 30.0
    emulated = board(stall_after=16 * 1024, free_space=4 << 20)
    before = asyncio.all_tasks()
    await emulated.update(pull_server.url)
    await wait_until(hass, entry, lambda: checkins.progress(entry) is not None)
    handlers = [
        task
        for task in asyncio.all_tasks() - before
        if "RequestHandler" in repr(task.get_coro())
    ]
    assert handlers
    for task in handlers:
        task.cancel()
    await wait_until(hass, entry, lambda: checkins.progress(entry) is None)
    assert (
        hass.states.get(f"update.{slug(MAC)}_firmware").attributes["update_percentage"]
        is None
    )


async def test_a_handler_cancelled_as_it_closes_the_file_has_reset_progress(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    """The cancel may come while the broken-off handler closes its file.

    Home Assistant cancels the handler of a board that went away wherever it
    is; the issue's case is the close in the ``finally``. The reset must not
    wait behind anything the cancel can interrupt.
    """
    entry = await arm(hass, pull_server, person)
    checkins = hass.data[DATA_CHECK_INS]
    add_job = hass.async_add_executor_job
    closing = asyncio.Event()

    def cancel_at_close(target: Callable[..., Any], *args: Any) -> Any:
        if getattr(target, "__name__", "") == "close" and isinstance(
            getattr(target, "__self__", None), io.BufferedReader
        ):
            task = asyncio.current_task()
            assert task is not None
            task.cancel()  # as aiohttp does on connection_lost
            closing.set()
        return add_job(target, *args)

    emulated = board(break_after=64 * 1024, free_space=4 << 20)
    with patch.object(hass, "async_add_executor_job", cancel_at_close):
        outcome = await emulated.update(pull_server.url)
        assert (outcome.result, outcome.status) == (PullResult.FAILED, 200)
        async with asyncio.timeout(10):
            await closing.wait()
    await wait_until(hass, entry, lambda: checkins.progress(entry) is None)
    assert (
        hass.states.get(f"update.{slug(MAC)}_firmware").attributes["update_percentage"]
        is None
    )


@pytest.mark.parametrize(
    "mac",
    [
        "00:00:00:00:00:00",
        "FF:FF:FF:FF:FF:FF",
        "01:00:5E:00:00:FB",
        "33:33:00:00:00:01",
    ],
)
async def test_all_zero_broadcast_and_multicast_macs_are_refused(
    hass: HomeAssistant, pull_server: PullServer, mac: str
) -> None:
    assert (await pull_server.get(board(mac=mac).headers())).status == 400
    await hass.async_block_till_done()
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.parametrize(
    "method",
    ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"],
)
async def test_every_method_gets_the_same_404(
    hass: HomeAssistant, pull_server: PullServer, method: str
) -> None:
    """No 405 with ``Allow``, no CORS preflight answer: nothing names the route."""
    await pull_server.add_board()
    # A browser's preflight carries an origin Home Assistant allows by default.
    headers = {**board().headers(), "Origin": "https://cast.home-assistant.io"}
    for path in (
        f"/api/esp_ota/pull/{pull_server.token}",
        "/api/esp_ota/pull/wrong",
        "/api/esp_ota/pull",
    ):
        response = await pull_server.client.request(method, path, headers=headers)
        assert response.status == 404
        assert "Allow" not in response.headers
        assert not any(name.startswith("Access-Control") for name in response.headers)
    await hass.data["esp_ota_settings"].async_set_pull(
        enabled=False, rotate_token=False
    )
    response = await pull_server.client.request(
        method, f"/api/esp_ota/pull/{pull_server.token}", headers=headers
    )
    assert response.status == 404


def pull_flows(hass: HomeAssistant) -> list[str]:
    """Return the MACs of the waiting "new board checked in" flows."""
    return [
        flow["context"]["unique_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


async def check_in(hass: HomeAssistant, pull_server: PullServer, mac: str) -> None:
    """Check in once as an unknown board and let the flow start."""
    assert (await pull_server.get(board(mac=mac).headers())).status == 304
    await hass.async_block_till_done()


async def test_a_mac_is_offered_again_after_delete_clear_and_unignore(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == [OTHER_MAC]
    # Added, then deleted: offered again.
    flow_id = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    await hass.config_entries.async_remove(result["result"].entry_id)
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == [OTHER_MAC]
    # Cleared by a person: offered again when it checks in again.
    await hass.services.async_call(
        DOMAIN, "clear_pull_discoveries", blocking=True, context=person
    )
    assert pull_flows(hass) == []
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == [OTHER_MAC]
    # Ignored: not offered; the ignore undone: offered again.
    flow_id = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]["flow_id"]
    hass.config_entries.flow.async_abort(flow_id)
    ignored = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE},
        data={"unique_id": OTHER_MAC, "title": OTHER_MAC},
    )
    await hass.async_block_till_done()
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == []
    await hass.config_entries.async_remove(ignored["result"].entry_id)
    await hass.async_block_till_done()
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == [OTHER_MAC]


async def test_junk_discoveries_are_capped_and_a_person_clears_them(
    hass: HomeAssistant,
    pull_server: PullServer,
    person: Context,
    hass_read_only_user: Any,
) -> None:
    for index in range(MAX_DISCOVERY_FLOWS + 4):
        await check_in(hass, pull_server, f"02:00:00:00:01:{index:02x}")
    assert len(pull_flows(hass)) == MAX_DISCOVERY_FLOWS
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "clear_pull_discoveries",
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    await hass.services.async_call(
        DOMAIN, "clear_pull_discoveries", blocking=True, context=person
    )
    assert pull_flows(hass) == []
    # A real board is offered at once now.
    await check_in(hass, pull_server, OTHER_MAC)
    assert pull_flows(hass) == [OTHER_MAC]
    assert (await board(mac=OTHER_MAC).update(pull_server.url)).result is (
        PullResult.NO_UPDATES
    )
