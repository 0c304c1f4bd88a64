"""Upload one image to an ArduinoOTA board (the espota protocol, over asyncio)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import time

from .errors import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    ConnectBackTimeoutError,
    EspOtaError,
    ImageRejectedError,
    TransferError,
    TransferTimeoutError,
)
from .protocol import (
    AckParser,
    AuthScheme,
    Command,
    InvitationReply,
    PasswordHash,
    auth_response,
    format_auth,
    format_invitation,
    make_cnonce,
    md5_hex,
    parse_reply,
    password_digest,
    scheme_for_nonce,
)
from .timeouts import Timeouts
from .transport import BoardStream, InvitationEndpoint, open_invitation_endpoint

_LOGGER = logging.getLogger(__name__)

# Two ESP32 reads (1460 bytes each): the most a glued final count can be
# under-read by.
GLUE_SLACK_BYTES = 2 * 1460

type ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What a finished upload reports."""

    size: int
    """Bytes of the image the board accepted."""
    seconds: float
    """Wall-clock time from the first invitation to the board's final answer."""
    message: str
    """The board's final text, e.g. ``OK``."""


async def upload(
    host: str,
    port: int,
    image: bytes | os.PathLike[str] | str,
    *,
    password: str | None = None,
    command: Command = Command.FLASH,
    progress: ProgressCallback | None = None,
    timeouts: Timeouts | None = None,
) -> UploadResult:
    """Upload ``image`` (bytes or a file path) to the board at ``host:port``."""
    timeouts = timeouts or Timeouts()
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
        name = "image.bin"
    else:
        path = Path(image)
        data = await asyncio.to_thread(path.read_bytes)
        name = path.name
    session = _Session(
        host=host,
        port=port,
        data=data,
        name=name,
        password=password,
        command=command,
        progress=progress,
        timeouts=timeouts,
    )
    return await session.run()


