"""Errors raised by the espota uploader, one base class, split by cause.

Every message is a sentence a person can act on; none ever contains the password.
"""

from __future__ import annotations


class EspOtaError(Exception):
    """Base class of every error the uploader raises."""


class BoardNotRespondingError(EspOtaError, TimeoutError):
    """The board never answered the UDP invitation."""


class AuthenticationError(EspOtaError):
    """The board rejected the password (or wanted one that was not given)."""


class BoardRefusedError(EspOtaError):
    """The board answered the invitation with a refusal, e.g. not enough space."""

    def __init__(self, reason: str) -> None:
        """Keep the board's own reason next to a readable message."""
        self.reason = reason
        message = f"The board refused the upload: {reason}"
        super().__init__(message)


class HostLookupError(EspOtaError):
    """The board's host name could not be looked up (or not in time)."""


class ConnectBackTimeoutError(EspOtaError, TimeoutError):
    """The board accepted the invitation but never opened the TCP connection."""

    def __init__(self, message: str, *, address: str, port: int) -> None:
        """Keep the address and TCP port the board had to reach."""
        self.address = address
        self.port = port
        super().__init__(message)


class TransferError(EspOtaError):
    """The transfer broke off before the board had the whole image."""

    def __init__(
        self, message: str, *, sent: int, total: int, written: int | None = None
    ) -> None:
        """Record how far the transfer got.

        ``sent``: bytes the board acknowledged (TCP or its counts);
        ``written``: bytes the board's counts confirmed it wrote.
        """
        self.sent = sent
        self.total = total
        self.written = sent if written is None else written
        self.attempts: tuple[str, ...] = (message,)
        """Every attempt's message, in order, when the transfer was retried."""
        super().__init__(message)


class TransferTimeoutError(TransferError, TimeoutError):
    """The board stopped acknowledging data for longer than the stall timeout."""


class ImageRejectedError(EspOtaError):
    """The board received the whole image but rejected it (MD5, size, magic byte)."""

    def __init__(self, board_message: str) -> None:
        """Keep the board's error text (e.g. ``MD5 Check Failed``)."""
        self.board_message = board_message
        shown = board_message or "no reason given"
        message = f"The board received the image but rejected it: {shown}"
        super().__init__(message)
