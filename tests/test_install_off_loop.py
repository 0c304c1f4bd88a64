"""Install-time work on the image (read, SHA-256, inspection) stays off the event loop."""

from __future__ import annotations

import hashlib
import threading
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from homeassistant.core import Context, HomeAssistant

from custom_components.esp_ota import install_rules
from tools.esp_images import build_esp32_app

from .helpers import BoardFactory, install as press_install, stage


async def test_the_image_is_read_hashed_and_inspected_in_the_executor(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0", size=256 * 1024))
    threads: dict[str, list[int]] = {"sha256": [], "inspect": []}
    real_inspect, real_sha256 = install_rules.check_image, hashlib.sha256

    def sha256(data: bytes) -> Any:
        threads["sha256"].append(threading.get_ident())
        return real_sha256(data)

    def inspect(data: bytes, **kwargs: Any) -> Any:
        threads["inspect"].append(threading.get_ident())
        return real_inspect(data, **kwargs)

    with (
        patch.object(install_rules, "hashlib", SimpleNamespace(sha256=sha256)),
        patch.object(install_rules, "check_image", inspect),
    ):
        await press_install(hass, board, person)

    assert board.emulator.version == "1.1.0"
    assert threads["sha256"]
    assert threads["inspect"]
    assert hass.loop_thread_id not in threads["sha256"] + threads["inspect"]
