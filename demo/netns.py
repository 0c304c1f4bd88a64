"""Refuse to multicast anywhere but in a private network namespace."""

from __future__ import annotations

import socket


class NotInPrivateNetworkError(RuntimeError):
    """The process can see network interfaces other than loopback."""


def interfaces() -> list[str]:
    """Return the interface names of this process's network namespace."""
    # if_nameindex() asks the kernel for the current namespace; /sys/class/net
    # would show the namespace that mounted sysfs instead.
    return [name for _, name in socket.if_nameindex()]


def assert_private_network() -> None:
    """Raise unless loopback is the only interface (``unshare -n``)."""
    names = interfaces()
    if names != ["lo"]:
        message = (
            "the demo announces boards over real mDNS and must run inside a "
            f"private network namespace (scripts/demo does that); interfaces: {names}"
        )
        raise NotInPrivateNetworkError(message)
