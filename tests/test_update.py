"""The firmware update entity, installing through the emulated board."""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
    ATTR_RELEASE_SUMMARY,
    ATTR_TITLE,
    ATTR_UPDATE_PERCENTAGE,
    UpdateEntityFeature,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

from tools.esp_emulator import Core
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import (
    BoardFactory,
    assert_progress_moved,
    install,
    install_watching_progress,
    stage,
)


async def test_entity_shows_installed_and_staged_versions_with_notes(
    hass: HomeAssistant, add_board: BoardFactory, entity_registry: er.EntityRegistry
) -> None:
    board = await add_board()
    state = hass.states.get(board.update_entity)
    assert state.state == STATE_OFF
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.0.0"
    assert state.attributes[ATTR_LATEST_VERSION] == "1.0.0"
    # Home Assistant puts update entities in the configuration category.
    assert entity_registry.async_get(board.update_entity).entity_category == "config"

    await stage(
        hass,
        board,
        build_esp32_app(version="1.1.0", project_name="garden-valve"),
        release_notes="Closes the valve on power loss.\nAnd more.",
    )
    state = hass.states.get(board.update_entity)
    assert state.state == STATE_ON
    assert state.attributes[ATTR_LATEST_VERSION] == "1.1.0"
    assert state.attributes[ATTR_TITLE] == "garden-valve"
    assert state.attributes[ATTR_RELEASE_SUMMARY].startswith("Closes the valve")
    assert state.attributes["device_class"] == "firmware"
    features = UpdateEntityFeature(state.attributes[ATTR_SUPPORTED_FEATURES])
    assert UpdateEntityFeature.PROGRESS in features
    assert UpdateEntityFeature.RELEASE_NOTES in features
    assert UpdateEntityFeature.SPECIFIC_VERSION not in features


async def test_release_notes_carry_the_notes_and_the_image_facts(
    hass: HomeAssistant, add_board: BoardFactory, hass_ws_client: Any
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"), release_notes="Fixes")
    client = await hass_ws_client(hass)
    await client.send_json(
        {"id": 1, "type": "update/release_notes", "entity_id": board.update_entity}
    )
    result = await client.receive_json()
    assert result["success"]
    assert result["result"].startswith("Fixes")
    notes, facts = result["result"].split("\n\n---\n\n")
    assert notes == "Fixes"
    assert facts.startswith("**Image:** ESP32, 65,536 bytes, SHA-256 `")
    assert "(path:" in facts

    await stage(hass, board, build_esp32_app(version="1.2.0", seed=7))
    await client.send_json(
        {"id": 2, "type": "update/release_notes", "entity_id": board.update_entity}
    )
    result = await client.receive_json()
    assert result["result"].startswith("**Image:** ESP32")


async def test_install_from_the_ui_flashes_with_live_progress_and_shows_the_new_version(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(flash_speed=2_000_000)
    image = build_esp32_app(version="1.1.0", size=256 * 1024)
    await stage(hass, board, image)

    percentages = await install_watching_progress(hass, board, person)

    assert board.emulator.received_images == [image]
    assert_progress_moved(percentages)
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_UPDATE_PERCENTAGE] is None
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.1.0"
    assert state.state == STATE_OFF


async def test_a_board_without_a_version_key_shows_the_version_esp_ota_flashed(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(announce_version=False)
    assert (
        hass.states.get(board.update_entity).attributes[ATTR_INSTALLED_VERSION] is None
    )
    await stage(hass, board, build_esp32_app(version="2.0.0"))
    # Install stays possible: the card says "unknown" rather than nothing.
    state = hass.states.get(board.update_entity)
    assert (state.state, state.attributes[ATTR_INSTALLED_VERSION]) == ("on", "unknown")
    await install(hass, board, person)
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "2.0.0"
    assert state.state == STATE_OFF


async def test_a_specific_staged_version_can_be_installed(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    older = build_esp32_app(version="1.1.0", seed=1)
    await stage(hass, board, older)
    await stage(hass, board, build_esp32_app(version="1.2.0", seed=2))
    features = UpdateEntityFeature(
        hass.states.get(board.update_entity).attributes[ATTR_SUPPORTED_FEATURES]
    )
    assert UpdateEntityFeature.SPECIFIC_VERSION in features

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person, version="9.9.9")
    assert err.value.translation_key == "version_not_staged"

    await install(hass, board, person, version="1.1.0")
    assert board.emulator.received_images == [older]
    assert (
        hass.states.get(board.update_entity).attributes[ATTR_INSTALLED_VERSION]
        == "1.1.0"
    )


async def test_skipping_a_version_hides_it_until_a_newer_one_is_staged(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await hass.services.async_call(
        "update", "skip", {ATTR_ENTITY_ID: board.update_entity}, blocking=True
    )
    assert hass.states.get(board.update_entity).state == STATE_OFF
    await stage(hass, board, build_esp32_app(version="1.2.0", seed=5))
    assert hass.states.get(board.update_entity).state == STATE_ON


async def test_an_esp8266_board_is_flashed_too(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(
        "esp8266-porch",
        board="ESP8266_NODEMCU_ESP12E",
        core=Core.ESP8266,
        password="s3cret",
        version_for_image=lambda image: "porch-2",
    )
    image = build_esp8266_app()
    await stage(hass, board, image, version="porch-2")
    await install(hass, board, person)
    assert board.emulator.received_images == [image]
    assert (
        hass.states.get(board.update_entity).attributes[ATTR_INSTALLED_VERSION]
        == "porch-2"
    )


async def test_install_with_nothing_staged_is_refused(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(announce_version=False)
    with pytest.raises(HomeAssistantError):
        await install(hass, board, person)
    entity = hass.data["update"].get_entity(board.update_entity)
    with pytest.raises(HomeAssistantError) as err:
        await entity.async_install(None, False)
    assert err.value.translation_key == "nothing_staged"
    assert board.emulator.invitations == []
