"""The pull view through Home Assistant: every answer, both cores, the rules."""

from __future__ import annotations

import hashlib

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
)
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.esp_ota.const import CONF_MAC, CONF_TRANSPORT, DOMAIN
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS
from custom_components.esp_ota.pull.discovery import MAX_DISCOVERY_FLOWS
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullResult
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import MAC, OTHER_MAC, PullServer, board, press_install, slug


async def test_wrong_or_missing_token_and_a_disabled_server_answer_404(
    pull_server: PullServer,
) -> None:
    headers = board().headers()
    assert (await pull_server.get(headers, token="wrong")).status == 404
    response = await pull_server.client.get("/api/esp_ota/pull/", headers=headers)
    assert response.status in (404, 405)
    response = await pull_server.get(headers, token="")
    assert response.status in (404, 405)
    await pull_server.hass.data["esp_ota_settings"].async_set_pull(
        enabled=False, rotate_token=False
    )
    response = await pull_server.get(headers)
    assert response.status == 404
    assert await response.read() == b""


async def test_requests_that_are_not_from_an_updater_get_403(
    pull_server: PullServer,
) -> None:
    headers = board().headers()
    assert (await pull_server.get({})).status == 403
    assert (await pull_server.get({**headers, "User-Agent": "curl/8"})).status == 403
    without_mac = {k: v for k, v in headers.items() if not k.endswith("STA-MAC")}
    assert (await pull_server.get(without_mac)).status == 403
    # ESP8266 agent with ESP32 headers: the ESP8266 headers are missing.
    assert (
        await pull_server.get({**headers, "User-Agent": "ESP8266-http-Update"})
    ).status == 403


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-ESP32-STA-MAC", "not-a-mac"),
        ("x-ESP32-AP-MAC", "zz:zz:zz:zz:zz:zz"),
        ("x-ESP32-free-space", "-5"),
        ("x-ESP32-sketch-size", "12kb"),
        ("x-ESP32-chip-size", "9" * 40),
        ("x-ESP32-mode", "firmware"),
        ("x-ESP32-sketch-md5", "abc"),
        ("x-ESP32-sdk-version", "v" * 200),
    ],
)
async def test_malformed_values_get_400(
    pull_server: PullServer, header: str, value: str
) -> None:
    response = await pull_server.get({**board().headers(), header: value})
    assert response.status == 400


async def test_header_names_are_case_insensitive_for_both_cores(
    pull_server: PullServer,
) -> None:
    await pull_server.add_board()
    for core in Core:
        headers = {k.lower(): v for k, v in board(core).headers().items()}
        assert (await pull_server.get(headers)).status == 304


