"""Fetching a source's manifest and image on Home Assistant's shared session.

Rules: the manifest is at most MAX_MANIFEST_SIZE bytes of JSON, fetched within
MANIFEST_TIMEOUT; the image goes through staging's download (at most 16 MiB).
Credentials go to the manifest's origin only: an image on another host gets
none, as a browser drops them across origins. Nothing here logs a credential.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .network_errors import network_cause
from .sources.config import SourceConfig
from .sources.errors import (
    HttpStatusError,
    ManifestTooLargeError,
    NotJsonError,
    SourceNameError,
    SourceRefusedError,
    SourceTimeoutError,
    SourceTlsError,
    UnauthorizedError,
    UnreachableError,
)

# Real manifests are a few hundred bytes; ESPHome reads them into RAM too.
MAX_MANIFEST_SIZE: Final = 1024 * 1024
# A manifest is small: a server that takes longer is as good as unreachable.
MANIFEST_TIMEOUT: Final = 30


def auth_headers(config: SourceConfig, url: str) -> dict[str, str]:
    """Return the Authorization header for ``url``: only on the manifest's origin."""
    if not _same_origin(config.url, url):
        return {}
    if config.token:
        return {"Authorization": f"Bearer {config.token}"}
    if config.username or config.password:
        basic = aiohttp.BasicAuth(config.username or "", config.password or "")
        return {"Authorization": basic.encode()}
    return {}


def _same_origin(first: str, second: str) -> bool:
    a, b = urlsplit(first), urlsplit(second)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


async def async_fetch_manifest(hass: HomeAssistant, config: SourceConfig) -> Any:
    """GET the manifest once and return its JSON; raise a ``SourceError``."""
    session = async_get_clientsession(hass)
    try:
        async with session.get(
            config.url,
            headers=auth_headers(config, config.url),
            timeout=aiohttp.ClientTimeout(total=MANIFEST_TIMEOUT),
        ) as response:
            if response.status in (401, 403):
                raise UnauthorizedError(response.status)
            if response.status != 200:
                raise HttpStatusError(response.status)
            body = await response.content.read(MAX_MANIFEST_SIZE + 1)
    except (aiohttp.ClientError, TimeoutError) as err:
        message = config.redact(str(err) or type(err).__name__)
        cause, facts = network_cause(err)
        raise _UNREACHABLE.get(cause, UnreachableError)(message, **facts) from err
    if len(body) > MAX_MANIFEST_SIZE:
        message = f"the manifest is larger than {MAX_MANIFEST_SIZE} bytes"
        raise ManifestTooLargeError(message, limit=MAX_MANIFEST_SIZE)
    try:
        return json.loads(body)
    except ValueError as err:
        message = f"the manifest is not JSON: {err}"
        raise NotJsonError(message) from err


_UNREACHABLE: Final[dict[str, type[UnreachableError]]] = {
    "timeout": SourceTimeoutError,
    "connection_refused": SourceRefusedError,
    "name_not_resolved": SourceNameError,
    "tls": SourceTlsError,
}
