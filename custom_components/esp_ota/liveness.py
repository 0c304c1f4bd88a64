"""When to ask a silent board whether it is still there.

A board that loses power sends no mDNS goodbye, and its PTR record lives for
75 minutes (RFC 6762 §10: 4500 s for records not tied to a host name), so the
browser alone would keep it online for that long. ``presence.py`` therefore
re-queries quiet boards through Home Assistant's shared zeroconf: one question
for the board's address record (``<host>.local.`` type A), which ArduinoOTA
boards answer from their mDNS responder (esp8266/Arduino
libraries/ESP8266mDNS/src/LEAmDNS_Control.cpp, espressif/esp-protocols
components/mdns/mdns.c). Any record of the board that arrives, answer or not,
counts as hearing from it (``_HeardFromListener``).

Rules (``QueryScheduler``; times in seconds, wall clock):
- a board is asked only after QUERY_AFTER seconds without a word from it, and
  never twice within QUERY_AFTER seconds: at most one query per board per
  minute;
- every next query is drawn QUERY_AFTER to QUERY_AFTER + QUERY_JITTER seconds
  ahead, so boards heard at the same moment (all of them, after a restart)
  drift apart instead of being asked together;
- one tick (every TICK seconds) sends at most MAX_QUESTIONS_PER_TICK
  questions, all in one mDNS message; the rest wait for the next tick, which
  still reaches 120 boards a minute;
- boards never heard over mDNS (added by hand, on another subnet) and boards
  being flashed are not asked;
- a board not heard from for OFFLINE_AFTER seconds is offline: two queries,
  at least a minute apart, went unanswered. Worst case from its last word:
  asked by 80 s, again by 160 s, offline by 170 s, within three minutes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
import random
from typing import Final

QUERY_AFTER: Final = 60.0
QUERY_JITTER: Final = 15.0
OFFLINE_AFTER: Final = 165.0
TICK: Final = 5.0
MAX_QUESTIONS_PER_TICK: Final = 10


class QueryScheduler:
    """Decides which boards to ask at each tick; knows nothing of mDNS."""

    def __init__(self, rng: random.Random | None = None) -> None:
        """Start with no boards; ``rng`` makes the jitter reproducible in tests."""
        self._rng = rng or random.Random()
        self._due: dict[str, float] = {}

    def _next(self, after: float) -> float:
        return after + QUERY_AFTER + self._rng.uniform(0.0, QUERY_JITTER)

    def add(self, hostname: str, now: float) -> None:
        """Follow a board from ``now`` on."""
        self._due[hostname] = self._next(now)

    def remove(self, hostname: str) -> None:
        """Stop following a board."""
        self._due.pop(hostname, None)

    def due(
        self,
        now: float,
        last_heard: Mapping[str, float | None],
        busy: Collection[str] = (),
    ) -> list[str]:
        """Return the boards to ask now, and schedule each one's next turn.

        ``last_heard`` maps a board to when it was last heard from (None: never
        over mDNS); ``busy`` boards are being flashed.
        """
        asked: list[str] = []
        waiting = sorted(
            (at, hostname) for hostname, at in self._due.items() if at <= now
        )
        for _, hostname in waiting:
            if len(asked) >= MAX_QUESTIONS_PER_TICK:
                break
            heard = last_heard.get(hostname)
            if heard is None or hostname in busy:
                self._due[hostname] = self._next(now)
            elif now - heard < QUERY_AFTER:
                self._due[hostname] = self._next(heard)
            else:
                asked.append(hostname)
                self._due[hostname] = self._next(now)
        return asked


def is_silent(now: float, last_heard: float | None) -> bool:
    """Tell whether a board heard over mDNS has been silent too long."""
    return last_heard is not None and now - last_heard > OFFLINE_AFTER
