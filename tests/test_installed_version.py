"""The installed version a card shows when a board announces a hash.

An ESP8266 sketch that publishes ``ESP.getSketchMD5()`` announces the MD5 of
the image it runs; the emulator does the same when no version is derivable.
"""

from __future__ import annotations

import hashlib

from homeassistant.components.update import ATTR_INSTALLED_VERSION
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant

from tools.esp_emulator import Core
from tools.esp_images import build_esp8266_app

from .helpers import BoardFactory, install, stage


async def test_an_announced_md5_of_the_installed_image_shows_its_version(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(
        "esp8266-workshop",
        board="ESP8266_NODEMCU_ESP12E",
        core=Core.ESP8266,
        password="demo-ota",
        version="1.0.0",
    )
    image = build_esp8266_app()
    await stage(hass, board, image, version="1.1.0")
    assert hass.states.get(board.update_entity).state == STATE_ON

    await install(hass, board, person)

    # The board came back announcing the MD5 of what it runs, not a version.
    assert board.runtime.version == hashlib.md5(image).hexdigest()  # noqa: S324
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.1.0"
    assert state.state == STATE_OFF


async def test_an_announced_hash_of_a_staged_image_shows_its_version(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    image = build_esp8266_app()
    # Flashed some other way (a cable), announced by its SHA-256 in capitals.
    board = await add_board(
        "esp8266-porch",
        board="ESP8266_NODEMCU_ESP12E",
        core=Core.ESP8266,
        version=hashlib.sha256(image).hexdigest().upper(),
    )
    await stage(hass, board, image, version="porch-2")
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "porch-2"
    assert state.state == STATE_OFF


async def test_an_unknown_hash_is_shown_as_announced(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    unknown = "0" * 32
    board = await add_board(
        "esp8266-porch",
        board="ESP8266_NODEMCU_ESP12E",
        core=Core.ESP8266,
        version=unknown,
    )
    await stage(hass, board, build_esp8266_app(), version="porch-2")
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_INSTALLED_VERSION] == unknown
    assert state.state == STATE_ON
