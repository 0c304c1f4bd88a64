"""Fixtures shared by the esp_ota tests.

Sockets: pytest-homeassistant-custom-component disables socket creation for
every test and, when a test opts in, allows 127.0.0.1 only. Tests that talk to
the board emulator over loopback opt in with pytest-socket's ``socket_enabled``
fixture (directly or through a fixture that requests it); no test may open a
socket to anything but loopback.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/esp_ota in every test."""
