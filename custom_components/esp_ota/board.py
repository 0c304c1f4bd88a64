"""Runtime state of one configured board: address, TXT record and presence.

``EspOtaBoard`` is stored as ``entry.runtime_data``. The shared mDNS browser
(``presence.py``) and the zeroconf config-flow rediscovery feed it
announcements; entities and the update entity read it and subscribe to changes.

Presence rule: a board is available while it is announced over mDNS. Before its
first announcement after set-up, an entry created from discovery starts
unavailable (the browser's first query finds a running board within seconds),
while an entry added by hand is assumed available, because many sketches never
announce themselves or live on another subnet. Web updater boards
(``transport: web``) have no ``_arduino._tcp`` announcement at all and are
always assumed available. Either way, once an mDNS record
says the board is gone (goodbye packet or expired record), or a board heard
over mDNS stops answering the re-queries (``liveness.py``), it is unavailable
until it is heard from again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
import logging
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_ZEROCONF, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .announcement import BoardAnnouncement, is_ipv6_address, parse_version
from .const import CONF_BOARD, CONF_HOSTNAME, DOMAIN, is_pull_entry, is_web_entry
from .firmware import ImageKind
from .listeners import Listeners

_LOGGER = logging.getLogger(__name__)

type EspOtaConfigEntry = ConfigEntry[EspOtaBoard]


class EspOtaBoard:
    """What Home Assistant knows about one ArduinoOTA board right now.

    Attributes read by entities: ``host``, ``port``, ``hostname``, ``board_id``,
    ``password``, ``available``, ``txt`` (sanitised TXT record), ``version``
    (from the first of the TXT keys ``version``, ``fw_version``, ``sw_version``)
    and ``last_seen`` (UTC time of the last announcement, None before the first).
    """

    def __init__(self, hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
        """Start from what the config entry stored."""
        self._hass = hass
        self._entry = entry
        self.hostname: str = entry.data[CONF_HOSTNAME]
        # Pull boards (they ask us) have no address of their own.
        self.host: str = entry.data.get(CONF_HOST, "")
        self.port: int = entry.data.get(CONF_PORT, 0)
        self.board_id: str | None = entry.data.get(CONF_BOARD)
        self.available: bool = entry.source != SOURCE_ZEROCONF or is_web_entry(entry)
        self.txt: Mapping[str, str] = MappingProxyType({})
        self.last_seen: datetime | None = None
        self._listeners = Listeners()
        self._waiters: set[asyncio.Future[None]] = set()
        # Set by the "OTA updates allowed" switch, restored after a restart.
        self._updates_allowed = True
        # Held while anything flashes this board.
        self.install_lock = asyncio.Lock()

    @property
    def device_name(self) -> str:
        """Return the device name: a pull board's entry title (it has no host name)."""
        if is_pull_entry(self._entry):
            return self._entry.title
        return self.hostname

    @property
    def password(self) -> str | None:
        """OTA password from the config entry; None when the board has none."""
        password: str | None = self._entry.data.get(CONF_PASSWORD) or None
        return password

    @property
    def updates_allowed(self) -> bool:
        """Whether installs may run now (the "OTA updates allowed" switch)."""
        return self._updates_allowed

    @callback
    def async_set_updates_allowed(self, allowed: bool) -> None:
        """Open or close the board's update window (the switch's state)."""
        self._updates_allowed = allowed

    @property
    def version(self) -> str | None:
        """Firmware version the sketch publishes in its TXT record, if any."""
        return parse_version(self.txt)

    @callback
    def async_add_listener(self, update_callback: Callable[[], None]) -> CALLBACK_TYPE:
        """Call update_callback on any change (presence, address, TXT); return remover."""
        return self._listeners.async_add(update_callback)

    @callback
    def async_expect_announcement(self) -> asyncio.Future[None]:
        """Return a future that the next sign of life from the board resolves.

        An install arms it the moment the board has acknowledged the last
        byte, so the boot announcement cannot slip past, however fast the
        board reboots. Cancel the future to stop waiting.
        """
        waiter: asyncio.Future[None] = self._hass.loop.create_future()
        self._waiters.add(waiter)
        waiter.add_done_callback(self._waiters.discard)
        return waiter

    # The timeout parameter is the agreed API for the update entity.
    async def async_wait_for_announcement(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait for the next announcement received after this call.

        Raises TimeoutError when none arrives within ``timeout`` seconds.
        """
        waiter = self.async_expect_announcement()
        try:
            async with asyncio.timeout(timeout):
                await waiter
        finally:
            waiter.cancel()

    @callback
    def async_handle_announcement(self, announcement: BoardAnnouncement) -> None:
        """Take in an (re-)announcement: available, address and TXT refreshed."""
        if not self.available:
            _LOGGER.info("Board %s is back online", self.hostname)
        self.available = True
        self.last_seen = dt_util.utcnow()
        if not is_ipv6_address(announcement.host) or not _usable_for_espota(self.host):
            # ArduinoOTA (espota) speaks IPv4 only: an announcement that carries
            # only an IPv6 address keeps the address the uploader can use.
            self.host = announcement.host
        self.port = announcement.port
        self.txt = announcement.txt
        if announcement.board_id is not None:
            self.board_id = announcement.board_id
        self._async_store_address()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._async_notify()

    @callback
    def async_mark_alive(self) -> None:
        """Mark the board alive: last seen now, install waits woken, available.

        Called when any mDNS record of the board arrives, changed or not, and
        when a web board answers again: a board that reboots with unchanged
        records is seen only this way.
        """
        self.last_seen = dt_util.utcnow()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        if not self.available:
            _LOGGER.info("Board %s is back online", self.hostname)
            self.available = True
            self._async_notify()

    @callback
    def async_restore_check_in(
        self, *, available: bool, last_seen: datetime | None
    ) -> None:
        """Start a pull board from its last check-in kept across a restart."""
        self.available = available
        if last_seen is not None:
            self.last_seen = last_seen

    @callback
    def async_handle_check_in(self, at: datetime) -> None:
        """Take in a pull board's check-in (instead of mDNS): up, last seen ``at``."""
        self.last_seen = at
        if not self.available:
            _LOGGER.info("Board %s is back online", self.hostname)
            self.available = True
            self._async_notify()

    @callback
    def async_handle_overdue(self) -> None:
        """Take in that a pull board missed its check-ins: unavailable."""
        if not self.available:
            return
        _LOGGER.info("Board %s is overdue", self.hostname)
        self.available = False
        self._async_notify()

    @callback
    def async_handle_goodbye(self) -> None:
        """Take in that the board's mDNS records went away: unavailable."""
        if self.available:
            # Logged once per outage, as the quality scale asks.
            _LOGGER.info("Board %s is unavailable (no longer announced)", self.hostname)
        self.available = False
        self._async_notify()

    @callback
    def async_handle_silence(self) -> None:
        """Take in that the board stopped answering mDNS queries: unavailable."""
        _LOGGER.info("Board %s is unavailable (stopped answering)", self.hostname)
        self.available = False
        self._async_notify()

    @callback
    def async_shutdown(self) -> None:
        """Drop listeners and fail pending waits; the entry is unloading."""
        self._listeners.async_clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()

    @callback
    def _async_store_address(self) -> None:
        """Keep the config entry's host, port and board id in step with mDNS."""
        updates: dict[str, Any] = {CONF_HOST: self.host, CONF_PORT: self.port}
        if self.board_id is not None:
            updates[CONF_BOARD] = self.board_id
        if all(self._entry.data.get(key) == value for key, value in updates.items()):
            return
        _LOGGER.debug(
            "Board %s moved to %s port %s", self.hostname, self.host, self.port
        )
        self._hass.config_entries.async_update_entry(
            self._entry, data={**self._entry.data, **updates}
        )

    @callback
    def _async_notify(self) -> None:
        self._listeners.async_notify()


def _usable_for_espota(host: str | None) -> bool:
    """Tell whether a known host is one the IPv4-only uploader can reach."""
    return bool(host) and not is_ipv6_address(host or "")


def board_key(entry: ConfigEntry) -> str:
    """Return the key a board's firmware and records are kept under.

    The entry id: unlike the host name it survives a board added by address
    being adopted under its mDNS name, and everything kept under it is
    removed with the entry.
    """
    return entry.entry_id


def ledger_key(entry: ConfigEntry, kind: ImageKind) -> str:
    """Return the key of a board's confirmation and install record for a target.

    Flash and filesystem are confirmed and installed independently: a person
    who confirmed a sketch has not confirmed a filesystem image.
    """
    key = board_key(entry)
    return key if kind is ImageKind.APP else f"{key}:{kind.value}"


def loaded_entry(hass: HomeAssistant, entry_id: str) -> ConfigEntry:
    """Return an action's board entry; refuse an unknown or unloaded one."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="board_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="board_not_loaded",
            translation_placeholders={"board": entry.title},
        )
    return entry
