"""Fixtures for the web updater client tests.

Sockets: every test here talks to the in-process web updater emulator over
127.0.0.1 and opts in to pytest-socket through the autouse ``_loopback``
fixture (it requests ``socket_enabled``). ``session`` comes from the root
conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tools.esp_emulator.web_updater import WebUpdaterConfig, WebUpdaterEmulator


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Allow loopback sockets for every test in this package."""


@pytest.fixture
async def make_web_board() -> AsyncIterator[
    Callable[..., Awaitable[WebUpdaterEmulator]]
]:
    """Start emulated web updater boards; all are stopped after the test."""
    boards: list[WebUpdaterEmulator] = []

    async def _make(**options: object) -> WebUpdaterEmulator:
        options.setdefault("reboot_delay", 0.0)
        board = WebUpdaterEmulator(WebUpdaterConfig(**options))  # type: ignore[arg-type]
        await board.start()
        boards.append(board)
        return board

    yield _make
    for board in boards:
        await board.stop()
