"""Installation-wide upload settings: the connect-back port and retries."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.esp_ota.settings import DATA_SETTINGS, Settings
from tools.esp_emulator import Fault
from tools.esp_images import build_esp32_app

from .helpers import (
    BoardFactory,
    EmulatedBoard,
    free_port,
    install,
    install_watching_progress,
    stage,
)


async def _set(hass: HomeAssistant, board: EmulatedBoard, **values: Any) -> None:
    """Change the settings for all boards from a board's options, as a person."""
    settings = hass.data[DATA_SETTINGS]
    result = await hass.config_entries.options.async_init(board.entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    user_input = {
        "parallel_uploads": settings.parallel_uploads,
        "connect_back_port": settings.connect_back_port,
        "upload_retries": settings.upload_retries,
        **values,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_connect_back_port_and_retries_are_set_and_kept(
    hass: HomeAssistant, add_board: BoardFactory, hass_storage: dict[str, Any]
) -> None:
    board = await add_board()
    assert hass.data[DATA_SETTINGS].connect_back_port == 0
    assert hass.data[DATA_SETTINGS].upload_retries == 1

    await _set(hass, board, connect_back_port=40123, upload_retries=3)

    restarted = Settings(hass)
    await restarted.async_load()
    assert (restarted.connect_back_port, restarted.upload_retries) == (40123, 3)
    saved = hass_storage["esp_ota.settings"]["data"]
    assert (saved["connect_back_port"], saved["upload_retries"]) == (40123, 3)


async def test_board_connects_back_to_the_port_set_for_all_boards(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    port = free_port()
    await _set(hass, board, connect_back_port=port)
    image = build_esp32_app(version="1.1.0")
    await stage(hass, board, image)

    await install(hass, board, person)

    assert board.emulator.received_images == [image]
    assert board.emulator.invitations[0].split()[1] == str(port).encode()


async def test_never_connected_back_names_the_address_and_port_to_open(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(fault=Fault.REFUSE)
    port = free_port()
    await _set(hass, board, connect_back_port=port)
    await stage(hass, board, build_esp32_app(version="1.1.0"))

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)

    assert err.value.translation_key == "board_never_connected"
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["port"] == str(port)
    assert f"127.0.0.1, TCP port {port}" in str(err.value)


async def test_a_broken_transfer_is_retried_and_the_card_shows_it(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(fault=Fault.DROP, fault_at=0.5)
    image = build_esp32_app(version="1.1.0", size=256 * 1024)
    await stage(hass, board, image)

    async def heal() -> None:
        await board.emulator.session_ended.wait()
        board.emulator.config.fault = Fault.NONE

    healer = asyncio.create_task(heal())
    percentages = await install_watching_progress(hass, board, person)
    await healer

    assert board.emulator.received_images == [image]
    restart = percentages.index(0, 1)
    assert max(percentages[:restart]) > 0
    assert percentages[-1] == 100


async def test_no_retry_when_set_to_zero(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(fault=Fault.DROP, fault_at=0.5)
    await _set(hass, board, upload_retries=0)
    await stage(hass, board, build_esp32_app(version="1.1.0", size=128 * 1024))

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)

    assert err.value.translation_key in {"transfer_failed", "transfer_timeout"}
    assert len([d for d in board.emulator.invitations if d[:2] == b"0 "]) == 1
