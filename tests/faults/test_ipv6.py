"""An IPv6-only announcement keeps the board on IPv4; no raw socket errors (point 8).

And no library English in what a failed install says (issue 14, point 5).
"""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_HOST
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.esp_ota.const import ARDUINO_SERVICE_TYPE
from custom_components.esp_ota.espota import EspOtaError
from tests.helpers import (
    ARDUINO_TXT,
    BOARD,
    BoardFactory,
    async_get_presence_now,
    install,
    make_zeroconf_info,
    stage,
)
from tools.esp_images import build_esp32_app


def _announce_ipv6(hass: HomeAssistant, hostname: str, port: int) -> None:
    async_get_presence_now(hass).async_handle_service_info(
        make_zeroconf_info(
            hostname=f"{hostname}.local.",
            name=f"{hostname}.{ARDUINO_SERVICE_TYPE}",
            host="fd00::5",
            port=port,
            properties={**ARDUINO_TXT, "board": BOARD, "version": "1.0.0"},
        )
    )


async def test_an_ipv6_only_announcement_keeps_the_ipv4_address(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    _announce_ipv6(hass, board.entry.title, board.emulator.port)

    assert board.entry.data[CONF_HOST] == "127.0.0.1"
    assert board.runtime.host == "127.0.0.1"
    image = build_esp32_app(version="1.1.0")
    await stage(hass, board, image)
    await install(hass, board, person)
    assert board.emulator.received_images == [image]


@pytest.mark.parametrize("host", ["fd00::5", "fe80::1%eth0"])
async def test_an_unusable_address_gives_a_translated_error(
    hass: HomeAssistant, add_board: BoardFactory, person: Context, host: Any
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    board.runtime.host = host

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "board_address_unusable"
    assert board.entry.title in str(err.value)
    assert board.emulator.invitations == []


async def test_a_name_that_does_not_resolve_gives_the_address_error(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    board.runtime.host = "esp32-moved.local"

    async def no_such_name(host: str, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with (
        patch.object(hass.loop, "getaddrinfo", no_such_name),
        pytest.raises(HomeAssistantError) as err,
    ):
        await install(hass, board, person)
    assert err.value.translation_key == "board_address_unusable"
    assert err.value.translation_placeholders == {
        "board": board.entry.title,
        "host": "esp32-moved.local",
    }
    assert "Name or service" not in str(err.value)


async def test_an_error_no_text_names_shows_its_type_not_its_english(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    odd = EspOtaError("The board answered something espota does not understand")

    with (
        patch(
            "custom_components.esp_ota.transport.arduino_ota.upload", side_effect=odd
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await install(hass, board, person)
    assert err.value.translation_key == "upload_failed"
    assert err.value.translation_placeholders == {
        "board": board.entry.title,
        "error": "EspOtaError",
    }
    assert "espota does not understand" not in str(err.value)
