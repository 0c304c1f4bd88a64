"""Upload progress: what the board's TCP stack acknowledged, and its counts.

An ESP8266 prints one count per burst of available data (esp8266/Arduino
``cores/esp8266/Updater.h`` ``write(T&)`` reads on while ``client.available()``
after ``delay(1)``), so a pipelined upload gets almost no counts. Progress
therefore also comes from TCP: on Linux ``ioctl(SIOCOUTQ)`` gives the bytes
in our send queue the board has not acknowledged, so ``handed over - queued``
is what the board's stack took in. Elsewhere a deliberately small send buffer
bounds the queue, and ``handed over - buffer size`` is a lower bound of it.
Reported progress never goes back, never exceeds what the board can have
received, and reaches 100 % only with the board's OK.
"""

from __future__ import annotations

from collections.abc import Callable
import socket
import struct
import sys

try:  # Unix only; the standalone uploader also runs on Windows.
    import fcntl
    import termios
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]
    termios = None  # type: ignore[assignment]

# A plain alias, not a ``type`` statement: the folder also runs on Python 3.11.
ProgressCallback = Callable[[int, int], None]

# Poll TCP this often: at 10 Hz a person sees the bar move smoothly, and an
# ioctl per poll costs microseconds.
POLL_SECONDS = 0.1
# Send buffer where SIOCOUTQ is missing: small, so what was handed over is
# close to what the board acknowledged (at most this many bytes ahead).
FALLBACK_SEND_BUFFER = 8 * 1024
# Linux's SIOCOUTQ is the terminal ioctl TIOCOUTQ applied to a socket.
_SIOCOUTQ = getattr(termios, "TIOCOUTQ", None) if sys.platform == "linux" else None


def siocoutq_available() -> bool:
    """Return whether this system reports unacknowledged bytes of a socket."""
    return _SIOCOUTQ is not None and fcntl is not None


def unacknowledged(sock: socket.socket) -> int | None:
    """Return bytes sent or queued but not acknowledged by the peer (Linux)."""
    if _SIOCOUTQ is None or fcntl is None:
        return None
    try:
        raw = fcntl.ioctl(sock.fileno(), _SIOCOUTQ, b"\0\0\0\0")
    except (OSError, ValueError):
        return None
    return int(struct.unpack("i", raw)[0])


class Progress:
    """Reports a monotonic byte count; the total only once the board said OK."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        """Report to ``callback`` (if any) for an image of ``total`` bytes."""
        self.total = total
        self.callback = callback
        self.reported = 0

    def offer(self, value: int) -> None:
        """Report ``value`` (capped below the total) if it is new ground."""
        value = min(value, self.total - 1)
        if value > self.reported:
            self.reported = value
            self._call(value)

    def restart(self) -> None:
        """Start again from 0 (a retry with a fresh invitation)."""
        self.reported = 0
        self._call(0)

    def done(self) -> None:
        """Report the whole image: the board said OK."""
        self.reported = self.total
        self._call(self.total)

    def _call(self, value: int) -> None:
        if self.callback is not None:
            self.callback(value, self.total)
