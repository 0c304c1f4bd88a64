"""The relay that lets a browser outside the namespace reach Home Assistant.

Sockets: these tests use 127.0.0.1 (``socket_enabled``) and Unix sockets in a
temporary folder, which pytest-socket blocks once hosts are restricted; the
``socket_dir`` fixture allows them (and still only 127.0.0.1) for the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
import shutil
import tempfile

import pytest
from pytest_socket import socket_allow_hosts

from demo.relay import tcp_to_unix, unix_to_tcp


@pytest.fixture
def socket_dir(socket_enabled: None) -> Iterator[Path]:
    """Return a short folder for Unix sockets (a path fits in 108 bytes)."""
    socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    path = Path(tempfile.mkdtemp(prefix="relay", dir="/tmp"))
    yield path
    shutil.rmtree(path)
    socket_allow_hosts(["127.0.0.1"])


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data.upper())
        await writer.drain()
    writer.close()


async def test_bytes_cross_both_relays_in_both_directions(socket_dir: Path) -> None:
    target = await asyncio.start_server(_echo, "127.0.0.1", 0)
    target_port = target.sockets[0].getsockname()[1]
    path = socket_dir / "ha.sock"
    inside = await unix_to_tcp(path, "127.0.0.1", target_port)
    outside = await tcp_to_unix("127.0.0.1", 0, path)
    port = outside.sockets[0].getsockname()[1]

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello " * 20_000)
    await writer.drain()
    writer.write_eof()
    answer = await reader.read(-1)
    writer.close()
    await writer.wait_closed()

    assert answer == b"HELLO " * 20_000
    for server in (outside, inside, target):
        server.close()
        await server.wait_closed()


async def test_a_connection_is_closed_when_nothing_listens_behind_the_relay(
    socket_dir: Path,
) -> None:
    outside = await tcp_to_unix("127.0.0.1", 0, socket_dir / "missing.sock")
    port = outside.sockets[0].getsockname()[1]

    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    assert await reader.read(-1) == b""
    writer.close()
    await writer.wait_closed()
    outside.close()
    await outside.wait_closed()
