"""What a board says about itself over mDNS, read defensively.

Anyone on the network can announce ``_arduino._tcp.local.`` with any TXT record,
so nothing here trusts its input: keys and values are length-capped, control
characters are stripped, text that was not valid UTF-8 is dropped, and an
announcement without a usable host name, address or port is refused (``None``)
rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address
import re
from types import MappingProxyType
from typing import Any, Final
import unicodedata

from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

MAX_TXT_KEY_LEN: Final = 32
"""Longer keys are dropped: ArduinoOTA's own keys are short, nobody needs more."""
MAX_TXT_VALUE_LEN: Final = 64
"""Longer values are cut: enough for a board id or a version string."""
MAX_TXT_ENTRIES: Final = 32
"""A flood of keys is cut to the first ones: the record is for display only."""

VERSION_KEYS: Final = ("version", "fw_version", "sw_version")
"""TXT keys a sketch may use to publish its firmware version, first one wins."""

_LOCAL_SUFFIX: Final = ".local"
# A DNS name made of letters, digits, hyphens and underscores (RFC 1123 plus the
# underscores some sketches use), dot-separated, at most 253 characters.
_HOSTNAME_RE: Final = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$"
)


def _clean_text(text: str) -> str:
    """Remove control and other invisible characters from text."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()


def sanitize_txt(properties: Mapping[Any, object]) -> dict[str, str]:
    """Return the TXT properties that are safe to store, show and log."""
    txt: dict[str, str] = {}
    for raw_key, raw_value in properties.items():
        if len(txt) >= MAX_TXT_ENTRIES:
            break
        key = _decode(raw_key)
        value = _decode(raw_value)
        if key is None or value is None:
            continue
        key = _clean_text(key).lower()
        if not key or len(key) > MAX_TXT_KEY_LEN:
            continue
        txt[key] = _clean_text(value)[:MAX_TXT_VALUE_LEN]
    return txt


def _decode(raw: object) -> str | None:
    """Return text, or None for absent values and bytes that are not UTF-8."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str) or "\ufffd" in raw:
        # U+FFFD is what a lossy decode left in place of bytes that were not UTF-8.
        return None
    return raw


def normalize_hostname(name: str) -> str | None:
    """Return a lowercase host name without ``.local``, or None if it is not one."""
    hostname = name.strip().lower().rstrip(".")
    hostname = hostname.removesuffix(_LOCAL_SUFFIX)
    if not _HOSTNAME_RE.match(hostname):
        return None
    return hostname


def valid_port(port: object) -> int | None:
    """Return the port if it is a usable TCP/UDP port number, else None."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return None
    return port


def parse_auth(txt: Mapping[str, str]) -> bool | None:
    """Return whether the board wants a password (``auth_upload``), None if unsaid."""
    value = txt.get("auth_upload")
    if value == "yes":
        return True
    if value == "no":
        return False
    return None


def parse_version(txt: Mapping[str, str]) -> str | None:
    """Return the firmware version the sketch published, if any."""
    for key in VERSION_KEYS:
        if value := txt.get(key):
            return value
    return None


def _pick_address(info: ZeroconfServiceInfo) -> IPv4Address | IPv6Address | None:
    """Prefer a routable IPv4 address: ArduinoOTA boards speak IPv4."""
    candidates = [info.ip_address, *info.ip_addresses]
    usable = [
        addr
        for addr in candidates
        if isinstance(addr, IPv4Address | IPv6Address)
        and not addr.is_link_local
        and not addr.is_unspecified
        and not addr.is_multicast
    ]
    for addr in usable:
        if addr.version == 4:
            return addr
    return usable[0] if usable else None


@dataclass(frozen=True, slots=True)
class BoardAnnouncement:
    """One sanitised mDNS announcement of an ArduinoOTA board."""

    hostname: str
    host: str
    port: int
    txt: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def board_id(self) -> str | None:
        """Board id from the ``board`` key (e.g. ``ESP8266_NODEMCU``), if any."""
        return self.txt.get("board") or None

    @property
    def auth_required(self) -> bool | None:
        """Whether uploads need a password; None when the record does not say."""
        return parse_auth(self.txt)

    @property
    def version(self) -> str | None:
        """Firmware version from the TXT record, if the sketch publishes one."""
        return parse_version(self.txt)


def announcement_from_service_info(
    info: ZeroconfServiceInfo,
) -> BoardAnnouncement | None:
    """Read a zeroconf service info; None when it cannot describe a board."""
    hostname = normalize_hostname(info.hostname or "")
    if hostname is None:
        # Fall back on the instance name: ArduinoOTA uses the host name for it.
        instance = (info.name or "").split(".", 1)[0]
        hostname = normalize_hostname(instance)
    port = valid_port(info.port)
    address = _pick_address(info)
    if hostname is None or port is None or address is None:
        return None
    properties = info.properties if isinstance(info.properties, Mapping) else {}
    txt = MappingProxyType(sanitize_txt(properties))
    return BoardAnnouncement(hostname=hostname, host=str(address), port=port, txt=txt)


def is_ip_address(host: str) -> bool:
    """Return True if host is an IP address literal."""
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def is_ipv6_address(host: str) -> bool:
    """Return True if host is an IPv6 address literal (with or without a zone)."""
    try:
        return ip_address(host.split("%", 1)[0]).version == 6
    except ValueError:
        return False
