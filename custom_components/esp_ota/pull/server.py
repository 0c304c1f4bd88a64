"""The pull view: Home Assistant answers ESPhttpUpdate / HTTPUpdate boards.

``GET /api/esp_ota/pull/<token>``, without Home Assistant authentication; the
long random token in the path is the secret. A path shows in access logs, so
``GET /api/esp_ota/pull`` also answers when the token comes in the
``Authorization`` header instead: HTTP Basic with any user name and the token
as password (``ESPhttpUpdate.setAuthorization("esp_ota", token)`` /
``httpUpdate.setAuthorization(...)``: the cores' ``HTTPClient::sendHeader``
sends ``Authorization: Basic`` on the first request, unasked — esp8266/Arduino
``libraries/ESP8266HTTPClient/src/ESP8266HTTPClient.cpp`` at 003c1905,
arduino-esp32 ``libraries/HTTPClient/src/HTTPClient.cpp`` the same), or
``Bearer <token>``. A path token wins over the header. The token is compared
in constant time and never logged. Answers, as the cores' ``handleUpdate``
reads them:

- 404 (empty) when the pull server is off or the token is wrong or missing
  (never a 401 that would reveal the route), and for every other method than
  GET, whatever the token: one catch-all route, no CORS preflight (boards are
  no browsers), so neither a 405 with ``Allow`` nor an OPTIONS answer tells
  the route from a path that does not exist;
- 403 when the request is not from an updater (User-Agent, required headers);
- 400 when a header value is malformed; 429 when a MAC asks too often (the
  board reports a failed check and tries again on its next round);
- 304 when nothing is due (or the board is unknown: a "new board checked in"
  flow is started);
- mode ``version`` (ESP8266 ``getAvailableVersion``): 200 with ``x-version``
  and the digests, no body, when an image is due; else 304;
- 200 with the staged image, streamed from disk in ``CHUNK_SIZE`` pieces
  (``sendfile``, or reads in the executor where the transport cannot), with
  ``Content-Length`` (the client refuses a 200 without it), ``Content-Type:
  application/octet-stream`` and ``x-MD5``, ``x-SHA256``, ``x-SHA512`` (the
  clients verify the flashed bytes against them, so a file changed on disk is
  never booted). Every piece must leave within the check-in registry's ``send_timeout``: a
  board that stops reading is dropped. A download counts as delivered only
  once the board's TCP stack acknowledged every byte (bytes that merely
  reached our kernel are not the board's: its small window fills unless it
  reads); anything less resets the progress and closes the connection.
"""

from __future__ import annotations

import asyncio
import fcntl
from http import HTTPStatus
import logging
import os
import secrets
import socket
import struct
import termios
from typing import IO, Any, Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView, request_handler_factory

from custom_components.esp_ota.board import EspOtaConfigEntry
from custom_components.esp_ota.settings import DATA_SETTINGS
from custom_components.esp_ota.store import StagedFirmware, get_store

from .checkins import DATA_CHECK_INS
from .protocol import (
    MalformedCheckInError,
    Mode,
    NotAnUpdaterError,
    header_token,
    parse_check_in,
)

_LOGGER = logging.getLogger(__name__)

PULL_PATH: Final = "/api/esp_ota/pull"
# Progress is reported per piece; 256 KiB keeps that at a few steps per image
# while a piece never holds the loop for long.
CHUNK_SIZE: Final = 256 * 1024
# ESP boards send about ten headers; anything far beyond is not a board.
MAX_HEADERS: Final = 48
# How often the delivery of a filesystem image is looked at (kernel counters).
ACK_POLL: Final = 0.02
# TCP states in which the peer may still acknowledge: ESTABLISHED, CLOSE_WAIT.
_OPEN_TCP_STATES: Final = frozenset({1, 8})


def pull_url_path(token: str) -> str:
    """Return the path boards call."""
    return f"{PULL_PATH}/{token}"


def _token_matches(request: web.Request, token: str | None, secret: str) -> bool:
    """Compare the path's token, else the header's, with the secret."""
    if token is None:
        token = header_token(request.headers.get(hdrs.AUTHORIZATION, ""))
    if not token or not secret:
        return False
    return secrets.compare_digest(token.encode(), secret.encode())


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


def _unacknowledged(sock: Any) -> int | None:
    """Bytes the peer has not acknowledged; -1 when the connection is gone.

    None where the kernel cannot tell (not Linux): delivery is then trusted.
    """
    try:
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        if state not in _OPEN_TCP_STATES:
            return -1
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
    except (AttributeError, OSError):
        return None
    return int(struct.unpack("i", raw)[0])


