"""Errors of the web updater client, rooted at ``WebUpdateError``."""

from __future__ import annotations

from enum import StrEnum


class WebUpdateError(Exception):
    """Base of every web updater error."""


class WebConnectionError(WebUpdateError):
    """The board could not be reached over HTTP."""


class WebTimeoutError(WebUpdateError, TimeoutError):
    """The board stopped answering within the allowed time."""


class WebAuthenticationError(WebUpdateError):
    """The board asked for (other) credentials: HTTP 401."""


class NotAnUpdaterError(WebUpdateError):
    """The page at the update path is not the ESP web updater form."""


class FilesystemNotSupportedError(WebUpdateError):
    """The board's form has no filesystem upload (older cores)."""


class UnexpectedAnswerError(WebUpdateError):
    """The board answered the upload with something the cores never send."""

    def __init__(self, status: int) -> None:
        """Keep the HTTP status for the message."""
        message = f"unexpected answer (HTTP {status})"
        super().__init__(message)
        self.status = status


class UploadInterruptedError(WebUpdateError):
    """The connection broke before the board answered the upload."""

    def __init__(self, sent: int, total: int) -> None:
        """Record how far the image got."""
        message = f"upload broke off after {sent} of {total} bytes"
        super().__init__(message)
        self.sent = sent
        self.total = total


class BoardErrorReason(StrEnum):
    """What an ``Update error: ...`` answer says, by Updater error text."""

    NOT_ENOUGH_SPACE = "not_enough_space"
    WRONG_MAGIC = "wrong_magic"
    BAD_SIZE = "bad_size"
    MD5 = "md5"
    SIGNATURE = "signature"
    STREAM_TIMEOUT = "stream_timeout"
    FLASH = "flash"
    WRONG_ORIGIN = "wrong_origin"
    OTHER = "other"


class BoardUpdateError(WebUpdateError):
    """The board received the upload and answered ``Update error: ...``."""

    def __init__(self, board_message: str, reason: BoardErrorReason) -> None:
        """Keep the board's own text and what it means."""
        message = f"board reported: {board_message}"
        super().__init__(message)
        self.board_message = board_message
        self.reason = reason
