"""A board's firmware source as kept in its options (pure Python, no Home Assistant).

The source lives in the config entry's options under ``firmware_source``:
``{url, interval, username?, password?, token?}`` with the interval in minutes.
An interval out of bounds (options written by hand or by another version) is
read as the nearest bound, an unreadable one as the default.
Credentials are either a bearer token or a user name and password (HTTP basic).
They are secrets: ``redact`` takes them (and a URL's user info and query) out
of any text meant for logs or diagnostics, and ``safe_url`` is the form of a
URL that may be shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

OPTION_KEY: Final = "firmware_source"
# ESPHome's http_request update platform checks every 6 hours by default
# (docs components/update/http_request: update_interval); a quarter of an hour
# is the least that is polite to a server someone else pays for.
DEFAULT_INTERVAL_MINUTES: Final = 360
MIN_INTERVAL_MINUTES: Final = 15
MAX_INTERVAL_MINUTES: Final = 7 * 24 * 60
REDACTED: Final = "**REDACTED**"


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceConfig:
    """Where a board's firmware comes from and how to ask for it."""

    url: str
    interval: int = DEFAULT_INTERVAL_MINUTES
    username: str | None = None
    password: str | None = None
    token: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> SourceConfig | None:
        """Return the source kept in an entry's options, None when it has none."""
        data = options.get(OPTION_KEY)
        if not isinstance(data, Mapping) or not data.get("url"):
            return None
        return cls(
            url=data["url"],
            interval=_interval(data.get("interval")),
            username=data.get("username") or None,
            password=data.get("password") or None,
            token=data.get("token") or None,
        )

    def as_options(self) -> dict[str, Any]:
        """Return the form kept in the entry's options (no empty credentials)."""
        data: dict[str, Any] = {"url": self.url, "interval": self.interval}
        for key in ("username", "password", "token"):
            if value := getattr(self, key):
                data[key] = value
        return data

    @property
    def credentials(self) -> str | None:
        """Which kind of credentials the source has: ``bearer``, ``basic`` or None."""
        if self.token:
            return "bearer"
        if self.username or self.password:
            return "basic"
        return None

    @property
    def safe_url(self) -> str:
        """The URL as it may be shown: without user info, query or fragment."""
        return safe_url(self.url)

    def redact(self, text: str) -> str:
        """Return ``text`` with this source's secrets and raw URL replaced."""
        text = text.replace(self.url, self.safe_url)
        for secret in (self.password, self.token, self.username):
            if secret:
                text = text.replace(secret, REDACTED)
        return text


def _interval(value: Any) -> int:
    """Return a stored interval within its bounds; the default if it is unreadable.

    The action and the form refuse an interval out of bounds, but the options
    may have been written by hand or by another version: a source is never
    polled more often than every MIN_INTERVAL_MINUTES, and a bad value never
    stops the board's set-up.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return DEFAULT_INTERVAL_MINUTES
    try:
        minutes = int(value)
    except (ValueError, OverflowError):
        return DEFAULT_INTERVAL_MINUTES
    return min(max(minutes, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES)


def safe_url(url: str) -> str:
    """Return ``url`` without user info, query or fragment (they may hold secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
