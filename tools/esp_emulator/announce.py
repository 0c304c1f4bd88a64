"""Announce emulated boards over real mDNS, as ``MDNS.enableArduino()`` does.

Only ever run this inside a private network namespace (``unshare -n``): it
binds python-zeroconf to 127.0.0.1, and outside a namespace multicast would
leave the machine.
"""

from __future__ import annotations

import socket

from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from .board import BoardEmulator

SERVICE_TYPE = "_arduino._tcp.local."
HTTP_SERVICE_TYPE = "_http._tcp.local."


def txt_records(board: BoardEmulator) -> dict[str, str]:
    """Return the TXT records ArduinoOTA publishes (plus ``version`` if known)."""
    records = {
        "board": board.config.board,
        "tcp_check": "no",
        "ssh_upload": "no",
        "auth_upload": "yes" if board.config.password else "no",
    }
    if board.version:
        records["version"] = board.version
    return records


def service_info(board: BoardEmulator) -> ServiceInfo:
    """Return the mDNS service of ``board`` (name = hostname, port = OTA port)."""
    hostname = board.config.hostname
    return ServiceInfo(
        SERVICE_TYPE,
        f"{hostname}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(board.config.host)],
        port=board.port,
        properties=txt_records(board),
        server=f"{hostname}.local.",
    )


def http_service_info(hostname: str, host: str, port: int) -> ServiceInfo:
    """Return a web updater sketch's ``_http._tcp`` service at ``host``.

    As esp8266/Arduino's WebUpdater example does (libraries/
    ESP8266HTTPUpdateServer/examples/WebUpdater/WebUpdater.ino:
    ``MDNS.begin(host); ... MDNS.addService("http", "tcp", 80);``): the
    instance name is the sketch's host name, no TXT records.
    """
    return ServiceInfo(
        HTTP_SERVICE_TYPE,
        f"{hostname}.{HTTP_SERVICE_TYPE}",
        addresses=[socket.inet_aton(host)],
        port=port,
        server=f"{hostname}.local.",
    )


class Announcer:
    """Registers boards and re-announces them after every reboot."""

    def __init__(self) -> None:
        """Create an announcer; ``start()`` opens the zeroconf sockets."""
        self.zeroconf: AsyncZeroconf | None = None
        self._infos: dict[str, ServiceInfo] = {}

    async def start(self) -> None:
        """Open zeroconf on loopback only."""
        self.zeroconf = AsyncZeroconf(
            interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only
        )

    async def add(self, board: BoardEmulator) -> None:
        """Announce ``board`` and hook its reboot to a TXT update."""
        if self.zeroconf is None:
            msg = "announcer not started"
            raise RuntimeError(msg)
        info = service_info(board)
        self._infos[board.config.hostname] = info
        await self.zeroconf.async_register_service(info)

        async def _reannounce(_version: str | None) -> None:
            await self.update(board)

        board.config.on_reboot.append(_reannounce)

        async def _withdraw(_version: str | None) -> None:
            await self.remove(board.config.hostname)

        board.config.on_gone.append(_withdraw)

    async def remove(self, hostname: str) -> None:
        """Withdraw a board's records (a goodbye), as when it stopped for good."""
        info = self._infos.pop(hostname, None)
        if self.zeroconf is not None and info is not None:
            await self.zeroconf.async_unregister_service(info)

    async def add_service(self, info: ServiceInfo) -> None:
        """Announce a service that never changes (a web updater's page)."""
        if self.zeroconf is None:
            msg = "announcer not started"
            raise RuntimeError(msg)
        self._infos[info.name] = info
        await self.zeroconf.async_register_service(info)

    async def update(self, board: BoardEmulator) -> None:
        """Publish the board's current TXT records (new version after a flash)."""
        if self.zeroconf is None:
            return
        info = service_info(board)
        self._infos[board.config.hostname] = info
        await self.zeroconf.async_update_service(info)

    async def stop(self) -> None:
        """Withdraw every service and close zeroconf."""
        if self.zeroconf is None:
            return
        await self.zeroconf.async_unregister_all_services()
        await self.zeroconf.async_close()
        self.zeroconf = None
