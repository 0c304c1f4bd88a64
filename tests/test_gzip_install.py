"""A gzip image reaches an ESP8266 board unchanged (its Updater takes 0x1F).

esp8266/Arduino f946290ea993db029a90010927cdc1d645c91940
``cores/esp8266/Updater.cpp`` ``_verifyHeader`` accepts 0xE9 or 0x1F as the
first byte of a flash image; eboot inflates it while copying it into place.
"""

from __future__ import annotations

from homeassistant.components.update import ATTR_INSTALLED_VERSION
from homeassistant.core import Context, HomeAssistant

from tools.esp_emulator import Core
from tools.esp_images import build_esp8266_app, gzip_image

from .helpers import BoardFactory, install, stage


async def test_gzip_image_is_sent_compressed_to_an_esp8266_board(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(
        "tasmota-plug",
        board="d1_mini",
        core=Core.ESP8266,
        version_for_image=lambda image: "14.2.0",
    )
    packed = gzip_image(build_esp8266_app(size=128 * 1024))
    await stage(hass, board, packed, version="14.2.0")
    await install(hass, board, person)
    assert board.emulator.received_images == [packed]
    state = hass.states.get(board.update_entity)
    assert state is not None
    assert state.attributes[ATTR_INSTALLED_VERSION] == "14.2.0"
