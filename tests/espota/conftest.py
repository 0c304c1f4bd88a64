"""Fixtures for the espota uploader tests.

Sockets: these tests talk to the in-process board emulator over 127.0.0.1, so
every test here opts in to pytest-socket through the autouse ``_loopback``
fixture below (it requests ``socket_enabled``). pytest-homeassistant-custom-
component still allows only 127.0.0.1, which is all these tests use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import os

import pytest

from custom_components.esp_ota.espota import Timeouts
from tools.esp_emulator import BoardConfig, BoardEmulator

# Short but generous: the emulator answers in milliseconds; these only bound
# how long a failing test waits.
FAST = Timeouts(
    invitation=0.5,
    invitation_attempts=2,
    auth=1.0,
    connect_back=1.0,
    ack=1.0,
    result=2.0,
    retry_pause=0.05,
)


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
