"""Socket helpers of the emulated board: readiness waits and delayed writes."""

from __future__ import annotations

import asyncio
import contextlib
import socket


async def wait_readable(sock: socket.socket, seconds: float) -> bool:
    """Wait until ``sock`` has data (or EOF); False after ``seconds``."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def _ready() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), _ready)
    try:
        async with asyncio.timeout(seconds):
            await ready
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(sock.fileno())
    return True


def available(sock: socket.socket) -> int | None:
    """Return bytes waiting in the socket (like client.available()); None at EOF."""
    try:
        peeked = sock.recv(1 << 20, socket.MSG_PEEK)
    except BlockingIOError:
        return 0
    except OSError:
        return None
    return len(peeked) if peeked else None


class DelayedWriter:
    """Writes text to the host ``rtt`` seconds late, in order (Wi-Fi latency)."""

    def __init__(self, sock: socket.socket, rtt: float) -> None:
        """Start the writer task for ``sock``."""
        self._sock = sock
        self._rtt = rtt
        self._queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def send(self, text: str) -> None:
        """Queue ``text``; it leaves after the configured round trip."""
        due = asyncio.get_running_loop().time() + self._rtt
        self._queue.put_nowait((due, text.encode()))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while (item := await self._queue.get()) is not None:
            due, data = item
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await loop.sock_sendall(self._sock, data)
            except OSError:
                return
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until everything queued so far has been sent (client.flush())."""
        if not self._task.done():
            await self._queue.join()

    async def flush(self) -> None:
        """Send everything queued, then stop."""
        self._queue.put_nowait(None)
        with contextlib.suppress(OSError):
            await self._task

    async def cancel(self) -> None:
        """Drop whatever is queued."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
