"""The nightly updates blueprint, loaded and run by Home Assistant.

The blueprint file shipped in ``blueprints/automation/esp_ota/`` is copied
into the test's configuration, an automation is made from it as a person
would in the UI, and its time trigger fires: the update windows open, the
confirmed image is installed on its emulated board, the unconfirmed one is
refused, the windows close, and the notify action gets one line per board.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
import shutil

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.esp_ota.const import DOMAIN
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, stage

BLUEPRINT = (
    Path(__file__).resolve().parents[1]
    / "blueprints"
    / "automation"
    / "esp_ota"
    / "nightly_updates.yaml"
)


async def test_the_nightly_blueprint_installs_what_a_person_confirmed(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    config_dir: Path,
) -> None:
    target = config_dir / "blueprints" / "automation" / "esp_ota"
    await hass.async_add_executor_job(
        lambda: target.mkdir(parents=True) or shutil.copy(BLUEPRINT, target)
    )
    garden = await add_board("esp32-garden")
    cellar = await add_board("esp32-cellar")
    await stage(hass, garden, build_esp32_app(version="2.0.0"))
    await stage(hass, cellar, build_esp32_app(version="2.0.0"))
    # A person confirms the garden's image (its "Confirm firmware" button).
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: garden.button_entity},
        blocking=True,
        context=person,
    )
    # Both windows are closed during the day.
    for board in (garden, cellar):
        await hass.services.async_call(
            "switch", "turn_off", {ATTR_ENTITY_ID: board.switch_entity}, blocking=True
        )
    told: list[ServiceCall] = []
    done = asyncio.Event()

    async def tell(call: ServiceCall) -> None:
        told.append(call)
        done.set()

    hass.services.async_register("test", "tell", tell)
    windows: list[tuple[str, str]] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            windows.append((event.data["entity_id"], event.data["new_state"].state))
            if event.data["entity_id"].startswith("switch.")
            else None
        ),
    )

    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Nightly ESP updates",
                "use_blueprint": {
                    "path": "esp_ota/nightly_updates.yaml",
                    "input": {
                        "at": "03:00:00",
                        "updates": [garden.update_entity, cellar.update_entity],
                        "notify": [
                            {
                                "action": "test.tell",
                                "data": {"message": "{{ summary }}"},
                            }
                        ],
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    # The clock runs on: only the trigger's own timer is made to fire.
    night = dt_util.now().replace(hour=3, minute=0, second=0, microsecond=0)
    if night <= dt_util.now():
        night += timedelta(days=1)
    async_fire_time_changed(hass, night)
    # The automation tells its result once every install ended.
    async with asyncio.timeout(30):
        await done.wait()
    await hass.async_block_till_done()

    assert len(garden.emulator.received_images) == 1
    assert cellar.emulator.received_images == []
    assert hass.states.get(garden.update_entity).state == STATE_OFF
    # Each window opened for the night and closed again.
    for board in (garden, cellar):
        assert [s for e, s in windows if e == board.switch_entity] == ["on", "off"]
    assert len(told) == 1
    assert told[0].data["message"].splitlines() == [
        "esp32-garden: succeeded 2.0.0",
        "esp32-cellar: refused 2.0.0 (not_confirmed)",
    ]
    # The refusal asks a person to confirm; nothing of DOMAIN failed silently.
    assert hass.states.get(cellar.update_entity).attributes["installed_version"] == (
        "1.0.0"
    )
    assert DOMAIN in hass.config.components
    # Stop the automation: its next night's timer must not outlive the test.
    await hass.services.async_call(
        "automation", "turn_off", {ATTR_ENTITY_ID: "all"}, blocking=True
    )
