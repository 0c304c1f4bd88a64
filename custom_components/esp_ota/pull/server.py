"""The pull view: Home Assistant answers ESPhttpUpdate / HTTPUpdate boards.

``GET /api/esp_ota/pull/<token>``, without Home Assistant authentication (a
board cannot send a token header); the long random token in the path is the
secret. Answers, as the cores' ``handleUpdate`` reads them:

- 404 (empty) when the pull server is off or the token is wrong;
- 403 when the request is not from an updater (User-Agent, required headers);
- 400 when a header value is malformed; 429 when a MAC asks too often (the
  board reports a failed check and tries again on its next round);
- 304 when nothing is due (or the board is unknown: a "new board checked in"
  flow is started);
- 200 with the staged image, streamed from disk in ``CHUNK_SIZE`` pieces
  (``sendfile``, or reads in the executor where the transport cannot), with ``Content-Length`` (the client refuses a 200 without
  it), ``Content-Type: application/octet-stream`` and ``x-MD5`` (the client
  verifies the flashed bytes against it, so a file changed on disk is never
  booted).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import logging
import secrets
from typing import IO, Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from custom_components.esp_ota.board import EspOtaConfigEntry
from custom_components.esp_ota.settings import DATA_SETTINGS
from custom_components.esp_ota.staging import get_store
from custom_components.esp_ota.store import StagedFirmware

from .hub import DATA_PULL
from .protocol import MalformedCheckInError, NotAnUpdaterError, parse_check_in

_LOGGER = logging.getLogger(__name__)

PULL_PATH: Final = "/api/esp_ota/pull"
# Progress is reported per piece; 256 KiB keeps that at a few steps per image
# while a piece never holds the loop for long.
CHUNK_SIZE: Final = 256 * 1024
# ESP boards send about ten headers; anything far beyond is not a board.
MAX_HEADERS: Final = 48


def pull_url_path(token: str) -> str:
    """Return the path boards call."""
    return f"{PULL_PATH}/{token}"


def _read_at(file: IO[bytes], offset: int, count: int) -> bytes:
    """Read count bytes at offset (executor only)."""
    file.seek(offset)
    return file.read(count)


async def _async_flush_headers(writer: AbstractStreamWriter | None) -> bool:
    """Put the headers on the wire before sendfile; False when there is no writer."""
    if writer is None:
        return False
    # aiohttp >= 3.12 holds the headers back until the first body write.
    send_headers = getattr(writer, "send_headers", None)
    if callable(send_headers):
        send_headers()
    await writer.drain()
    return True


def _empty(status: HTTPStatus) -> web.Response:
    return web.Response(status=status)


class EspOtaPullView(HomeAssistantView):
    """Answer boards that ask for an update."""

    url = PULL_PATH + "/{token}"
    name = "api:esp_ota:pull"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Bind to Home Assistant."""
        self._hass = hass

    async def get(self, request: web.Request, token: str) -> web.StreamResponse:
        """Answer one check-in."""
        hass = self._hass
        settings = hass.data[DATA_SETTINGS]
        if not settings.pull_enabled or not secrets.compare_digest(
            token.encode(), settings.pull_token.encode()
        ):
            return _empty(HTTPStatus.NOT_FOUND)
        if len(request.headers) > MAX_HEADERS:
            return _empty(HTTPStatus.BAD_REQUEST)
        try:
            check_in = parse_check_in(request.headers)
        except NotAnUpdaterError:
            return _empty(HTTPStatus.FORBIDDEN)
        except MalformedCheckInError as err:
            _LOGGER.debug("Malformed check-in: %s", err)
            return _empty(HTTPStatus.BAD_REQUEST)
        hub = hass.data[DATA_PULL]
        if not hub.limiter.allow(check_in.sta_mac):
            return _empty(HTTPStatus.TOO_MANY_REQUESTS)
        entry = hub.entry_for(check_in.sta_mac)
        if entry is None:
            hub.async_offer(check_in)
            return _empty(HTTPStatus.NOT_MODIFIED)
        await hub.async_check_in(entry, check_in)
        staged = hub.image_to_serve(entry, check_in)
        if staged is None:
            return _empty(HTTPStatus.NOT_MODIFIED)
        return await self._async_stream(request, entry, staged)

    async def _async_stream(
        self, request: web.Request, entry: EspOtaConfigEntry, staged: StagedFirmware
    ) -> web.StreamResponse:
        hass = self._hass
        hub = hass.data[DATA_PULL]
        path = get_store(hass).path_for(staged)
        try:
            file: IO[bytes] = await hass.async_add_executor_job(path.open, "rb")
        except OSError:
            _LOGGER.warning("Staged firmware of %s is missing on disk", entry.title)
            return _empty(HTTPStatus.NOT_MODIFIED)
        _LOGGER.info("Sending version %s to %s", staged.version, entry.title)
        response = web.StreamResponse(
            status=HTTPStatus.OK,
            headers={
                hdrs.CONTENT_TYPE: "application/octet-stream",
                "x-MD5": staged.md5,
            },
        )
        response.content_length = staged.size
        sent = 0
        try:
            writer = await response.prepare(request)
            hub.async_progress(entry, 0, staged.size)
            # Zero-copy sendfile in pieces (progress per piece) where the
            # transport allows it; executor reads otherwise (TLS).
            use_sendfile = await _async_flush_headers(writer)
            while sent < staged.size:
                count = min(CHUNK_SIZE, staged.size - sent)
                if use_sendfile and request.transport is not None:
                    try:
                        done = await hass.loop.sendfile(
                            request.transport, file, sent, count, fallback=False
                        )
                    except (NotImplementedError, asyncio.SendfileNotAvailableError):
                        use_sendfile = False
                        continue
                else:
                    chunk = await hass.async_add_executor_job(
                        _read_at, file, sent, count
                    )
                    await response.write(chunk)
                    done = len(chunk)
                if not done:
                    # Shorter than staged: the board sees a short body and
                    # fails its MD5 check; nothing more to send.
                    break
                sent += done
                hub.async_progress(entry, sent, staged.size)
            if sent == staged.size:
                await response.write_eof()
        except (ConnectionError, RuntimeError) as err:
            # The board went away mid-download; it asks again next round.
            _LOGGER.debug("Download of %s broke off: %s", entry.title, err)
        finally:
            await hass.async_add_executor_job(file.close)
            if sent != staged.size:
                # Broken off (or cancelled with the connection): not received.
                # Close the connection: the promised length cannot be kept.
                hub.async_progress_reset(entry)
                if request.transport is not None:
                    request.transport.close()
        if sent == staged.size:
            await hub.async_served(entry, staged)
        return response
