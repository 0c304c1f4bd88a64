"""Why an HTTP request failed, as a cause and data, never the library's English.

aiohttp's and the OS's messages are English ("Cannot connect to host ...
[Connection refused]"); a translated text gets the cause instead, one of
CAUSES, and only data: the host name that did not resolve, or for a cause not
known here the exception's type name. Used for the firmware source's manifest
(source_fetch.py) and for every image download (staging.py).
"""

from __future__ import annotations

import errno
import socket
import ssl
from typing import Final

import aiohttp

CAUSES: Final = (
    "timeout",
    "connection_refused",
    "name_not_resolved",
    "tls",
    "connection_failed",
)


def network_cause(err: BaseException) -> tuple[str, dict[str, str]]:
    """Return (cause, facts) of a failed request; facts hold data only."""
    if isinstance(err, TimeoutError):
        return "timeout", {}
    if isinstance(err, aiohttp.ClientSSLError | ssl.SSLError):
        return "tls", {}
    if isinstance(err, aiohttp.ClientConnectorError):
        reason = err.os_error
        if isinstance(reason, socket.gaierror):
            return "name_not_resolved", {"host": err.host}
        if isinstance(reason, ConnectionRefusedError) or (
            reason.errno == errno.ECONNREFUSED
        ):
            return "connection_refused", {}
    return "connection_failed", {"error": type(err).__name__}
