"""One upload attempt: invite, authenticate, accept the board, stream, verdict.

Upstream references: esp8266/Arduino ``tools/espota.py`` and
``libraries/ArduinoOTA/ArduinoOTA.cpp`` (master f946290, 616d6b14);
espressif/arduino-esp32 ``tools/espota.py`` and
``libraries/ArduinoOTA/src/ArduinoOTA.cpp``. Every socket a session opens is
closed by ``run`` on any exit, cancellation included.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import logging
import time

from .auth import invite
from .errors import (
    ConnectBackTimeoutError,
    HostLookupError,
    ImageRejectedError,
    TransferError,
    TransferTimeoutError,
)
from .progress import POLL_SECONDS, Progress
from .protocol import AckParser, Command, md5_hex
from .timeouts import Timeouts
from .transport import (
    BoardStream,
    InvitationEndpoint,
    open_invitation_endpoint,
    resolve,
)

_LOGGER = logging.getLogger(__name__)

# Final text longer than this is not an answer the cores print.
MAX_TEXT = 512
# Read the board's counts at most this often (an ESP32 prints one per 1460
# bytes, hundreds a second): the bar still moves 50 times a second.
READ_INTERVAL = 0.02


@dataclass(frozen=True, slots=True)
class Target:
    """Where the board is and where it must connect back to."""

    host: str
    port: int
    listen_host: str | None = None
    """Address to listen on (espota.py ``-I``); None: the one routing to the board."""
    listen_port: int = 0
    """TCP port the board connects back to (espota.py ``-P``); 0: any free one."""


class Session:
    """One attempt to upload ``data``; ``run`` returns the board's final text."""

    def __init__(
        self,
        target: Target,
        data: bytes,
        *,
        name: str,
        password: str | None,
        command: Command,
        progress: Progress,
        timeouts: Timeouts,
    ) -> None:
        """Prepare an attempt; nothing is opened before ``run``."""
        self.target = target
        self.data = data
        self.name = name
        self.password = password
        self.command = command
        self.progress = progress
        self.timeouts = timeouts
        self.md5 = ""
        """The image's MD5, hashed off the event loop by ``run``."""
        self.endpoint: InvitationEndpoint | None = None
        self.server: asyncio.Server | None = None
        self.connected: asyncio.Future[BoardStream] | None = None
        self.stream: BoardStream | None = None
        self.written = 0
        """Bytes the board's counts confirmed."""
        self._surely = 0
        self._at_most = 0
        self._activity = 0.0

    async def run(self) -> str:
        """Run the attempt; return the board's final text (``OK``)."""
        try:
            # hashlib releases the GIL: megabytes hash without blocking the loop.
            self.md5 = await asyncio.to_thread(md5_hex, self.data)
            address = await self._resolve()
            endpoint, local_ip = await open_invitation_endpoint(
                address, self.target.port
            )
            self.endpoint = endpoint
            listen = self.target.listen_host or local_ip
            loop = asyncio.get_running_loop()
            connected: asyncio.Future[BoardStream] = loop.create_future()
            self.connected = connected
            self.server = await loop.create_server(
                lambda: BoardStream(connected),
                host=listen,
                port=self.target.listen_port,
                backlog=1,
            )
            tcp_port = int(self.server.sockets[0].getsockname()[1])
            _LOGGER.debug(
                "Inviting %s:%s to upload %d bytes from %s:%d",
                self.target.host,
                self.target.port,
                len(self.data),
                listen,
                tcp_port,
            )
            await invite(self, endpoint, tcp_port)
            self._close_udp()
            stream = await self._accept(connected, listen, tcp_port)
            self.stream = stream
            self._close_server()
            return await self._stream(stream)
        finally:
            await self._close_all()

    async def _resolve(self) -> str:
        try:
            return await resolve(
                self.target.host, self.target.port, self.timeouts.lookup
            )
        except TimeoutError as err:
            message = (
                f"Looking up {self.target.host} took longer than "
                f"{self.timeouts.lookup:g} s; check the name or use the address."
            )
            raise HostLookupError(message) from err
        except OSError as err:
            message = f"{self.target.host} could not be looked up: {err}"
            raise HostLookupError(message) from err

    async def _accept(
        self, connected: asyncio.Future[BoardStream], address: str, port: int
    ) -> BoardStream:
        """Wait for the board to connect back to our TCP port."""
        try:
            async with asyncio.timeout(self.timeouts.connect_back):
                return await connected
        except TimeoutError as err:
            message = (
                f"The board accepted the upload but did not connect back to "
                f"{address} TCP port {port} within "
                f"{self.timeouts.connect_back:g} s; open that port for incoming "
                "TCP connections from the board (firewall, Docker port mapping), "
                "or the board lacks space for the image (ESP32 boards then stay "
                "silent)."
            )
            raise ConnectBackTimeoutError(message, address=address, port=port) from err

    # -- streaming --------------------------------------------------------
    async def _stream(self, stream: BoardStream) -> str:
        """Send the image while reading counts and watching TCP; return the text."""
        total = len(self.data)
        parser = AckParser(total)
        # The whole image goes to the transport at once: it sends as fast as the
        # board's TCP window opens; counts are read concurrently.
        stream.write(self.data)
        self._activity = time.monotonic()
        watcher = asyncio.get_running_loop().create_task(self._watch(stream, parser))
        try:
            while not parser.has_text:
                chunk = await self._read(stream, parser)
                if not chunk:
                    break
                before = parser.acked
                # A stale, tight bound would split counts wrongly; one system
                # call per read is cheap now that reads gather many counts.
                self._measure(stream, parser)
                parser.feed(chunk, self._at_most, stream.silent_for)
                if parser.waiting:
                    self._measure(stream, parser)
                    parser.feed(b"", self._at_most)
                if parser.acked > before:
                    self._activity = time.monotonic()
                self.progress.offer(max(parser.acked, self._surely))
                if not parser.has_text:
                    # Let counts gather: parsing a few at once costs far less
                    # loop time and CPU than waking up for every one.
                    # Reading pauses meanwhile: one system call, not one per count.
                    stream.pause_reading()
                    try:
                        await asyncio.sleep(READ_INTERVAL)
                    finally:
                        stream.resume_reading()
            await self._read_text(stream, parser)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        self._measure(stream, parser)
        self.written = parser.acked
        return self._verdict(parser)

    def _measure(self, stream: BoardStream, parser: AckParser) -> None:
        """Update what the board's TCP stack surely / at most took in."""
        surely, at_most = stream.received(len(self.data))
        if surely > self._surely:
            self._surely = surely
            self._activity = time.monotonic()
        self._at_most = max(self._at_most, at_most, parser.acked)

    async def _watch(self, stream: BoardStream, parser: AckParser) -> None:
        """Report TCP-acknowledged progress while counts are sparse."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            self._measure(stream, parser)
            self.progress.offer(max(parser.acked, self._surely))

    def _received_all(self, parser: AckParser) -> bool:
        total = len(self.data)
        return parser.acked >= total or self._surely >= total

    async def _read(self, stream: BoardStream, parser: AckParser) -> bytes:
        """Read from the board; silence without TCP progress is a stall."""
        while True:
            # Only the board's own counts say it wrote everything: its stack
            # may hold a window of data it has yet to flash.
            seconds = (
                self.timeouts.result
                if parser.acked >= len(self.data)
                else self.timeouts.ack
            )
            deadline = self._activity + seconds
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    return await stream.read()
            except TimeoutError as err:
                if self._activity + seconds > time.monotonic():
                    continue  # TCP moved on meanwhile
                raise self._stalled(parser, seconds) from err

    def _stalled(self, parser: AckParser, seconds: float) -> TransferTimeoutError:
        total = len(self.data)
        sent = max(parser.acked, self._surely)
        if self._received_all(parser):
            message = (
                f"The board received all {total} bytes but gave no final answer "
                f"within {seconds:g} s."
            )
        else:
            message = (
                f"The board stopped acknowledging data for {seconds:g} s after "
                f"{sent} of {total} bytes."
            )
        return TransferTimeoutError(
            message, sent=sent, total=total, written=parser.acked
        )

    async def _read_text(self, stream: BoardStream, parser: AckParser) -> None:
        """Read the rest of the final text; a finished line ends it at once."""
        while parser.has_text and not _text_complete(parser.text):
            # "O" may still become "OK"; other text only waits a moment.
            partial_ok = "OK".startswith(parser.text.strip())
            wait = self.timeouts.result if partial_ok else self.timeouts.text
            try:
                async with asyncio.timeout(wait):
                    chunk = await stream.read()
            except TimeoutError:
                return
            if not chunk:
                return
            parser.feed(chunk)

    def _verdict(self, parser: AckParser) -> str:
        """Turn the board's final text (or silence) into a result or an error."""
        total = len(self.data)
        text = parser.text.strip()
        if text.startswith("OK"):
            self.progress.done()
            return "OK"
        sent = max(parser.acked, self._surely)
        whole = parser.acked >= total or self._at_most >= total
        if text and whole:
            raise ImageRejectedError(text)
        if text:
            message = (
                f"The transfer failed after {sent} of {total} bytes: "
                f"the board reported {text!r}."
            )
            raise TransferError(message, sent=sent, total=total, written=parser.acked)
        if parser.acked >= total:
            raise ImageRejectedError("")
        message = f"The board closed the connection after {sent} of {total} bytes."
        raise TransferError(message, sent=sent, total=total, written=parser.acked)

    # -- teardown ---------------------------------------------------------
    def _close_udp(self) -> None:
        if self.endpoint is not None and self.endpoint.transport is not None:
            self.endpoint.transport.abort()
        self.endpoint = None

    def _close_server(self) -> None:
        if self.server is not None:
            self.server.close()
        self.server = None

    async def _close_all(self) -> None:
        """Close every socket of the attempt, at once, on any exit path."""
        self._close_udp()
        self._close_server()
        connected = self.connected
        if (
            self.stream is None
            and connected is not None
            and connected.done()
            and not connected.cancelled()
        ):
            # The board connected, but we were cancelled before taking it.
            self.stream = connected.result()
        if self.stream is not None:
            self.stream.abort()
            self.stream = None
        # Transports close their sockets on the next loop iteration; let that
        # happen before returning, so nothing outlives the call.
        await asyncio.sleep(0)


def _text_complete(text: str) -> bool:
    """Return whether the board's final text is whole (OK or a printed line)."""
    stripped = text.strip()
    return (
        stripped.startswith("OK")
        or "OK" in text
        or "\n" in text
        or len(text) > MAX_TEXT
    )
