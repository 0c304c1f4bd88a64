"""Settings that hold for the whole installation, not one board.

Boards are config entries of their own, so settings shared by all of them (how
many boards may be flashed at once, the TCP port boards connect back to, how
often a broken transfer is retried) live here, in HA storage, and are edited
from any board's options.

Every field has a rule and a default (``FIELDS``): a saved value that breaks
its rule (a limit of 0 or "many") falls back to the default with a warning and
a repair, and an unreadable or newer file never stops set-up
(``storage_checks``). While the file could not be read no new pull token is
saved over it, so restoring the file brings the boards' URL back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import secrets
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .espota import MAX_RETRIES
from .storage_checks import CheckedStore, async_load_store

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY: Final = "esp_ota.settings"
STORAGE_VERSION: Final = 1
DATA_SETTINGS: HassKey[Settings] = HassKey(f"{DOMAIN}_settings")

# Four uploads at once keep a typical 2.4 GHz network responsive.
DEFAULT_PARALLEL_UPLOADS: Final = 4
MAX_PARALLEL_UPLOADS: Final = 32


# 0: any free port, as espota.py does. A fixed port is for Home Assistant in a
# Docker bridge network or behind a firewall, where it must be opened.
DEFAULT_CONNECT_BACK_PORT: Final = 0
# One retry rides out a Wi-Fi hiccup without hiding a board that keeps failing.
DEFAULT_UPLOAD_RETRIES: Final = 1

# A board asleep or off for a night is back within a day (arming.py).
DEFAULT_ARM_HOURS: Final = 24
MAX_ARM_HOURS: Final = 168

# 256 bits: the pull URL is the only secret an ESP board can send.
PULL_TOKEN_BYTES: Final = 32


@dataclass(frozen=True)
class Field:
    """One saved setting: its default and the rule a saved value must follow."""

    default: Any
    valid: Callable[[Any], bool]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


FIELDS: Final[dict[str, Field]] = {
    "parallel_uploads": Field(
        DEFAULT_PARALLEL_UPLOADS,
        lambda v: _is_int(v) and 1 <= v <= MAX_PARALLEL_UPLOADS,
    ),
    "pull_enabled": Field(False, lambda v: isinstance(v, bool)),
    "pull_token": Field("", lambda v: isinstance(v, str)),
    "connect_back_port": Field(
        DEFAULT_CONNECT_BACK_PORT, lambda v: _is_int(v) and 0 <= v <= 65535
    ),
    "upload_retries": Field(
        DEFAULT_UPLOAD_RETRIES, lambda v: _is_int(v) and 0 <= v <= MAX_RETRIES
    ),
    "arm_hours": Field(
        DEFAULT_ARM_HOURS, lambda v: _is_int(v) and 0 <= v <= MAX_ARM_HOURS
    ),
}


def clean_settings(data: Any) -> tuple[dict[str, Any], int]:
    """Return every field (saved if valid, else its default) and the bad count."""
    cleaned: dict[str, Any] = {}
    bad = 0
    for name, field in FIELDS.items():
        value = data.get(name, field.default)
        if not field.valid(value):
            _LOGGER.warning("Saved setting %s is not valid; using its default", name)
            value, bad = field.default, bad + 1
        cleaned[name] = value
    return cleaned, bad


class FleetLimiter:
    """Let at most `limit` uploads run at once; the others wait their turn."""

    def __init__(self, limit: int) -> None:
        """Start with a limit."""
        self.limit = limit
        self.running = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        """Wait for a free slot."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.running < self.limit)
            self.running += 1

    async def __aexit__(self, *exc_info: object) -> None:
        """Free the slot."""
        async with self._changed:
            self.running -= 1
            self._changed.notify_all()

    async def async_set_limit(self, limit: int) -> None:
        """Change the limit; waiting uploads start if it grew."""
        async with self._changed:
            self.limit = limit
            self._changed.notify_all()


class Settings:
    """Installation-wide settings of esp_ota."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create with defaults; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self.fleet = FleetLimiter(DEFAULT_PARALLEL_UPLOADS)
        self.pull_enabled = False
        self.pull_token = ""
        self.connect_back_port = DEFAULT_CONNECT_BACK_PORT
        self.upload_retries = DEFAULT_UPLOAD_RETRIES
        self.arm_hours = DEFAULT_ARM_HOURS

    async def async_load(self) -> None:
        """Load the saved settings; create the pull token the first time."""
        data, complete = await async_load_store(self._hass, self._store, clean_settings)
        if data is not None:
            await self.fleet.async_set_limit(data["parallel_uploads"])
            self.pull_enabled = data["pull_enabled"]
            self.pull_token = data["pull_token"]
            self.connect_back_port = data["connect_back_port"]
            self.upload_retries = data["upload_retries"]
            self.arm_hours = data["arm_hours"]
        if not self.pull_token:
            # A token made while the file is unreadable stays in memory only.
            self.pull_token = secrets.token_urlsafe(PULL_TOKEN_BYTES)
        if data is None and not complete:
            return
        if data is None or not data["pull_token"]:
            await self._async_save()

    @property
    def parallel_uploads(self) -> int:
        """How many boards may be flashed at once."""
        return self.fleet.limit

    async def async_set_parallel_uploads(self, limit: int) -> None:
        """Change and save how many boards may be flashed at once."""
        await self.fleet.async_set_limit(limit)
        await self._async_save()

    async def async_set_uploads(
        self, *, connect_back_port: int, retries: int, arm_hours: int | None = None
    ) -> None:
        """Change and save the connect-back port (0: any), retries, arming hours."""
        self.connect_back_port = connect_back_port
        self.upload_retries = retries
        if arm_hours is not None:
            self.arm_hours = arm_hours
        await self._async_save()

    async def async_set_pull(self, *, enabled: bool, rotate_token: bool) -> None:
        """Turn the pull server on or off; a rotated token voids the old URL."""
        self.pull_enabled = enabled
        if rotate_token:
            self.pull_token = secrets.token_urlsafe(PULL_TOKEN_BYTES)
        await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "parallel_uploads": self.fleet.limit,
                "pull_enabled": self.pull_enabled,
                "pull_token": self.pull_token,
                "connect_back_port": self.connect_back_port,
                "upload_retries": self.upload_retries,
                "arm_hours": self.arm_hours,
            }
        )
