"""A pull board's last check-in, as kept in ``.storage/esp_ota.pull``.

Availability rule: a board is online while its last check-in is at most
``AVAILABILITY_FACTOR`` times its usual interval old (the gap between its last
two check-ins, clamped to ``MIN_INTERVAL``..``MAX_INTERVAL``; ``FIRST_INTERVAL``
after the first check-in).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .protocol import CheckIn, Core, Mode

AVAILABILITY_FACTOR: Final = 3
MIN_INTERVAL: Final = timedelta(minutes=1)
MAX_INTERVAL: Final = timedelta(days=1)
FIRST_INTERVAL: Final = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class CheckInRecord:
    """A board's last check-in, when it came and the gap before it."""

    check_in: CheckIn
    at: datetime
    interval: timedelta | None

    @property
    def deadline(self) -> datetime:
        """When the board counts as overdue without another check-in."""
        usual = self.interval or FIRST_INTERVAL
        usual = min(max(usual, MIN_INTERVAL), MAX_INTERVAL)
        return self.at + usual * AVAILABILITY_FACTOR

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form kept in storage."""
        return {
            "check_in": asdict(self.check_in),
            "at": self.at.isoformat(),
            "interval": self.interval.total_seconds() if self.interval else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckInRecord:
        """Build from the JSON form kept in storage."""
        raw = dict(data["check_in"])
        raw["core"] = Core(raw["core"])
        raw["mode"] = Mode(raw["mode"])
        at = dt_util.parse_datetime(data["at"]) or dt_util.utcnow()
        seconds = data.get("interval")
        return cls(
            check_in=CheckIn(**raw),
            at=at,
            interval=timedelta(seconds=seconds) if seconds else None,
        )
