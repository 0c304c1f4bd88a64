"""A scripted ArduinoOTA peer for answers no well-behaved board gives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import re

type TcpScript = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]
]


class ScriptedBoard(asyncio.DatagramProtocol):
    """Answers datagrams from a list; optionally connects back and runs a script."""

    def __init__(
        self, replies: list[bytes | None], tcp: TcpScript | None = None
    ) -> None:
        """Answer with ``replies`` in order; run ``tcp`` after an OK."""
        self.replies = list(replies)
        self.tcp = tcp
        self.transport: asyncio.DatagramTransport | None = None
        self.datagrams: list[bytes] = []
        """Every datagram received, in order."""
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """Answer from the script; connect back after an OK to an invitation."""
        self.datagrams.append(data)
        reply = self.replies.pop(0) if self.replies else None
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)
        match = re.match(rb"(\d+) (\d+) (\d+) ", data)
        if self.tcp is not None and match and reply == b"OK":
            task = asyncio.get_running_loop().create_task(
                self._connect(str(addr[0]), int(match.group(2)), int(match.group(3)))
            )
            self.tasks.add(task)

    async def _connect(self, host: str, port: int, size: int) -> None:
        assert self.tcp is not None
        reader, writer = await asyncio.open_connection(host, port)
        try:
            await self.tcp(reader, writer, size)
        finally:
            writer.close()

    async def close(self) -> None:
        """Stop answering and end any connection."""
        if self.transport is not None:
            self.transport.close()
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task


async def start(
    replies: list[bytes | None], tcp: TcpScript | None = None
) -> tuple[ScriptedBoard, int]:
    """Start a scripted board on 127.0.0.1; return it and its UDP port."""
    loop = asyncio.get_running_loop()
    transport, board = await loop.create_datagram_endpoint(
        lambda: ScriptedBoard(replies, tcp), local_addr=("127.0.0.1", 0)
    )
    return board, int(transport.get_extra_info("sockname")[1])


async def read_all(reader: asyncio.StreamReader, size: int) -> bytes:
    """Read the whole image."""
    return await reader.readexactly(size)