async def test_an_unknown_board_gets_304_and_offers_a_new_board_flow(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    emulated = board(Core.ESP8266, mac=OTHER_MAC, version="0.9")
    assert (await pull_server.get(emulated.headers())).status == 304
    assert (await pull_server.get(emulated.headers())).status == 304
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    flow = flows[0]
    assert flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flow["step_id"] == "pull_confirm"
    assert flow["context"]["unique_id"] == OTHER_MAC

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"name": "Cellar sensor"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Cellar sensor"
    assert result["data"][CONF_TRANSPORT] == "pull"
    assert result["data"][CONF_MAC] == OTHER_MAC
    await hass.async_block_till_done()
    # Now known: the next check-in is recorded, no new flow.
    assert (await pull_server.get(emulated.headers())).status == 304
    await hass.async_block_till_done()
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    # The device and its entities take the name the person gave.
    assert hass.states.get("sensor.cellar_sensor_last_check_in").state != "unavailable"


async def test_new_board_flows_are_bounded(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    for index in range(MAX_DISCOVERY_FLOWS + 5):
        mac = f"02:00:00:00:{index // 256:02x}:{index % 256:02x}"
        assert (await pull_server.get(board(mac=mac).headers())).status == 304
        await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == MAX_DISCOVERY_FLOWS


async def test_a_check_in_is_recorded_and_shown(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    await pull_server.enable_details(await pull_server.add_board())
    prefix = f"sensor.{slug(MAC)}"
    assert hass.states.get(f"{prefix}_free_sketch_space").state == STATE_UNAVAILABLE
    assert hass.states.get(f"binary_sensor.{slug(MAC)}_online").state == STATE_OFF
    emulated = board(version="1.0.0", free_space=1_000_000, chip_size=8 << 20)
    assert (await pull_server.get(emulated.headers())).status == 304
    await hass.async_block_till_done()
    assert float(hass.states.get(f"{prefix}_free_sketch_space").state) == pytest.approx(
        1_000_000 / 1024, abs=1
    )
    assert float(hass.states.get(f"{prefix}_flash_chip_size").state) == 8
    assert float(hass.states.get(f"{prefix}_sketch_size").state) == pytest.approx(
        len(emulated.sketch) / 1024, abs=1
    )
    assert hass.states.get(f"{prefix}_sdk_version").state == "v4.4.7"
    assert hass.states.get(f"{prefix}_last_check_in").state != STATE_UNAVAILABLE
    assert hass.states.get(f"binary_sensor.{slug(MAC)}_online").state == STATE_ON
    update = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert update.attributes[ATTR_INSTALLED_VERSION] == "1.0.0"
    record = hass.data[DATA_CHECK_INS].record(
        hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, MAC)
    )
    assert record.check_in.sketch_md5 == emulated.sketch_md5


async def test_a_staged_image_is_sent_only_after_a_person_confirms_it(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0", size=96 * 1024)
    await pull_server.stage(entry, image)
    emulated = board(version="1.0.0")
    assert (await pull_server.get(emulated.headers())).status == 304

    # An automation cannot arm it.
    with pytest.raises(HomeAssistantError):
        await press_install(hass, None)
    assert (await pull_server.get(emulated.headers())).status == 304

    await press_install(hass, context=person)
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes[ATTR_IN_PROGRESS] is True
    response = await pull_server.get(emulated.headers())
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Length"] == str(len(image))
    assert response.headers["x-MD5"] == hashlib.md5(image).hexdigest()  # noqa: S324
    assert await response.read() == image


async def test_the_confirm_button_arms_a_pull_board_too(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0"))
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: f"button.{slug(MAC)}_confirm_firmware"},
        blocking=True,
        context=person,
    )
    assert (await pull_server.get(board().headers())).status == 200


async def test_the_switch_off_means_304_and_install_is_refused(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    app = build_esp32_app(version="2.0.0")
    await pull_server.stage(entry, app)
    await press_install(hass, context=person)
    switch = f"switch.{slug(MAC)}_ota_updates_allowed"
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert (await pull_server.get(board().headers())).status == 304
    with pytest.raises(HomeAssistantError):
        await press_install(hass, context=person)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: switch}, blocking=True
    )
    assert (await pull_server.get(board().headers())).status == 200


async def test_an_image_that_does_not_fit_is_not_sent(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0", size=128 * 1024)
    await pull_server.stage(entry, image)
    await press_install(hass, context=person)
    assert (await pull_server.get(board(free_space=64 * 1024).headers())).status == 304
    # An ESP8266 asking for an ESP32 image: wrong chip.
    assert (await pull_server.get(board(Core.ESP8266).headers())).status == 304
    assert (await pull_server.get(board(free_space=1 << 20).headers())).status == 200


async def test_an_esp32_never_gets_an_esp8266_image(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp8266_app(), version="2.0.0")
    await press_install(hass, context=person)
    assert (await pull_server.get(board(Core.ESP32).headers())).status == 304
    response = await pull_server.get(board(Core.ESP8266).headers())
    assert response.status == 200


async def test_install_from_the_card_is_refused_when_the_last_check_in_lacks_space(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=128 * 1024))
    await pull_server.get(board(free_space=16 * 1024).headers())
    with pytest.raises(HomeAssistantError):
        await press_install(hass, context=person)


async def test_a_board_running_the_image_gets_304_and_counts_as_installed(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0")
    await pull_server.stage(entry, image)
    await press_install(hass, context=person)
    assert (await pull_server.get(board(sketch=image).headers())).status == 304
    installed = hass.data[DATA_LEDGER].installed(entry.entry_id)
    assert installed is not None
    assert installed.version == "2.0.0"
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes[ATTR_IN_PROGRESS] is False


async def test_a_board_reporting_the_image_version_is_not_flashed_again(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp8266_app(), version="2.0.0")
    await press_install(hass, context=person)
    # A signed image: the sketch MD5 never equals the file's, the version does.
    emulated = board(Core.ESP8266, version="2.0.0")
    assert (await pull_server.get(emulated.headers())).status == 304
    assert hass.data[DATA_LEDGER].installed(entry.entry_id) is not None


async def test_a_board_that_tells_neither_md5_nor_version_gets_nothing(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    app = build_esp32_app(version="2.0.0")
    await pull_server.stage(entry, app)
    await press_install(hass, context=person)
    assert (await pull_server.get(board(send_md5=False).headers())).status == 304
    emulated = board(send_md5=False, version="1.0.0")
    assert (await pull_server.get(emulated.headers())).status == 200


async def test_filesystem_mode_is_served_only_from_a_filesystem_image(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    app = build_esp32_app(version="2.0.0")
    await pull_server.stage(entry, app)
    await press_install(hass, context=person)
    assert (await pull_server.get(board().headers(spiffs=True))).status == 304

    filesystem = bytes(range(256)) * 256
    await pull_server.stage(entry, filesystem, target="filesystem", version="fs-1")
    # Not confirmed yet: nothing for a filesystem check-in.
    assert (await pull_server.get(board().headers(spiffs=True))).status == 304
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": entry.entry_id, "target": "filesystem"},
        blocking=True,
        context=person,
    )
    # Flash and filesystem are confirmed apart: a sketch check-in gets the
    # armed sketch, never the filesystem image.
    response = await pull_server.get(board().headers())
    assert response.status == 200
    assert await response.read() == app
    response = await pull_server.get(board().headers(spiffs=True))
    assert response.status == 200
    assert await response.read() == filesystem
    # Sent once: its confirmation is used up.
    assert (await pull_server.get(board().headers(spiffs=True))).status == 304


async def test_too_many_requests_from_one_mac_get_429(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    await pull_server.add_board()
    statuses = [(await pull_server.get(board().headers())).status for _ in range(8)]
    assert statuses[:5] == [304] * 5
    assert set(statuses[5:]) == {429}
    # Another board is not affected.
    assert (await pull_server.get(board(mac=OTHER_MAC).headers())).status == 304


async def test_the_pull_client_flashes_reboots_and_the_card_shows_installed(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0", size=512 * 1024)
    await pull_server.stage(entry, image)
    emulated = board(version="1.0.0")
    assert (await emulated.update(pull_server.url)).result is (PullResult.NO_UPDATES)
    await press_install(hass, context=person)

    percentages: list[int] = []
    entity_id = f"update.{slug(MAC)}_firmware"

    def seen() -> None:
        state = hass.states.get(entity_id)
        if (percent := state.attributes.get("update_percentage")) is not None:
            percentages.append(percent)

    remove = hass.data[DATA_CHECK_INS].async_add_listener(entry, seen)
    outcome = await emulated.update(pull_server.url)
    remove()
    assert outcome.result is PullResult.UPDATED
    assert emulated.flashed == [image]
    assert emulated.reboots == 1
    assert emulated.version == "2.0.0"
    assert percentages == sorted(percentages)
    assert percentages[-1] == 100
    state = hass.states.get(entity_id)
    assert state.attributes[ATTR_IN_PROGRESS] is True

    # After the reboot the board checks in with the new MD5: installed.
    assert (await emulated.update(pull_server.url)).result is (PullResult.NO_UPDATES)
    state = hass.states.get(entity_id)
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_INSTALLED_VERSION] == "2.0.0"
    assert state.attributes[ATTR_LATEST_VERSION] == "2.0.0"
    assert state.state == STATE_OFF


async def test_an_esp8266_pull_client_is_updated_too(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp8266_app()
    await pull_server.stage(entry, image, version="3.0.0")
    await press_install(hass, context=person)
    emulated = board(Core.ESP8266)
    assert (await emulated.update(pull_server.url)).result is (PullResult.UPDATED)
    assert (await emulated.update(pull_server.url)).result is (PullResult.NO_UPDATES)
    assert hass.data[DATA_LEDGER].installed(entry.entry_id).version == "3.0.0"


async def test_a_request_with_very_many_headers_gets_400(
    pull_server: PullServer,
) -> None:
    headers = {**board().headers(), **{f"x-filler-{i}": "1" for i in range(60)}}
    assert (await pull_server.get(headers)).status == 400
