"""HTTP client for the cores' web updater: probe the form, POST an image.

The upload is the browser form's request: ``multipart/form-data`` with one
file part, a ``Content-Length`` (the cores' WebServer reads the body by it),
and ``Origin: http://<Host>`` because arduino-esp32's HTTPUpdateServer refuses
uploads whose Origin is not ``http://`` + the Host header. The image is sent
from the caller's buffer in slices (memoryview, no copy); progress counts image
bytes handed to the connection.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
import logging
import secrets
from typing import Final

import aiohttp

from .errors import (
    FilesystemNotSupportedError,
    NotAnUpdaterError,
    UnexpectedAnswerError,
    UploadInterruptedError,
    WebAuthenticationError,
    WebConnectionError,
    WebTimeoutError,
)
from .form import UpdaterForm, check_answer, is_board_challenge, parse_form

_LOGGER = logging.getLogger(__name__)

type Progress = Callable[[int, int], None]

CHUNK_SIZE: Final = 8 * 1024
"""Slice handed to the connection at a time: small enough for smooth progress,
large enough that a 4 MiB image takes only 512 steps."""
MAX_PAGE_SIZE: Final = 16 * 1024
"""The form page is under 1 KiB; a bigger page is some other web server."""
HTTP_PORT: Final = 80


@dataclass(frozen=True, slots=True)
class WebTimeouts:
    """Every wait of the client, in seconds."""

    # A board on weak Wi-Fi answers a small GET within a second or two; ten
    # seconds also covers a board busy with its own loop.
    request: float = 10.0
    # Longest pause in the upload: the board writes each 4 KiB sector to flash
    # (tens of ms) but ESP32 erases the whole target partition at the first
    # write, which takes several seconds for a large partition.
    stall: float = 30.0
    # After the last byte the board finishes the flash write and checks the
    # image (Update.end) before it answers: a few seconds at most.
    answer: float = 30.0


class WebUpdater:
    """One board's web updater, reached through an injected aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int = HTTP_PORT,
        path: str = "/update",
        *,
        username: str | None = None,
        password: str | None = None,
        timeouts: WebTimeouts | None = None,
    ) -> None:
        """Describe the board; nothing is sent until a method is called."""
        self._session = session
        self._timeouts = timeouts or WebTimeouts()
        bracketed = f"[{host}]" if ":" in host else host
        # aiohttp's own Host header rule; Origin must repeat it exactly.
        self._host_header = bracketed if port == HTTP_PORT else f"{bracketed}:{port}"
        self._url = (
            f"http://{bracketed}:{port}{path if path.startswith('/') else '/' + path}"
        )
        # The cores skip authentication when either value is empty. Built by
        # hand: aiohttp 3.13 deprecates BasicAuth; the sketch compares the
        # base64 of its own (UTF-8) "user:password" bytes.
        self._auth_headers: dict[str, str] = {}
        if username and password:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            self._auth_headers["Authorization"] = "Basic " + token

    @property
    def url(self) -> str:
        """The update form's URL."""
        return self._url

    async def probe(self) -> UpdaterForm:
        """GET the form page (harmless) and return its fields.

        Raises WebAuthenticationError on the cores' 401 challenge,
        NotAnUpdaterError for any other page or answer.
        """
        try:
            async with asyncio.timeout(self._timeouts.request):
                async with self._session.get(
                    self._url, headers=self._auth_headers, allow_redirects=False
                ) as response:
                    if response.status == 401:
                        challenge = response.headers.get("WWW-Authenticate")
                        if is_board_challenge(challenge):
                            msg = "the board asks for credentials"
                            raise WebAuthenticationError(msg)
                        msg = "401 without the cores' challenge"
                        raise NotAnUpdaterError(msg)
                    page = await response.content.read(MAX_PAGE_SIZE)
                    status = response.status
        except TimeoutError as err:
            msg = f"no answer from {self._url}"
            raise WebTimeoutError(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach {self._url}: {type(err).__name__}"
            raise WebConnectionError(msg) from err
        form = parse_form(page.decode("utf-8", "replace")) if status == 200 else None
        if form is None:
            msg = f"{self._url} is not the ESP web updater (HTTP {status})"
            raise NotAnUpdaterError(msg)
        return form

    async def is_up(self) -> bool:
        """Return True if the board answers its form page at all (any HTTP answer)."""
        try:
            async with asyncio.timeout(self._timeouts.request):
                async with self._session.get(
                    self._url, headers=self._auth_headers, allow_redirects=False
                ) as response:
                    await response.read()
        except (TimeoutError, aiohttp.ClientError):
            return False
        return True

    async def upload(
        self,
        data: bytes,
        *,
        form: UpdaterForm,
        filesystem: bool = False,
        progress: Progress | None = None,
        filename: str = "firmware.bin",
    ) -> None:
        """POST the image as the form does; return when the board accepted it."""
        if filesystem and form.filesystem_field is None:
            msg = "this board's updater has no filesystem upload"
            raise FilesystemNotSupportedError(msg)
        field = form.filesystem_field if filesystem else form.flash_field
        boundary = f"esp-ota-{secrets.token_hex(12)}"
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        total = len(data)
        sent = 0
        loop = asyncio.get_running_loop()

        try:
            async with asyncio.timeout(self._timeouts.stall) as deadline:

                async def body() -> AsyncIterator[bytes | memoryview]:
                    nonlocal sent
                    view = memoryview(data)
                    yield head
                    for start in range(0, total, CHUNK_SIZE):
                        piece = view[start : start + CHUNK_SIZE]
                        yield piece
                        # Resumed: aiohttp wrote (and drained) the slice.
                        sent += len(piece)
                        deadline.reschedule(loop.time() + self._timeouts.stall)
                        if progress is not None:
                            progress(sent, total)
                    yield tail
                    deadline.reschedule(loop.time() + self._timeouts.answer)

                headers = {
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(head) + total + len(tail)),
                    "Host": self._host_header,
                    "Origin": f"http://{self._host_header}",
                }
                try:
                    await self._post(body(), headers)
                except aiohttp.ClientError as err:
                    _LOGGER.debug("Upload to %s broke off: %r", self._url, err)
                    raise UploadInterruptedError(sent, total) from err
        except TimeoutError as err:
            msg = f"upload stalled after {sent} of {total} bytes"
            raise WebTimeoutError(msg) from err

    async def _post(
        self, body: AsyncIterator[bytes | memoryview], headers: dict[str, str]
    ) -> None:
        async with self._session.post(
            self._url,
            data=body,
            headers={**headers, **self._auth_headers},
            allow_redirects=False,
        ) as response:
            text = (await response.content.read(MAX_PAGE_SIZE)).decode(
                "utf-8", "replace"
            )
            if response.status == 401:
                msg = "the board refused the credentials"
                raise WebAuthenticationError(msg)
            if response.status != 200:
                raise UnexpectedAnswerError(response.status)
        check_answer(text)