class _Session:
    """One upload: every socket it opens is closed by ``run`` on any exit."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        data: bytes,
        name: str,
        password: str | None,
        command: Command,
        progress: ProgressCallback | None,
        timeouts: Timeouts,
    ) -> None:
        self.host = host
        self.port = port
        self.data = data
        self.name = name
        self.password = password
        self.command = command
        self.progress = progress
        self.timeouts = timeouts
        self.md5 = md5_hex(data)
        self.endpoint: InvitationEndpoint | None = None
        self.server: asyncio.Server | None = None
        self.stream: BoardStream | None = None

    async def run(self) -> UploadResult:
        started = time.monotonic()
        try:
            endpoint, local_ip = await open_invitation_endpoint(self.host, self.port)
            self.endpoint = endpoint
            loop = asyncio.get_running_loop()
            connected: asyncio.Future[BoardStream] = loop.create_future()
            self.server = await loop.create_server(
                lambda: BoardStream(connected), host=local_ip, port=0, backlog=1
            )
            tcp_port = int(self.server.sockets[0].getsockname()[1])
            _LOGGER.debug(
                "Inviting %s:%s to upload %d bytes from %s:%d",
                self.host,
                self.port,
                len(self.data),
                local_ip,
                tcp_port,
            )
            await self._invite(endpoint, tcp_port)
            self._close_udp()
            stream = await self._accept(connected)
            self.stream = stream
            self._close_server()
            message = await self._stream(stream)
        finally:
            await self._close_all()
        seconds = time.monotonic() - started
        return UploadResult(size=len(self.data), seconds=seconds, message=message)

    async def _invite(self, endpoint: InvitationEndpoint, tcp_port: int) -> None:
        """Send the invitation (with retries) and answer any challenge."""
        invitation = format_invitation(self.command, tcp_port, len(self.data), self.md5)
        # Boards on arduino-esp32 3.3.1+ keep SHA-256(password) after
        # setPassword() but whatever setPasswordHash() got, often an old MD5
        # hash; the wire cannot tell them apart, so like upstream espota.py we
        # try SHA-256 first and the MD5 hash once more after a rejection.
        hashes = [PasswordHash.SHA256, PasswordHash.MD5]
        while True:
            reply = await self._send_invitation(endpoint, invitation)
            if reply.kind == "ok":
                return
            if reply.kind == "refused":
                raise BoardRefusedError(reply.text)
            if reply.kind == "auth_failed":
                message = "The board rejected the upload: it did not accept the authentication."
                raise AuthenticationError(message)
            if reply.kind != "auth":
                message = f"The board sent an answer this uploader does not understand: {reply.text!r}"
                raise EspOtaError(message)
            scheme = scheme_for_nonce(reply.text)
            if scheme is None:
                message = f"The board sent a challenge this uploader does not understand (nonce of {len(reply.text)} characters)."
                raise AuthenticationError(message)
            if self.password is None:
                message = "The board requires a password, but none was given."
                raise AuthenticationError(message)
            stored_as = PasswordHash.MD5 if scheme is AuthScheme.MD5 else hashes.pop(0)
            answer = await self._authenticate(endpoint, scheme, stored_as, reply.text)
            if (
                answer.kind == "auth_failed"
                and scheme is AuthScheme.PBKDF2_SHA256
                and hashes
            ):
                _LOGGER.debug(
                    "SHA-256 password hash rejected; retrying with the MD5 hash"
                )
                continue
            if answer.kind == "ok":
                return
            if answer.kind == "refused":
                raise BoardRefusedError(answer.text)
            message = "Authentication failed: the board rejected the password."
            raise AuthenticationError(message)

    async def _send_invitation(
        self, endpoint: InvitationEndpoint, invitation: bytes
    ) -> InvitationReply:
        """Send the invitation until the board answers; raise when it never does."""
        attempts = max(1, self.timeouts.invitation_attempts)
        for attempt in range(1, attempts + 1):
            endpoint.drain_answers()
            endpoint.send(invitation)
            answer = await endpoint.answer(self.timeouts.invitation)
            if answer is not None:
                return parse_reply(answer)
            _LOGGER.debug("No answer to invitation %d of %d", attempt, attempts)
        message = (
            f"The board at {self.host}:{self.port} did not answer {attempts} "
            f"invitation(s) within {self.timeouts.invitation:g} s each; check that "
            "it is powered, on the network and running ArduinoOTA on that port."
        )
        raise BoardNotRespondingError(message)

    async def _authenticate(
        self,
        endpoint: InvitationEndpoint,
        scheme: AuthScheme,
        stored_as: PasswordHash,
        nonce: str,
    ) -> InvitationReply:
        """Answer the board's challenge; return its verdict."""
        assert self.password is not None  # noqa: S101 - checked by the caller
        seed = f"{self.name}{len(self.data)}{self.md5}{self.host}{time.time_ns()}"
        cnonce = make_cnonce(scheme, seed)
        digest = password_digest(self.password, stored_as)
        response = auth_response(scheme, digest, nonce, cnonce)
        _LOGGER.debug("Answering %s challenge", scheme.value)
        endpoint.drain_answers()
        endpoint.send(format_auth(cnonce, response))
        answer = await endpoint.answer(self.timeouts.auth)
        if answer is None:
            message = (
                f"The board did not answer the authentication within "
                f"{self.timeouts.auth:g} s."
            )
            raise BoardNotRespondingError(message)
        return parse_reply(answer)

    async def _accept(self, connected: asyncio.Future[BoardStream]) -> BoardStream:
        """Wait for the board to connect back to our TCP port."""
        try:
            async with asyncio.timeout(self.timeouts.connect_back):
                return await connected
        except TimeoutError as err:
            message = (
                f"The board accepted the upload but did not connect back within "
                f"{self.timeouts.connect_back:g} s; it may lack space for the "
                "image (ESP32 boards then stay silent) or a firewall on this "
                "host blocks incoming TCP connections."
            )
            raise ConnectBackTimeoutError(message) from err

    async def _stream(self, stream: BoardStream) -> str:
        """Send the image while reading acknowledgements; return the final text."""
        total = len(self.data)
        parser = AckParser(total)
        # The whole image goes to the transport at once: it sends as fast as the
        # board's TCP window opens, and acknowledgements are read concurrently.
        stream.write(self.data)
        reported = 0
        handed_over = 0
        while not parser.has_text:
            timeout = (
                self.timeouts.ack if parser.acked < total else self.timeouts.result
            )
            chunk = await self._read(stream, timeout, parser)
            if not chunk:
                break
            handed_over = max(handed_over, total - stream.unsent())
            parser.feed(chunk, limit=handed_over - parser.acked)
            if parser.acked > reported and parser.acked < total:
                reported = parser.acked
                self._report(reported, total)
        while not parser.text.strip().startswith("OK") and not stream.closed:
            if "OK" in parser.text or len(parser.text) > 512:
                break
            chunk = await self._read(stream, self.timeouts.result, parser)
            if not chunk:
                break
            parser.feed(chunk)
        return self._verdict(parser, total, handed_over)

    def _verdict(self, parser: AckParser, total: int, handed_over: int) -> str:
        """Turn the board's final text (or silence) into a result or an error."""
        text = parser.text.strip()
        if text.startswith("OK"):
            self._report(total, total)
            return "OK"
        # Counts glued at the very end can be split short; a shortfall under
        # two reads, with every byte handed over, still means "whole image".
        whole = parser.acked >= total or (
            handed_over >= total and total - parser.acked <= GLUE_SLACK_BYTES
        )
        if text and whole:
            raise ImageRejectedError(text)
        if text:
            message = (
                f"The transfer failed after {parser.acked} of {total} bytes: "
                f"the board reported {text!r}."
            )
            raise TransferError(message, sent=parser.acked, total=total)
        if parser.acked >= total:
            raise ImageRejectedError("")
        message = (
            f"The board closed the connection after {parser.acked} of {total} bytes."
        )
        raise TransferError(message, sent=parser.acked, total=total)

    async def _read(
        self, stream: BoardStream, seconds: float, parser: AckParser
    ) -> bytes:
        """Read from the board, turning silence into a transfer timeout."""
        try:
            async with asyncio.timeout(seconds):
                return await stream.read()
        except TimeoutError as err:
            total = len(self.data)
            if parser.acked < total:
                message = (
                    f"The board stopped acknowledging data for {seconds:g} s after "
                    f"{parser.acked} of {total} bytes."
                )
            else:
                message = (
                    f"The board received all {total} bytes but gave no final answer "
                    f"within {seconds:g} s."
                )
            raise TransferTimeoutError(message, sent=parser.acked, total=total) from err

    def _report(self, sent: int, total: int) -> None:
        if self.progress is not None:
            self.progress(sent, total)

    def _close_udp(self) -> None:
        if self.endpoint is not None and self.endpoint.transport is not None:
            self.endpoint.transport.abort()
        self.endpoint = None

    def _close_server(self) -> None:
        if self.server is not None:
            self.server.close()
        self.server = None

    async def _close_all(self) -> None:
        """Close every socket of the session, at once, on any exit path."""
        self._close_udp()
        self._close_server()
        if self.stream is not None:
            self.stream.abort()
            self.stream = None
        # Transports close their sockets on the next loop iteration; let that
        # happen before returning, so nothing outlives the call.
        await asyncio.sleep(0)
