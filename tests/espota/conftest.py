"""Fixtures for the espota uploader tests.

Sockets: these tests talk to the in-process board emulator over 127.0.0.1, so
every test here opts in to pytest-socket through the autouse ``_loopback``
fixture below (it requests ``socket_enabled``). pytest-homeassistant-custom-
component still allows only 127.0.0.1, which is all these tests use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import os

import pytest

from tests.espota import scripted_board
from tools.esp_emulator import BoardConfig, BoardEmulator


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Allow loopback sockets for every test in this package."""


@pytest.fixture
def open_fds() -> Callable[[], int]:
    """Return a counter of this process's open file descriptors."""
    return lambda: len(os.listdir("/proc/self/fd"))


@pytest.fixture
async def make_board() -> AsyncIterator[Callable[..., BoardEmulator]]:
    """Start emulated boards on demand; all are stopped after the test."""
    boards: list[BoardEmulator] = []

    def _make(**options: object) -> BoardEmulator:
        options.setdefault("reboot_delay", 0.0)
        options.setdefault("end_delay_s", 0.0)
        board = BoardEmulator(BoardConfig(**options))  # type: ignore[arg-type]
        boards.append(board)
        return board

    yield _make
    for board in boards:
        await board.stop()


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """Start scripted boards (UDP replies, then a TCP script); all are closed after."""
    boards: list[scripted_board.ScriptedBoard] = []

    async def _start(
        replies: list[bytes | None], tcp: scripted_board.TcpScript | None = None
    ) -> int:
        board, port = await scripted_board.start(replies, tcp)
        boards.append(board)
        return port

    yield _start
    for board in boards:
        await board.close()
