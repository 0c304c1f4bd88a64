"""A pull-mode board that runs on its own: check in, flash, reboot, repeat.

The sketch such a board runs calls ``ESPhttpUpdate.update(...)`` (or
``httpUpdate.update(...)``) once after boot and then every few seconds or
minutes; ``PullLoop`` does the same with a ``PullBoard``. The URL carries the
server's secret token, so it is never printed: the log names the board and the
outcome of each check-in only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
import hashlib
import os
from typing import Final

import aiohttp

from .config import Core, default_free_space
from .image import build_esp32_image, build_esp8266_image
from .pull_client import DEFAULT_TIMEOUT, PullBoard, PullOutcome, PullResult

# The ESP8266 / ESP32 examples check in far less often; 15 s keeps a person
# watching the demo from waiting long while staying under the server's rate.
DEFAULT_INTERVAL: Final = 15.0
# The sketch a board starts with: small, valid, carrying the version (ESP32).
INITIAL_SKETCH_SIZE: Final = 4096

# ``--pull @NAME``: the URL is in the environment variable NAME, so that the
# token never shows in a process listing.
URL_FROM_ENV: Final = "@"

type Say = Callable[[str], None]


class PullUrlMissingError(RuntimeError):
    """``--pull @NAME`` names an environment variable that is not set."""


def resolve_url(value: str) -> str:
    """Return the URL ``--pull`` gives, read from the environment for ``@NAME``."""
    if not value.startswith(URL_FROM_ENV):
        return value
    name = value.removeprefix(URL_FROM_ENV)
    if not (url := os.environ.get(name, "")):
        message = f"--pull {value}: the environment variable {name} is not set"
        raise PullUrlMissingError(message)
    return url


def mac_for(hostname: str) -> str:
    """Return a stable, locally administered STA MAC derived from ``hostname``."""
    digest = hashlib.sha256(hostname.encode()).digest()
    octets = [0x02, *digest[:5]]  # 0x02: locally administered, unicast
    return ":".join(f"{octet:02X}" for octet in octets)


def initial_sketch(core: Core, version: str | None) -> bytes:
    """Return the sketch the board runs before its first update."""
    if core is Core.ESP32:
        return build_esp32_image(version or "", size=INITIAL_SKETCH_SIZE)
    return build_esp8266_image(size=INITIAL_SKETCH_SIZE)


def describe(outcome: PullOutcome) -> str:
    """Return one check-in's outcome in words (status and reason)."""
    text = f"{outcome.result.value} (HTTP {outcome.status}"
    return text + (f", {outcome.reason})" if outcome.reason else ")")


class PullLoop:
    """Run ``board`` like a sketch that checks in every ``interval`` seconds."""

    def __init__(
        self,
        board: PullBoard,
        url: str,
        *,
        name: str,
        interval: float = DEFAULT_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        say: Say = print,
    ) -> None:
        """Check in at ``url``; ``say`` receives one line per check-in."""
        self.board = board
        self.name = name
        self.check_ins = 0
        self._url = url
        self._interval = interval
        self._timeout = timeout
        self._say = say

    async def check_in(self, session: aiohttp.ClientSession) -> PullOutcome | None:
        """Check in once; None when the server could not be reached."""
        self.check_ins += 1
        try:
            outcome = await self.board.update(session, self._url, timeout=self._timeout)
        except (aiohttp.ClientError, TimeoutError) as err:
            # The exception's text may quote the URL and with it the token.
            self._say(f"{self.name}: check-in failed: {type(err).__name__}")
            return None
        line = f"{self.name}: check-in {describe(outcome)}"
        if outcome.result is PullResult.UPDATED:
            line += f"; rebooted into version {self.board.version or 'unknown'}"
        self._say(line)
        return outcome

    async def run(
        self,
        session: aiohttp.ClientSession,
        stop: asyncio.Event,
        *,
        max_check_ins: int | None = None,
    ) -> None:
        """Check in until ``stop`` is set (or after ``max_check_ins``).

        After an update the board reboots and, like a sketch calling the
        updater in ``setup()``, checks in again at once.
        """
        version = self.board.version or "unknown"
        self._say(f"{self.name}: {self.board.core.value} pull board, version {version}")
        while not stop.is_set():
            outcome = await self.check_in(session)
            if max_check_ins is not None and self.check_ins >= max_check_ins:
                return
            if outcome is not None and outcome.result is PullResult.UPDATED:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await stop.wait()


def board_from_args(args: argparse.Namespace, hostname: str) -> PullBoard:
    """Build the pull board the command line describes."""
    core: Core = args.core
    return PullBoard(
        sta_mac=args.mac or mac_for(hostname),
        sketch=initial_sketch(core, args.board_version),
        core=core,
        version=args.board_version,
        free_space=args.free_space or default_free_space(core),
        sdk_version="2.2.2-dev" if core is Core.ESP8266 else "v4.4.7",
    )


async def run_pull_board(
    args: argparse.Namespace, hostname: str, stop: asyncio.Event
) -> None:
    """Run one pull board from the command line until ``stop`` is set."""
    board = board_from_args(args, hostname)

    def say(line: str) -> None:
        print(line, flush=True)

    loop = PullLoop(
        board,
        resolve_url(args.pull),
        name=f"{hostname} [{board.sta_mac}]",
        interval=args.interval,
        say=say,
    )
    async with aiohttp.ClientSession() as session:
        await loop.run(session, stop, max_check_ins=args.check_ins)
