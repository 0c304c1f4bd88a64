"""The ESPhttpUpdate / HTTPUpdate check-in: headers in, a validated CheckIn out.

Pure Python, no Home Assistant: the pull view (``pull/server.py``) feeds it the
request headers and acts on what it returns.

What the cores send (both through their HTTPClient: ``GET <path> HTTP/1.0``,
``Host``, ``User-Agent``, ``Connection: close``, then the headers below in this
order; see ``docs/pull.md`` for the exact source lines):

- ESP8266 (esp8266/Arduino ``libraries/ESP8266httpUpdate/src/
  ESP8266httpUpdate.cpp``, ``handleUpdate``): ``User-Agent:
  ESP8266-http-Update``, ``x-ESP8266-Chip-ID``, ``-STA-MAC``, ``-AP-MAC``,
  ``-free-space``, ``-sketch-size``, ``-sketch-md5``, ``-chip-size``,
  ``-sdk-version``, ``-mode`` (``sketch`` or ``spiffs``; ``version`` from
  ``getAvailableVersion``, PR #8968) and ``-version`` only when the sketch
  passed one.
- ESP32 (espressif/arduino-esp32 ``libraries/HTTPUpdate/src/HTTPUpdate.cpp``):
  ``User-Agent: ESP32-http-Update``, ``Cache-Control: no-cache``; core 3.x
  sends ``x-ESP32-BASE-MAC`` and the ``-STA-MAC`` / ``-AP-MAC`` only on chips
  with Wi-Fi (``SOC_WIFI_SUPPORTED``: an ESP32-P4 on Ethernet or an H2 sends
  no STA MAC); ``-free-space``, ``-sketch-size``, ``-sketch-md5`` (when the
  core can compute it), ``-sketch-sha256`` (the running partition's
  ``esp_partition_get_sha256``), ``-chip-size``, ``-sdk-version``, ``-mode``,
  ``-version``.

The board's identity is its STA MAC, else its base MAC; an all-zero,
broadcast or multicast one is no board's (400). Header names are case-insensitive.

The secret may come in ``Authorization`` instead of the path (``header_token``):
Basic with the token as password (any user name), or Bearer.
"""

from __future__ import annotations

import base64
import binascii
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
_SHA256: Final = re.compile(r"^[0-9a-fA-F]{64}$")
_PRINTABLE: Final = re.compile(r"^[\x20-\x7e]*$")


class Core(StrEnum):
    """Which core's updater checked in."""

    ESP8266 = "esp8266"
    ESP32 = "esp32"


class Mode(StrEnum):
    """What the board asks for: its sketch or its filesystem."""

    SKETCH = "sketch"
    SPIFFS = "spiffs"
    VERSION = "version"
    """``getAvailableVersion()``: only the ``x-version`` answer header, no body."""


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
    """The board's identity: its STA MAC, else its base MAC (lowercase, colons)."""
    ap_mac: str | None
    free_space: int
    sketch_size: int
    chip_size: int
    sdk_version: str
    mode: Mode
    sketch_md5: str | None
    """Lowercase hex, None when the core does not send it."""
    version: str | None
    base_mac: str | None = None
    sketch_sha256: str | None = None
    """Lowercase hex of the running partition (ESP32), None when not sent."""


def normalize_mac(value: str) -> str | None:
    """Return ``aa:bb:cc:dd:ee:ff`` for any common MAC spelling, else None."""
    value = value.strip()
    if not _MAC.match(value):
        return None
    digits = value.replace(":", "").replace("-", "").lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def is_board_mac(mac: str) -> bool:
    """Tell whether a normalised MAC can be a board's: unicast and not all zero.

    The lowest bit of the first octet marks a multicast (and the broadcast)
    address; an all-zero MAC is what a board without a read MAC sends.
    """
    first = int(mac[:2], 16)
    return not first & 1 and mac != "00:00:00:00:00:00"


def _mac(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    mac = normalize_mac(value)
    if mac is None or not is_board_mac(mac):
        message = f"{name} is not a board's MAC address"
        raise MalformedCheckInError(message)
    return mac


def _ap_mac(value: str | None) -> str | None:
    """Return the AP MAC; it only informs (a board whose AP never ran sends zeros)."""
    if value is None:
        return None
    mac = normalize_mac(value)
    if mac is None:
        message = "AP MAC is not a MAC address"
        raise MalformedCheckInError(message)
    return mac if is_board_mac(mac) else None


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

    # Core 3.x on a chip without Wi-Fi sends a base MAC and no STA MAC.
    base_mac = _mac("base MAC", get("base-mac", required=False))
    sta_mac = _mac("STA MAC", get("sta-mac", required=base_mac is None))
    free_space = get("free-space", required=True) or ""
    sketch_size = get("sketch-size", required=True) or ""
    chip_size = get("chip-size", required=True) or ""
    sdk_version = get("sdk-version", required=True) or ""
    mode = (get("mode", required=True) or "").lower()
    ap = _ap_mac(get("ap-mac", required=False))
    md5 = get("sketch-md5", required=False)
    sha256 = get("sketch-sha256", required=False)
    version = get("version", required=False)

    if mode not in (Mode.SKETCH, Mode.SPIFFS, Mode.VERSION):
        message = "mode is not sketch, spiffs or version"
        raise MalformedCheckInError(message)
    if md5 and not _MD5.match(md5):
        message = "sketch MD5 is not 32 hex digits"
        raise MalformedCheckInError(message)
    if sha256 and not _SHA256.match(sha256):
        message = "sketch SHA-256 is not 64 hex digits"
        raise MalformedCheckInError(message)
    return CheckIn(
        core=core,
        sta_mac=sta_mac or base_mac or "",
        ap_mac=ap,
        free_space=_size("free space", free_space),
        sketch_size=_size("sketch size", sketch_size),
        chip_size=_size("chip size", chip_size),
        sdk_version=sdk_version,
        mode=Mode(mode),
        sketch_md5=md5.lower() if md5 else None,
        version=version or None,
        base_mac=base_mac,
        sketch_sha256=sha256.lower() if sha256 else None,
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


def header_token(authorization: str) -> str | None:
    """Return the token an ``Authorization`` header carries, or None.

    Basic: the password (the user name is not checked); Bearer: the value.
    """
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None
