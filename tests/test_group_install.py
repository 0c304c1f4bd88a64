"""A group's image, confirmed once by a person, installed by an automation on each board.

Two emulated ESP32 boards and an emulated ESP8266: the image is staged for the
group chip:esp32 through the action, a person confirms it for the group, and
one ``update.install`` call from an automation (no user) flashes both ESP32
boards; the ESP8266, outside the group, is not touched.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
import pytest

from custom_components.esp_ota.board import ledger_key
from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.ledger import DATA_LEDGER
from tools.esp_emulator import Core
from tools.esp_images import build_esp32_app

from .helpers import AUTOMATION, BoardFactory


@pytest.mark.usefixtures("socket_enabled")
async def test_an_automation_installs_a_group_confirmed_image_on_every_board(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    garden = await add_board("esp32-garden")
    shed = await add_board("esp32-shed")
    porch = await add_board("d1-porch", board="d1_mini", core=Core.ESP8266)
    folder = Path(hass.config.path("builds"))
    hass.config.allowlist_external_dirs = {str(folder)}
    image = build_esp32_app(version="2.0.0", project_name="garden-valve")

    def write() -> Path:
        folder.mkdir()
        (folder / "firmware.bin").write_bytes(image)
        return folder / "firmware.bin"

    path = await hass.async_add_executor_job(write)
    await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"group": "chip:esp32", "path": str(path)},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN, "confirm", {"group": "chip:esp32"}, blocking=True, context=person
    )

    await hass.services.async_call(
        "update",
        "install",
        {ATTR_ENTITY_ID: [garden.update_entity, shed.update_entity]},
        blocking=True,
        context=AUTOMATION,
    )

    for board in (garden, shed):
        assert board.emulator.received_images == [image]
        state = hass.states.get(board.update_entity)
        assert state.attributes["installed_version"] == "2.0.0"
        assert state.state == "off"
        installed = hass.data[DATA_LEDGER].installed(
            ledger_key(board.entry, ImageKind.APP)
        )
        # Kept for groups by project, also once the store prunes the image.
        assert installed.project == "garden-valve"
    assert porch.emulator.received_images == []
    assert porch.emulator.invitations == []
