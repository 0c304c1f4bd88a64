"""The filesystem update card: LittleFS/SPIFFS images, confirmed apart from sketches."""

from __future__ import annotations

from homeassistant.components.update import ATTR_INSTALLED_VERSION, ATTR_LATEST_VERSION
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.esp_ota.const import DOMAIN
from tools.esp_images import build_esp32_app, build_filesystem_image

from .helpers import (
    AUTOMATION,
    BoardFactory,
    EmulatedBoard,
    WebBoardFactory,
    install,
    stage,
)


def _filesystem(board: EmulatedBoard) -> EmulatedBoard:
    """Return the same board, aimed at its filesystem card."""
    slug = board.update_entity.removesuffix("_firmware")
    board.update_entity = f"{slug}_filesystem"
    return board


async def test_the_card_appears_with_the_first_filesystem_image(
    hass: HomeAssistant, add_board: BoardFactory, entity_registry: er.EntityRegistry
) -> None:
    board = await add_board()
    assert hass.states.get("update.esp32_garden_filesystem") is None

    await stage(
        hass, board, build_filesystem_image(), target="filesystem", version="data-2"
    )
    await hass.async_block_till_done()

    state = hass.states.get("update.esp32_garden_filesystem")
    assert state is not None
    assert state.attributes[ATTR_LATEST_VERSION] == "data-2"
    # Nothing installed by esp_ota yet: "unknown", and the card offers Install.
    assert state.attributes[ATTR_INSTALLED_VERSION] == "unknown"
    assert state.state == STATE_ON
    assert "device_class" not in state.attributes
    entity = entity_registry.async_get("update.esp32_garden_filesystem")
    assert entity.unique_id == "esp32-garden_filesystem"
    assert entity.translation_key == "filesystem"
    # The sketch's card is not touched by a filesystem image.
    assert hass.states.get(board.update_entity).state == STATE_OFF


async def test_a_person_installs_a_filesystem_image_over_arduinoota(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    image = build_filesystem_image(size=128 * 1024)
    await stage(hass, board, image, target="filesystem", version="data-2")
    await install(hass, _filesystem(board), person)

    assert board.emulator.received_filesystems == [image]
    assert board.emulator.received_images == []
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "data-2"
    assert state.state == STATE_OFF
    # The sketch keeps the version the board announces.
    firmware = hass.states.get("update.esp32_garden_firmware")
    assert firmware.attributes[ATTR_INSTALLED_VERSION] == "1.0.0"


async def test_a_confirmed_sketch_does_not_confirm_a_filesystem_image(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": board.entry.entry_id},
        blocking=True,
        context=person,
    )
    image = build_filesystem_image()
    await stage(hass, board, image, target="filesystem", version="data-2")
    filesystem = _filesystem(board)
    assert hass.states.get(filesystem.update_entity).state == STATE_ON

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, filesystem, AUTOMATION)
    assert err.value.translation_key == "not_confirmed"

    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": board.entry.entry_id, "target": "filesystem"},
        blocking=True,
        context=person,
    )
    await install(hass, filesystem, AUTOMATION)
    assert board.emulator.received_filesystems == [image]
    # And the sketch's confirmation still stands.
    await install(hass, _firmware(board), AUTOMATION)
    assert len(board.emulator.received_images) == 1


def _firmware(board: EmulatedBoard) -> EmulatedBoard:
    board.update_entity = board.update_entity.replace("_filesystem", "_firmware")
    return board


async def test_a_web_updater_board_gets_its_filesystem_through_the_form(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board()
    image = build_filesystem_image(size=64 * 1024)
    await stage(hass, board, image, target="filesystem", version="data-3")
    await install(hass, _filesystem(board), person)  # type: ignore[arg-type]
    assert board.emulator.received_filesystems == [image]
    assert (
        hass.states.get(board.update_entity).attributes[ATTR_INSTALLED_VERSION]
        == "data-3"
    )
