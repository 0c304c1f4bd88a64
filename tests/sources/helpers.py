"""Helpers shared by the source tests: the firmware server and the source actions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.source_manager import DATA_SOURCES


@dataclass
class SourceServer:
    """What the test server serves and what it was asked."""

    server: TestServer
    files: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    auth: str | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Return the URL of ``path`` on this server."""
        return str(self.server.make_url(path))

    def put(self, path: str, content: bytes | dict[str, Any]) -> str:
        """Serve ``content`` at ``path``; return its URL."""
        self.files[path] = (
            content if isinstance(content, bytes) else json.dumps(content).encode()
        )
        return self.url(path)

    def asked(self, path: str) -> int:
        """Return how often ``path`` was requested."""
        return sum(1 for asked, _ in self.requests if asked == path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve a file, or the status set for its path."""
        header = request.headers.get("Authorization")
        self.requests.append((request.path, header))
        if self.auth is not None and header != self.auth:
            return web.Response(status=401)
        if request.path in self.status:
            return web.Response(status=self.status[request.path])
        if request.path not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[request.path])


async def start_source_server() -> SourceServer:
    """Start a source server on 127.0.0.1 (aiohttp's test server)."""
    app = web.Application()
    holder: list[SourceServer] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        return await holder[0].handle(request)

    app.router.add_route("GET", "/{path:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    holder.append(SourceServer(server))
    return holder[0]


async def set_source(
    hass: HomeAssistant, entry: MockConfigEntry, url: str, **data: Any
) -> Any:
    """Call esp_ota.set_firmware_source as an automation or CI would."""
    return await hass.services.async_call(
        DOMAIN,
        "set_firmware_source",
        {"config_entry_id": entry.entry_id, "url": url, **data},
        blocking=True,
        return_response=True,
    )


async def check_sources(hass: HomeAssistant, **data: Any) -> Any:
    """Call esp_ota.check_sources and return its response."""
    return await hass.services.async_call(
        DOMAIN, "check_sources", data, blocking=True, return_response=True
    )


def next_check(hass: HomeAssistant, entry: MockConfigEntry) -> asyncio.Event:
    """Return an event set when the board's source has been checked (or changed)."""
    done = asyncio.Event()

    def checked() -> None:
        done.set()
        remove()

    remove: Callable[[], None] = hass.data[DATA_SOURCES].async_add_listener(
        entry.entry_id, checked
    )
    return done
