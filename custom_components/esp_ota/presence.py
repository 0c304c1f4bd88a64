"""Board presence from one shared mDNS browser per Home Assistant instance.

One ``AsyncServiceBrowser`` for ``_arduino._tcp.local.`` runs on Home
Assistant's shared zeroconf instance while at least one board entry is loaded.
It resolves added and updated services (address, port, TXT) and hands them to
the matching ``EspOtaBoard``; a removed service makes its board unavailable.
Every TICK seconds it asks quiet boards for their address record and marks a
board that stopped answering unavailable (rules in ``liveness.py``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.components import zeroconf as ha_zeroconf
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from zeroconf import (
    IPVersion,
    RecordUpdate,
    RecordUpdateListener,
    ServiceStateChange,
    Zeroconf,
)

# python-zeroconf re-exports these two from its package but not in __all__.
from zeroconf._dns import DNSQuestion
from zeroconf._protocol.outgoing import DNSOutgoing
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf
from zeroconf.const import _CLASS_IN, _FLAGS_QR_QUERY, _TYPE_A

from .announcement import (
    BoardAnnouncement,
    announcement_from_service_info,
    normalize_hostname,
)
from .board import EspOtaBoard
from .const import ARDUINO_SERVICE_TYPE, DOMAIN
from .liveness import TICK, QueryScheduler, is_silent

_LOGGER = logging.getLogger(__name__)

DATA_PRESENCE: HassKey[EspOtaPresence] = HassKey(f"{DOMAIN}_presence")

RESOLVE_TIMEOUT_MS: Final = 3000
"""How long to ask for a changed service's records, in milliseconds (the unit
python-zeroconf uses). Home Assistant's own zeroconf discovery waits 3 s too; a
board on weak Wi-Fi answers an mDNS query well within that."""


def service_info_from_zeroconf(info: AsyncServiceInfo) -> ZeroconfServiceInfo | None:
    """Convert resolved records the way Home Assistant's discovery does.

    TXT keys and values are decoded lossily (U+FFFD for bad bytes), which the
    announcement parser then treats as garbage. None without an address.
    """
    addresses = info.ip_addresses_by_version(IPVersion.All)
    if not addresses or info.port is None:
        return None
    properties = {
        key.decode("utf-8", "replace"): (
            value.decode("utf-8", "replace") if value is not None else None
        )
        for key, value in info.properties.items()
    }
    return ZeroconfServiceInfo(
        ip_address=addresses[0],
        ip_addresses=list(addresses),
        port=info.port,
        hostname=info.server or "",
        type=info.type,
        name=info.name,
        properties=properties,
    )


class _HeardFromListener(RecordUpdateListener):
    """Tells a board whenever any of its mDNS records arrives.

    The browser reports only records that changed; a board that reboots with
    the same records announces itself again without any change, and that
    announcement is exactly what an install waits for.
    """

    def __init__(self, presence: EspOtaPresence) -> None:
        self._presence = presence

    def async_update_records(
        self, zc: Zeroconf, now: float, records: list[RecordUpdate]
    ) -> None:
        """Pass fresh records of configured boards on (in the event loop)."""
        heard: set[str] = set()
        for update in records:
            record = update.new
            if record.is_expired(now):
                continue
            if hostname := self._presence.hostname_for_record(record.name):
                heard.add(hostname)
        for hostname in heard:
            self._presence.async_heard_from(hostname)


class EspOtaPresence:
    """Follows every ArduinoOTA board on the network; updates configured ones."""

    def __init__(self, hass: HomeAssistant, aiozc: AsyncZeroconf) -> None:
        """Keep the shared zeroconf instance; the browser starts in async_start."""
        self._hass = hass
        self._aiozc = aiozc
        self._boards: dict[str, EspOtaBoard] = {}
        # Service instance name -> host name, learnt from resolved records, so a
        # removal (which carries only the instance name) finds its board.
        self._names: dict[str, str] = {}
        # Last announcement of every board currently on the network, so that a
        # board whose entry is (re)loaded while the browser runs starts current.
        self._seen: dict[str, BoardAnnouncement] = {}
        self._browser: AsyncServiceBrowser | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener = _HeardFromListener(self)
        self._scheduler = QueryScheduler()
        self._unsub_tick: CALLBACK_TYPE | None = None

    @property
    def boards(self) -> dict[str, EspOtaBoard]:
        """Registered boards by host name (read-only use)."""
        return self._boards

    @callback
    def async_start(self) -> None:
        """Start browsing for ``_arduino._tcp.local.``."""
        self._browser = AsyncServiceBrowser(
            self._aiozc.zeroconf,
            [ARDUINO_SERVICE_TYPE],
            handlers=[self._async_on_service_state_change],
        )
        self._aiozc.zeroconf.async_add_listener(self._listener, None)
        # Home Assistant stops without unloading entries: the timer goes too.
        self._unsub_tick = async_track_time_interval(
            self._hass,
            self._async_tick,
            timedelta(seconds=TICK),
            cancel_on_shutdown=True,
        )

    async def async_stop(self) -> None:
        """Stop the browser, the re-queries and any resolution still running."""
        if self._unsub_tick is not None:
            self._unsub_tick()
            self._unsub_tick = None
        self._aiozc.zeroconf.async_remove_listener(self._listener)
        for task in list(self._tasks):
            task.cancel()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None

    def hostname_for_record(self, record_name: str) -> str | None:
        """Return the configured board a record belongs to, if any.

        ArduinoOTA names its service instance after the host, so both the
        address record (``host.local.``) and the service records
        (``host._arduino._tcp.local.``) start with the host name.
        """
        name = record_name.lower()
        hostname = self._names.get(name) or name.split(".", 1)[0]
        return hostname if hostname in self._boards else None

    @callback
    def async_heard_from(self, hostname: str) -> None:
        """Mark the board up: one of its records just arrived."""
        if board := self._boards.get(hostname):
            board.async_mark_alive()

    @callback
    def async_register(self, board: EspOtaBoard) -> None:
        """Follow this board from now on, starting from its last announcement."""
        self._boards[board.hostname] = board
        self._scheduler.add(board.hostname, dt_util.utcnow().timestamp())
        if announcement := self._seen.get(board.hostname):
            board.async_handle_announcement(announcement)

    @callback
    def async_unregister(self, board: EspOtaBoard) -> bool:
        """Stop following this board; return True if no board is left."""
        if self._boards.get(board.hostname) is board:
            del self._boards[board.hostname]
            self._scheduler.remove(board.hostname)
        return not self._boards

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Mark boards that stopped answering offline; ask the quiet ones."""
        now = dt_util.utcnow().timestamp()
        heard = {
            hostname: board.last_seen.timestamp() if board.last_seen else None
            for hostname, board in self._boards.items()
        }
        busy = {
            hostname
            for hostname, board in self._boards.items()
            if board.install_lock.locked()
        }
        for hostname, board in self._boards.items():
            if (
                board.available
                and hostname not in busy
                and is_silent(now, heard[hostname])
            ):
                board.async_handle_silence()
        if asked := self._scheduler.due(now, heard, busy):
            self._async_ask(asked)

    @callback
    def _async_ask(self, hostnames: list[str]) -> None:
        """Ask for the boards' address records, all in one mDNS query."""
        query = DNSOutgoing(_FLAGS_QR_QUERY)
        for hostname in hostnames:
            query.add_question(DNSQuestion(f"{hostname}.local.", _TYPE_A, _CLASS_IN))
        _LOGGER.debug("Asking %s whether they are still there", ", ".join(hostnames))
        self._aiozc.zeroconf.async_send(query)

    @callback
    def async_handle_service_info(self, info: ZeroconfServiceInfo) -> None:
        """Feed a resolved announcement to its board, if that board is configured."""
        announcement = announcement_from_service_info(info)
        if announcement is None:
            _LOGGER.debug("Ignoring unusable mDNS announcement %s", info.name)
            return
        self._names[info.name.lower()] = announcement.hostname
        self._seen[announcement.hostname] = announcement
        if board := self._boards.get(announcement.hostname):
            board.async_handle_announcement(announcement)

    @callback
    def _async_on_service_state_change(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        """Handle the browser's add/update/remove events (in the event loop)."""
        if state_change is ServiceStateChange.Removed:
            hostname = self._names.get(name.lower()) or normalize_hostname(
                name.split(".", 1)[0]
            )
            if not hostname:
                return
            self._seen.pop(hostname, None)
            if board := self._boards.get(hostname):
                board.async_handle_goodbye()
            return
        task = self._hass.async_create_background_task(
            self._async_resolve(zeroconf, service_type, name),
            f"{DOMAIN} resolve {name}",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_resolve(self, zc: Zeroconf, service_type: str, name: str) -> None:
        """Read the service's records (cache first, then ask) and apply them."""
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(zc, RESOLVE_TIMEOUT_MS):
            _LOGGER.debug("No answer resolving %s", name)
            return
        if (service_info := service_info_from_zeroconf(info)) is None:
            _LOGGER.debug("No usable address for %s", name)
            return
        self.async_handle_service_info(service_info)


async def async_get_presence(hass: HomeAssistant) -> EspOtaPresence:
    """Return the shared presence tracker, starting it on first use."""
    if (presence := hass.data.get(DATA_PRESENCE)) is not None:
        return presence
    aiozc = await ha_zeroconf.async_get_async_instance(hass)
    if (presence := hass.data.get(DATA_PRESENCE)) is None:
        presence = EspOtaPresence(hass, aiozc)
        hass.data[DATA_PRESENCE] = presence
        presence.async_start()
    return presence


async def async_release_presence(hass: HomeAssistant, board: EspOtaBoard) -> None:
    """Stop following a board; stop the shared browser after the last one."""
    if (presence := hass.data.get(DATA_PRESENCE)) is None:
        return
    if presence.async_unregister(board):
        hass.data.pop(DATA_PRESENCE)
        await presence.async_stop()
