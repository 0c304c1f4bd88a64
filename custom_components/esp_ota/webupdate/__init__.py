"""Client of the cores' web updater (ESP8266HTTPUpdateServer, HTTPUpdateServer).

No Home Assistant imports: plain asyncio and an injected aiohttp session.
"""

from __future__ import annotations

from .client import CHUNK_SIZE, WebTimeouts, WebUpdater
from .errors import (
    BoardErrorReason,
    BoardUpdateError,
    FilesystemNotSupportedError,
    NotAnUpdaterError,
    UnexpectedAnswerError,
    UploadInterruptedError,
    WebAuthenticationError,
    WebConnectionError,
    WebTimeoutError,
    WebUpdateError,
)
from .form import UpdaterForm, check_answer, is_board_challenge, parse_form

__all__ = [
    "CHUNK_SIZE",
    "BoardErrorReason",
    "BoardUpdateError",
    "FilesystemNotSupportedError",
    "NotAnUpdaterError",
    "UnexpectedAnswerError",
    "UpdaterForm",
    "UploadInterruptedError",
    "WebAuthenticationError",
    "WebConnectionError",
    "WebTimeoutError",
    "WebTimeouts",
    "WebUpdateError",
    "WebUpdater",
    "check_answer",
    "is_board_challenge",
    "parse_form",
]
