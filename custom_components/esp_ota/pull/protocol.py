"""The ESPhttpUpdate / HTTPUpdate check-in: headers in, a validated CheckIn out.

Pure Python, no Home Assistant: the pull view (``pull_server.py``) feeds it the
request headers and acts on what it returns.

What the cores send (ESP8266 ``ESP8266httpUpdate.cpp``, ESP32
``HTTPUpdate.cpp``, both ``handleUpdate``): ``User-Agent: ESP8266-http-Update``
or ``ESP32-http-Update`` and ``x-<CORE>-STA-MAC``, ``-AP-MAC``,
``-free-space``, ``-sketch-size``, ``-chip-size``, ``-sdk-version``, ``-mode``
(``sketch`` or ``spiffs``), optionally ``-version`` (only when the sketch
passed one) and ``-sketch-md5`` (ESP8266 since core 2.5; ESP32 only when the
core can compute it, older ESP32 cores send ``-sketch-sha256`` instead). The
MD5 is therefore optional here: without it the decision falls back to the
version string. Header names are case-insensitive (HTTP).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import re
import time
from typing import Final

USER_AGENTS: Final = {
    "esp8266-http-update": "esp8266",
    "esp32-http-update": "esp32",
}
# A longer value is not something a board sends; refuse it before parsing.
MAX_HEADER_VALUE: Final = 64
# Sizes beyond 1 GiB are not ESP flash sizes (the largest modules have 32 MiB).
MAX_SIZE: Final = 1 << 30
_MAC: Final = re.compile(
    r"^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}$"
)
_MD5: Final = re.compile(r"^[0-9a-fA-F]{32}$")
_PRINTABLE: Final = re.compile(r"^[\x20-\x7e]*$")


class Core(StrEnum):
    """Which core's updater checked in."""

    ESP8266 = "esp8266"
    ESP32 = "esp32"


class Mode(StrEnum):
    """What the board asks for: its sketch or its filesystem."""

    SKETCH = "sketch"
    SPIFFS = "spiffs"


class PullProtocolError(Exception):
    """A check-in that cannot be answered with an image or a 304."""


class NotAnUpdaterError(PullProtocolError):
    """No updater User-Agent or a required header missing: answer 403."""


class MalformedCheckInError(PullProtocolError):
    """A header is present but its value is not what a board sends: answer 400."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckIn:
    """What a board told us about itself when it asked for an update."""

    core: Core
    sta_mac: str
    """Normalised: lowercase, colon separated."""
    ap_mac: str | None
    free_space: int
    sketch_size: int
    chip_size: int
    sdk_version: str
    mode: Mode
    sketch_md5: str | None
    """Lowercase hex, None when the core does not send it."""
    version: str | None


def normalize_mac(value: str) -> str | None:
    """Return ``aa:bb:cc:dd:ee:ff`` for any common MAC spelling, else None."""
    value = value.strip()
    if not _MAC.match(value):
        return None
    digits = value.replace(":", "").replace("-", "").lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _size(name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) > MAX_SIZE:
        message = f"{name} is not a size in bytes"
        raise MalformedCheckInError(message)
    return int(value)


def parse_check_in(headers: Mapping[str, str]) -> CheckIn:
    """Validate an updater's request headers (any letter case) into a CheckIn."""
    lowered = {name.lower(): value for name, value in headers.items()}
    core_name = USER_AGENTS.get(lowered.get("user-agent", "").strip().lower())
    if core_name is None:
        message = "not an ESP updater"
        raise NotAnUpdaterError(message)
    core = Core(core_name)
    prefix = f"x-{core.value}-"

    def get(name: str, *, required: bool) -> str | None:
        value = lowered.get(prefix + name)
        if value is None:
            if required:
                message = f"header {prefix}{name} missing"
                raise NotAnUpdaterError(message)
            return None
        if len(value) > MAX_HEADER_VALUE or not _PRINTABLE.match(value):
            message = f"header {prefix}{name} is too long or not printable"
            raise MalformedCheckInError(message)
        return value.strip()

    sta_mac = get("sta-mac", required=True) or ""
    free_space = get("free-space", required=True) or ""
    sketch_size = get("sketch-size", required=True) or ""
    chip_size = get("chip-size", required=True) or ""
    sdk_version = get("sdk-version", required=True) or ""
    mode = get("mode", required=True) or ""
    ap_mac = get("ap-mac", required=False)
    md5 = get("sketch-md5", required=False)
    version = get("version", required=False)

    mac = normalize_mac(sta_mac)
    if mac is None:
        message = "STA MAC is not a MAC address"
        raise MalformedCheckInError(message)
    ap = normalize_mac(ap_mac) if ap_mac else None
    if ap_mac and ap is None:
        message = "AP MAC is not a MAC address"
        raise MalformedCheckInError(message)
    if mode.lower() not in (Mode.SKETCH, Mode.SPIFFS):
        message = "mode is neither sketch nor spiffs"
        raise MalformedCheckInError(message)
    if md5 and not _MD5.match(md5):
        message = "sketch MD5 is not 32 hex digits"
        raise MalformedCheckInError(message)
    return CheckIn(
        core=core,
        sta_mac=mac,
        ap_mac=ap,
        free_space=_size("free space", free_space),
        sketch_size=_size("sketch size", sketch_size),
        chip_size=_size("chip size", chip_size),
        sdk_version=sdk_version,
        mode=Mode(mode.lower()),
        sketch_md5=md5.lower() if md5 else None,
        version=version or None,
    )


def runs_image(check_in: CheckIn, *, md5: str, version: str) -> bool:
    """Tell whether the board already runs this image (by MD5, else by version).

    The MD5 decides when the board sends one. The version string counts too,
    so a board whose reported MD5 never equals the file's (a signed ESP8266
    image: the signature is not part of the sketch MD5) is not flashed again
    and again once it reports the image's version.
    """
    if check_in.sketch_md5 is not None and check_in.sketch_md5 == md5.lower():
        return True
    return check_in.version is not None and check_in.version == version


def update_due(check_in: CheckIn, *, md5: str, version: str) -> bool:
    """Tell whether an image should be sent: the board demonstrably runs another.

    Without an MD5 and without a version the board cannot tell us what it
    runs; it then gets nothing, rather than the same image on every check-in.
    """
    if check_in.sketch_md5 is None and check_in.version is None:
        return False
    return not runs_image(check_in, md5=md5, version=version)


class RateLimiter:
    """A token bucket per key: ``burst`` requests at once, then one per ``period``.

    Bounded in memory: at most ``max_keys`` buckets, the stalest dropped first.
    """

    def __init__(
        self,
        *,
        burst: int,
        period: float,
        max_keys: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the bucket; ``clock`` is injectable for tests."""
        self._burst = burst
        self._period = period
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        """Take a token for key; False when the key is over its rate."""
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - last) / self._period)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            del self._buckets[next(iter(self._buckets))]
        return allowed
