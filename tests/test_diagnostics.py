"""Diagnostics of an esp_ota board."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

from homeassistant.core import Context, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.const import DOMAIN
from tools.esp_images import build_esp32_app

from .helpers import ENTRY_DATA, HOSTNAME, BoardFactory, announce, install


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """Give the discovered board entry an OTA password."""
    return {**ENTRY_DATA, "password": "hunter2"}


async def test_diagnostics_show_the_board_with_its_password_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    announce(
        mock_async_zeroconf,
        mock_browser,
        txt={"board": "esp32", "version": "1.2.3", "password": "leaked"},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    last_seen = init_integration.runtime_data.last_seen

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    assert "hunter2" not in str(diagnostics)
    assert "leaked" not in str(diagnostics)
    assert diagnostics == {
        "entry": {
            "title": HOSTNAME,
            "source": "zeroconf",
            "version": 1,
            "data": {**ENTRY_DATA, "password": "**REDACTED**"},
        },
        "board": {
            "hostname": HOSTNAME,
            "host": "192.168.1.50",
            "port": 3232,
            "board_id": "esp32",
            "available": True,
            "version": "1.2.3",
            "last_seen": last_seen.isoformat(),
            "has_password": True,
            "txt": {"board": "esp32", "version": "1.2.3", "password": "**REDACTED**"},
            "updates_allowed": True,
            "installing": False,
        },
        "firmware": [],
        "confirmation": None,
        "installed": None,
        "firmware_source": None,
        "last_install": None,
    }


async def test_diagnostics_show_staged_firmware_and_records_without_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    add_board: BoardFactory,
    hass_admin_user: Any,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    board = await add_board()
    url = "https://user:token@ci.example/fw.bin?key=abc"
    aioclient_mock.get(url, content=build_esp32_app(version="1.1.0"))
    await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"config_entry_id": board.entry.entry_id, "url": url},
        blocking=True,
    )
    await install(hass, board, Context(user_id=hass_admin_user.id))

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, board.entry)

    assert "token" not in str(diagnostics)
    assert hass_admin_user.id not in str(diagnostics)
    [image] = diagnostics["firmware"]
    assert (image["version"], image["source"], image["kind"]) == ("1.1.0", "url", "app")
    assert diagnostics["confirmation"]["sha256"] == image["sha256"]
    # Confirmed on this board's card, not for a group.
    assert diagnostics["confirmation"]["group"] is None
    assert diagnostics["installed"]["version"] == "1.1.0"
