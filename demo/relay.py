"""Byte relays between a TCP port and a Unix socket.

Home Assistant runs inside a private network namespace, which a browser outside
cannot reach. A Unix socket file is not tied to a network namespace, so the
demo opens one inside (to Home Assistant's port) and ``scripts/demo`` opens
127.0.0.1:PORT outside (to that socket).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
import contextlib
from pathlib import Path
from typing import Any, Final

CHUNK: Final = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


async def _splice(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    peer: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    peer_reader, peer_writer = peer
    try:
        await asyncio.gather(_pipe(reader, peer_writer), _pipe(peer_reader, writer))
    finally:
        for w in (writer, peer_writer):
            w.close()
            with contextlib.suppress(ConnectionError, OSError):
                await w.wait_closed()


type _Handler = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]
]


def _in_task(
    handler: _Handler,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]:
    """Run each connection's handler in a task of its own, kept until done.

    A plain callback instead of a coroutine function: Python 3.14's streams
    trip over a coroutine callback under an eager task factory (Home
    Assistant's event loop in tests).
    """
    tasks: set[asyncio.Task[None]] = set()

    def start(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(handler(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return start


async def unix_to_tcp(path: Path, host: str, port: int) -> asyncio.Server:
    """Serve ``path``: each connection is relayed to ``host:port``."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            peer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await _splice(reader, writer, peer)

    return await asyncio.start_unix_server(_in_task(handle), path)


async def tcp_to_unix(host: str, port: int, path: Path) -> asyncio.Server:
    """Serve ``host:port``: each connection is relayed to the Unix socket ``path``."""

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            peer = await asyncio.open_unix_connection(path)
        except OSError:
            writer.close()
            return
        await _splice(reader, writer, peer)

    return await asyncio.start_server(_in_task(handle), host, port)
