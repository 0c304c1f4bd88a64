"""A pull board's last install: delivered, refused, timed from the download.

Driven through Home Assistant and the emulated pull client: a person stages
and presses Install, the board checks in, downloads, reboots and checks in
again; the "Last install" sensor and the diagnostics tell how it went.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.events import (
    EVENT_INSTALL_FINISHED,
    EVENT_INSTALL_STARTED,
)
from custom_components.esp_ota.pull import deliveries
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullResult
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import MAC, PullServer, board, press_install, slug

SENSOR = f"sensor.{slug(MAC)}_last_install"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each reading of the delivery clock 7.5 s after the one before."""
    ticks = count(0)
    monkeypatch.setattr(deliveries, "monotonic", lambda: next(ticks) * 7.5)


@pytest.fixture
async def diagnostics(hass: HomeAssistant) -> None:
    """Set up diagnostics before the pull server's HTTP app starts."""
    assert await async_setup_component(hass, "diagnostics", {})


def shown(hass: HomeAssistant) -> dict[str, Any]:
    """Return the sensor's state and attributes, without the time it ended."""
    state = hass.states.get(SENSOR)
    assert state is not None
    attributes = dict(state.attributes)
    assert attributes.pop("time").startswith("20")
    return {
        "state": state.state,
        **{
            name: attributes[name]
            for name in ("version", "target", "method", "reason", "seconds")
        },
    }


async def test_a_pulled_install_is_recorded_when_the_board_runs_it(
    hass: HomeAssistant,
    diagnostics: None,
    pull_server: PullServer,
    person: Context,
    clock: None,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await pull_server.add_board()
    assert hass.states.get(SENSOR).state == STATE_UNKNOWN
    image = build_esp32_app(version="2.0.0", size=256 * 1024)
    await pull_server.stage(entry, image)
    await press_install(hass, person)
    emulated = board(version="1.0.0")

    assert (await emulated.update(pull_server.url)).result is PullResult.UPDATED
    # Flashed and rebooting: not installed until the board says it runs it.
    assert hass.states.get(SENSOR).state == STATE_UNKNOWN
    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    await hass.async_block_till_done()

    # One clock reading at the download's start, one at the check-in after it.
    assert shown(hass) == {
        "state": "succeeded",
        "version": "2.0.0",
        "target": "app",
        "method": "pull",
        "reason": None,
        "seconds": 7.5,
    }
    data = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    last = data["last_install"]
    assert (last["outcome"], last["method"], last["seconds"]) == (
        "succeeded",
        "pull",
        7.5,
    )


async def test_a_sketch_without_room_is_recorded_as_refused_once(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=128 * 1024))
    await press_install(hass, person)
    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            writes.append(event.data["new_state"].state)
            if event.data["entity_id"] == SENSOR
            else None
        ),
    )

    small = board(free_space=64 * 1024)
    for _ in range(3):
        assert (await pull_server.get(small.headers())).status == 304
    await hass.async_block_till_done()

    assert shown(hass) == {
        "state": "refused",
        "version": "2.0.0",
        "target": "app",
        "method": "pull",
        "reason": "too_large_for_board",
        "seconds": None,
    }
    # Recorded at the first check-in, not again at every one after it.
    assert writes == ["refused"]

    # With room the board gets it; the next check-in running it succeeds.
    roomy = board(version="1.0.0", free_space=1 << 20)
    assert (await roomy.update(pull_server.url)).result is PullResult.UPDATED
    assert (await roomy.update(pull_server.url)).result is PullResult.NO_UPDATES
    await hass.async_block_till_done()
    assert shown(hass)["state"] == "succeeded"
    assert isinstance(shown(hass)["seconds"], float)


async def test_a_delivered_filesystem_image_is_recorded(
    hass: HomeAssistant, pull_server: PullServer, person: Context, clock: None
) -> None:
    entry = await pull_server.add_board()
    filesystem = bytes(range(256)) * 256
    await pull_server.stage(entry, filesystem, target="filesystem", version="fs-1")
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": entry.entry_id, "target": "filesystem"},
        blocking=True,
        context=person,
    )
    response = await pull_server.get(board().headers(spiffs=True))
    assert response.status == 200
    assert await response.read() == filesystem
    await hass.async_block_till_done()

    assert shown(hass) == {
        "state": "succeeded",
        "version": "fs-1",
        "target": "filesystem",
        "method": "pull",
        "reason": None,
        "seconds": 7.5,
    }


async def test_a_pulled_install_is_told_to_automations(
    hass: HomeAssistant, pull_server: PullServer, person: Context, clock: None
) -> None:
    entry = await pull_server.add_board()
    started = async_capture_events(hass, EVENT_INSTALL_STARTED)
    finished = async_capture_events(hass, EVENT_INSTALL_FINISHED)
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=64 * 1024))
    await press_install(hass, person)
    emulated = board(version="1.0.0")

    assert (await emulated.update(pull_server.url)).result is PullResult.UPDATED
    await hass.async_block_till_done()
    # Started with the download; nothing has finished while the board reboots.
    assert [
        (e.data["board"], e.data["version"], e.data["method"]) for e in started
    ] == [(entry.title, "2.0.0", "pull")]
    assert finished == []

    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    await hass.async_block_till_done()
    assert len(started) == 1
    assert [
        (e.data["outcome"], e.data["reason"], e.data["seconds"]) for e in finished
    ] == [("succeeded", None, 7.5)]


async def test_a_version_query_starts_no_install(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    """``getAvailableVersion()`` only asks: the install starts with the download."""
    entry = await pull_server.add_board()
    started = async_capture_events(hass, EVENT_INSTALL_STARTED)
    await pull_server.stage(
        entry, build_esp8266_app(size=64 * 1024, seed=5), version="2.0.0"
    )
    await press_install(hass, person)
    emulated = board(Core.ESP8266, version="1.0.0")

    outcome = await emulated.available_version(pull_server.url)
    assert (outcome.result, outcome.version) == (PullResult.UPDATED, "2.0.0")
    await hass.async_block_till_done()
    assert started == []

    assert (await emulated.update(pull_server.url)).result is PullResult.UPDATED
    await hass.async_block_till_done()
    assert [e.data["version"] for e in started] == ["2.0.0"]
