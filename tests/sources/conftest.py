"""Fixtures for the source tests: a firmware server on 127.0.0.1 (aiohttp's test server).

``source_server.files`` maps a path to the bytes served there (JSON documents
are serialised); ``auth`` is the Authorization header the server demands, if
any; ``requests`` records (path, Authorization header) of every request, so a
test can count downloads and see which credentials were sent where. The server
and the source actions are in ``helpers.py`` beside this file; the board entry
is the root conftest's ``mock_config_entry``, added by hand here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .helpers import SourceServer, start_source_server


@pytest.fixture
def entry_source() -> str:
    """Add mock_config_entry's board by hand: available without an announcement."""
    return "user"


@pytest.fixture
async def source_server(socket_enabled: None) -> AsyncIterator[SourceServer]:
    """Serve firmware and manifests on 127.0.0.1."""
    served = await start_source_server()
    yield served
    await served.server.close()


@pytest.fixture
async def other_server(socket_enabled: None) -> AsyncIterator[SourceServer]:
    """Serve on a second port: another origin than ``source_server``."""
    served = await start_source_server()
    yield served
    await served.server.close()
