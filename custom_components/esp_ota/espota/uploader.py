"""Upload one image to an ArduinoOTA board (the espota protocol, over asyncio).

``upload`` runs attempts (``session.Session``); a transfer that breaks off or
stalls is retried with a fresh invitation after a pause, never a refusal, an
authentication failure or an image the board rejected. Progress restarts at
0 on a retry, and the final error names every attempt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import time

from .errors import TransferError, TransferTimeoutError
from .progress import Progress, ProgressCallback
from .protocol import Command
from .session import Session, Target
from .timeouts import Timeouts

_LOGGER = logging.getLogger(__name__)

MAX_RETRIES = 3
"""More retries than this only make a broken link take longer to report."""

__all__ = ["MAX_RETRIES", "ProgressCallback", "UploadResult", "upload"]


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What a finished upload reports."""

    size: int
    """Bytes of the image the board accepted."""
    seconds: float
    """Wall-clock time from the first invitation to the board's final answer."""
    message: str
    """The board's final text, e.g. ``OK``."""
    written: int = 0
    """Bytes the board's own counts confirmed it wrote."""
    attempts: int = 1
    """Attempts it took (1 without a retry)."""


async def upload(
    host: str,
    port: int,
    image: bytes | os.PathLike[str] | str,
    *,
    password: str | None = None,
    command: Command = Command.FLASH,
    progress: ProgressCallback | None = None,
    timeouts: Timeouts | None = None,
    listen_host: str | None = None,
    listen_port: int = 0,
    retries: int = 0,
) -> UploadResult:
    """Upload ``image`` (bytes or a file path) to the board at ``host:port``.

    ``listen_host``/``listen_port``: where the board connects back (espota.py
    ``-I``/``-P``; default the address routing to the board, any free port).
    ``retries``: extra attempts (0..3) after a transfer broke off or stalled.
    """
    timeouts = timeouts or Timeouts()
    if isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
        name = "image.bin"
    else:
        path = Path(image)
        data = await asyncio.to_thread(path.read_bytes)
        name = path.name
    target = Target(host, port, listen_host, listen_port)
    tracker = Progress(len(data), progress)
    started = time.monotonic()
    failures: list[TransferError] = []
    for attempt in range(1, max(0, min(retries, MAX_RETRIES)) + 2):
        if failures:
            await asyncio.sleep(timeouts.retry_pause)
            tracker.restart()
        session = Session(
            target,
            data,
            name=name,
            password=password,
            command=command,
            progress=tracker,
            timeouts=timeouts,
        )
        try:
            message = await session.run()
        except TransferError as err:
            _LOGGER.debug("Attempt %d failed: %s", attempt, err)
            failures.append(err)
            continue
        return UploadResult(
            size=len(data),
            seconds=time.monotonic() - started,
            message=message,
            written=session.written,
            attempts=attempt,
        )
    raise _all_failed(failures)


def _all_failed(failures: list[TransferError]) -> TransferError:
    """Return the last failure, its message naming every attempt."""
    last = failures[-1]
    if len(failures) == 1:
        return last
    lines = [f"attempt {n}: {err.attempts[0]}" for n, err in enumerate(failures, 1)]
    message = f"All {len(failures)} attempts failed; " + "; ".join(lines)
    kind = (
        TransferTimeoutError
        if isinstance(last, TransferTimeoutError)
        else TransferError
    )
    error = kind(message, sent=last.sent, total=last.total, written=last.written)
    error.attempts = tuple(err.attempts[0] for err in failures)
    error.__cause__ = last
    return error