def _probe(request: web.Request) -> socket.socket | None:
    """Return a second handle on the connection's socket, or None.

    It stays readable after aiohttp let go of the connection (a board that
    read everything and closed), so the kernel can still tell what it took.
    """
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport else None
    if sock is None:
        return None
    try:
        return socket.socket(fileno=os.dup(sock.fileno()))
    except OSError:
        return None


async def _async_delivered(
    request: web.Request,
    probe: socket.socket | None,
    timeout: float,  # noqa: ASYNC109 - the check-in registry's injectable send timeout
) -> bool:
    """Wait until the board acknowledged every byte sent (False: it did not)."""
    if probe is None:
        return True  # nothing to ask: trust the bytes sent
    try:
        async with asyncio.timeout(timeout):
            while True:
                left = _unacknowledged(probe)
                if left is None:
                    return True
                if left < 0:
                    return False
                transport = request.transport
                if left == 0 and not (transport and transport.get_write_buffer_size()):
                    return True
                await asyncio.sleep(ACK_POLL)
    except TimeoutError:
        return False


class EspOtaPullView(HomeAssistantView):
    """Answer boards that ask for an update."""

    url = PULL_PATH + "/{token}"
    extra_urls = [PULL_PATH]  # noqa: RUF012 - HomeAssistantView's own attribute
    name = "api:esp_ota:pull"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Bind to Home Assistant."""
        self._hass = hass

    def register(
        self, hass: HomeAssistant, app: web.Application, router: web.UrlDispatcher
    ) -> None:
        """Route GET to the check-in and every other method to the same 404.

        ``HomeAssistantView.register`` routes only the methods a view names
        (aiohttp answers any other with a 405 and an ``Allow`` header) and
        adds a CORS preflight (OPTIONS gets a 403): both tell the route from
        a path that does not exist. The catch-all comes last (aiohttp tries a
        resource's routes in order) and CORS is left out.
        """
        for url in (PULL_PATH + "/{token}", PULL_PATH):
            router.add_route(
                hdrs.METH_GET, url, request_handler_factory(hass, self, self.get)
            )
            router.add_route(
                hdrs.METH_ANY, url, request_handler_factory(hass, self, self._not_found)
            )

    async def _not_found(
        self, request: web.Request, token: str | None = None
    ) -> web.Response:
        """Every method but GET: the same empty 404 as a wrong token."""
        return _empty(HTTPStatus.NOT_FOUND)

    async def get(
        self, request: web.Request, token: str | None = None
    ) -> web.StreamResponse:
        """Answer one check-in (token in the path, else in the header)."""
        hass = self._hass
        settings = hass.data[DATA_SETTINGS]
        if not settings.pull_enabled or not _token_matches(
            request, token, settings.pull_token
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
        checkins = hass.data[DATA_CHECK_INS]
        if not checkins.limiter.allow(check_in.sta_mac):
            return _empty(HTTPStatus.TOO_MANY_REQUESTS)
        entry = checkins.entry_for(check_in.sta_mac)
        if entry is None:
            checkins.async_offer(check_in)
            return _empty(HTTPStatus.NOT_MODIFIED)
        await checkins.async_check_in(entry, check_in)
        staged = checkins.image_to_serve(entry, check_in)
        if staged is None:
            return _empty(HTTPStatus.NOT_MODIFIED)
        if check_in.mode is Mode.VERSION:
            return await self._async_version(staged)
        return await self._async_stream(request, entry, staged)

    async def _async_digests(self, staged: StagedFirmware) -> dict[str, str]:
        """Return the digests the clients check (arduino-esp32 PRs #12824, #12865)."""
        sha512 = await self._hass.data[DATA_CHECK_INS].async_sha512(staged)
        return {"x-MD5": staged.md5, "x-SHA256": staged.sha256, "x-SHA512": sha512}

    async def _async_version(self, staged: StagedFirmware) -> web.Response:
        """``getAvailableVersion()`` reads ``x-version`` from a 200 (PR #8968)."""
        headers = {"x-version": staged.version}
        headers |= await self._async_digests(staged)
        return web.Response(status=HTTPStatus.OK, headers=headers)

    async def _async_stream(
        self,
        request: web.Request,
        entry: EspOtaConfigEntry,
        staged: StagedFirmware,
    ) -> web.StreamResponse:
        hass = self._hass
        checkins = hass.data[DATA_CHECK_INS]
        path = get_store(hass).path_for(staged)
        try:
            digests = await self._async_digests(staged)
            file: IO[bytes] = await hass.async_add_executor_job(path.open, "rb")
        except OSError:
            _LOGGER.warning(
                "Staged firmware of %s is missing or changed on disk", entry.title
            )
            return _empty(HTTPStatus.NOT_MODIFIED)
        _LOGGER.info("Sending version %s to %s", staged.version, entry.title)
        response = web.StreamResponse(
            status=HTTPStatus.OK,
            headers={hdrs.CONTENT_TYPE: "application/octet-stream", **digests},
        )
        response.content_length = staged.size
        sent = 0
        probe = _probe(request)
        try:
            writer = await response.prepare(request)
            checkins.async_progress(entry, 0, staged.size)
            sent = await self._async_send(
                request=request,
                response=response,
                writer=writer,
                file=file,
                entry=entry,
                staged=staged,
            )
            if sent == staged.size:
                await response.write_eof()
        except (ConnectionError, RuntimeError, TimeoutError) as err:
            # The board went away or stopped reading; it asks again next round.
            _LOGGER.debug("Download of %s broke off: %s", entry.title, err)
        finally:
            # Not a single await here: the handler is cancelled when the
            # board closes, and what follows must happen all the same.
            if sent == staged.size:
                # Whether the board took the bytes is known once it
                # acknowledged them, which outlives this handler.
                hass.async_create_background_task(
                    self._async_finish(request, probe, entry, staged),
                    name=f"esp_ota pull delivery {entry.entry_id}",
                )
            else:
                self._broke_off(request, probe, entry)
            # Not awaited: a cancelled handler must not leave the file open.
            hass.async_add_executor_job(file.close)
        return response

    def _broke_off(
        self,
        request: web.Request,
        probe: socket.socket | None,
        entry: EspOtaConfigEntry,
    ) -> None:
        """Reset the progress; the promised length cannot be kept: close."""
        self._hass.data[DATA_CHECK_INS].async_progress_reset(entry)
        if request.transport is not None:
            request.transport.close()
        if probe is not None:
            probe.close()

    async def _async_finish(
        self,
        request: web.Request,
        probe: socket.socket | None,
        entry: EspOtaConfigEntry,
        staged: StagedFirmware,
    ) -> None:
        """Count the download once the board acknowledged every byte."""
        checkins = self._hass.data[DATA_CHECK_INS]
        try:
            delivered = await _async_delivered(request, probe, checkins.send_timeout)
        finally:
            if probe is not None:
                probe.close()
        if delivered:
            await checkins.async_served(entry, staged)
        else:
            self._broke_off(request, None, entry)

    async def _async_send(
        self,
        *,
        request: web.Request,
        response: web.StreamResponse,
        writer: AbstractStreamWriter | None,
        file: IO[bytes],
        entry: EspOtaConfigEntry,
        staged: StagedFirmware,
    ) -> int:
        """Send the file piece by piece, each within the send timeout.

        Zero-copy sendfile where the transport allows it; executor reads
        otherwise (TLS). Return how many bytes left.
        """
        hass = self._hass
        checkins = hass.data[DATA_CHECK_INS]
        sent = 0
        async with asyncio.timeout(checkins.send_timeout):
            use_sendfile = await _async_flush_headers(writer)
        while sent < staged.size:
            count = min(CHUNK_SIZE, staged.size - sent)
            async with asyncio.timeout(checkins.send_timeout):
                done = await self._async_piece(
                    request, response, file, sent, count, use_sendfile=use_sendfile
                )
            if done is None:
                use_sendfile = False
                continue
            if not done:
                # Shorter than staged: the board sees a short body and fails
                # its MD5 check; nothing more to send.
                break
            sent += done
            checkins.async_progress(entry, sent, staged.size)
        return sent

    async def _async_piece(
        self,
        request: web.Request,
        response: web.StreamResponse,
        file: IO[bytes],
        offset: int,
        count: int,
        *,
        use_sendfile: bool,
    ) -> int | None:
        """Send one piece; None when sendfile turns out to be unavailable."""
        hass = self._hass
        if use_sendfile and request.transport is not None:
            try:
                return await hass.loop.sendfile(
                    request.transport, file, offset, count, fallback=False
                )
            except (NotImplementedError, asyncio.SendfileNotAvailableError):
                return None
        chunk = await hass.async_add_executor_job(_read_at, file, offset, count)
        await response.write(chunk)
        return len(chunk)
