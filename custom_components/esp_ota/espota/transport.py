"""asyncio plumbing of an upload: the UDP exchange and the board's TCP stream."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import cast

from .progress import FALLBACK_SEND_BUFFER, siocoutq_available, unacknowledged

# Our kernel send buffer for the image. The board's own window (a few KB in
# lwIP) bounds what is in flight anyway; a small buffer here also bounds how
# many bytes an acknowledgement can cover, which keeps glued counts parseable.
SEND_BUFFER_BYTES = 32 * 1024
# Read size for acknowledgements: counts are a few characters each; a backlog
# of ESP32 counts splits in linear time, so a few KiB at once keep the loop free.
ACK_READ_BYTES = 4096


class InvitationEndpoint(asyncio.DatagramProtocol):
    """A connected UDP socket towards the board's OTA port."""

    def __init__(self) -> None:
        """Start with an empty queue of answers."""
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """Queue every answer; the connected socket only gets the board's."""
        self.answers.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        """Ignore ICMP errors (port unreachable): a retry or timeout follows."""

    def send(self, data: bytes) -> None:
        """Send one datagram to the board."""
        if self.transport is not None:
            self.transport.sendto(data)

    def drain_answers(self) -> None:
        """Forget answers that belong to an earlier exchange."""
        while not self.answers.empty():
            self.answers.get_nowait()

    async def answer(self, seconds: float) -> bytes | None:
        """Return the next answer, or None after ``seconds``."""
        try:
            async with asyncio.timeout(seconds):
                return await self.answers.get()
        except TimeoutError:
            return None


async def resolve(host: str, port: int, seconds: float) -> str:
    """Return the board's IPv4 address; raise TimeoutError after ``seconds``."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(seconds):
        infos = await loop.getaddrinfo(
            host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
        )
    return str(infos[0][4][0])


async def open_invitation_endpoint(
    address: str, port: int
) -> tuple[InvitationEndpoint, str]:
    """Connect a UDP socket to the board; return it and the local address.

    Connecting a UDP socket sends nothing, but makes the kernel choose the
    interface and source address that route to the board: that is the address
    the board must connect back to.
    """
    loop = asyncio.get_running_loop()
    transport, endpoint = await loop.create_datagram_endpoint(
        InvitationEndpoint, remote_addr=(address, port), family=socket.AF_INET
    )
    local_ip = str(transport.get_extra_info("sockname")[0])
    return endpoint, local_ip


class BoardStream(asyncio.Protocol):
    """The TCP connection the board opened back to us."""

    def __init__(self, connected: asyncio.Future[BoardStream]) -> None:
        """Resolve ``connected`` with this stream once the board is in."""
        self._connected = connected
        self._buffer = bytearray()
        self._wakeup: asyncio.Future[None] | None = None
        self.closed = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.last_data = time.monotonic()
        """When the board last sent anything (counts or text)."""
        self.silent_for = 0.0
        """How long the board had been silent before its latest data."""
        self._sock: socket.socket | None = None
        self._send_buffer = 0
        self._received = (0, 0)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Take the first connection; refuse any further one."""
        stream = cast(asyncio.Transport, transport)
        if self._connected.done():
            stream.abort()
            return
        self.transport = stream
        sock = transport.get_extra_info("socket")
        if sock is not None:
            size = SEND_BUFFER_BYTES if siocoutq_available() else FALLBACK_SEND_BUFFER
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._send_buffer = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
            self._sock = sock
        self._connected.set_result(self)

    def data_received(self, data: bytes) -> None:
        """Buffer acknowledgements and text."""
        now = time.monotonic()
        if not self._buffer:
            self.silent_for = now - self.last_data
        self.last_data = now
        self._buffer += data
        self._wake()

    def eof_received(self) -> bool:
        """Note that the board will send nothing more."""
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Note the end of the connection."""
        self.closed = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def read(self) -> bytes:
        """Return what the board sent since the last read; b"" at the end."""
        while not self._buffer and not self.closed:
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup
        data = bytes(self._buffer[:ACK_READ_BYTES])
        del self._buffer[:ACK_READ_BYTES]
        return data

    @property
    def buffered(self) -> bool:
        """Return whether more from the board waits to be read."""
        return bool(self._buffer)

    def pause_reading(self) -> None:
        """Leave what the board sends in the kernel until ``resume_reading``."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Read what the board sends again."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def write(self, data: bytes) -> None:
        """Queue data for the board; the transport sends as the window allows."""
        if self.transport is not None:
            self.transport.write(data)

    def unsent(self) -> int:
        """Bytes still waiting in our user-space buffer."""
        if self.transport is None:
            return 0
        return self.transport.get_write_buffer_size()

    def received(self, total: int) -> tuple[int, int]:
        """Return (surely, at most) bytes the board's TCP stack took in.

        ``total`` is how much was written to this stream. Once the connection
        is gone the kernel forgets its queue: the last reading stands.
        """
        if self.closed or self.transport is None or self.transport.is_closing():
            return self._received
        handed_over = total - self.unsent()
        queued = unacknowledged(self._sock) if self._sock is not None else None
        if queued is not None:
            acked = max(0, handed_over - queued)
            self._received = (acked, acked)
        else:
            self._received = (max(0, handed_over - self._send_buffer), handed_over)
        return self._received

    def abort(self) -> None:
        """Close the connection at once."""
        if self.transport is not None:
            self.transport.abort()
