"""Check that an inspected image suits a board before anything is sent.

``check_fit`` raises a ``FitError`` subclass, in this order:

1. ``WrongTargetError``: an app image for the filesystem target or the other
   way round.
2. ``WrongChipError``: the image's chip differs from the board's (an ESP8266
   image for an ESP32 board, an ESP32-S3 image for an ESP32 board...).
3. ``TooLargeError``: the image, rounded up to whole 4 KiB flash sectors (the
   unit the boards' Updater erases and checks), exceeds the free space the
   board reported.

Unknown facts never block: with ``board_family=None`` (no or unknown TXT
``board`` id) the chip is not judged, with ``free_space=None`` the size is not
judged. The board itself still refuses what it cannot take (ESP8266 answers
the invitation with an error, ESP32 fails its ``Update.begin``), so the
caller should say in the UI that the check was skipped.
"""

from __future__ import annotations

from typing import Final, Protocol

from .chips import ChipFamily
from .errors import TooLargeError, WrongChipError, WrongTargetError
from .kinds import ImageKind

FLASH_SECTOR_SIZE: Final = 4096


class FitSubject(Protocol):
    """What the fit check reads: an inspected image or a staged one's record."""

    @property
    def kind(self) -> ImageKind:
        """App or filesystem."""

    @property
    def chip(self) -> ChipFamily | None:
        """The chip the image is built for, None when the image does not say."""

    @property
    def size(self) -> int:
        """Size in bytes."""


def check_fit(
    image: FitSubject,
    *,
    board_family: ChipFamily | None,
    free_space: int | None,
    target: ImageKind,
) -> None:
    """Raise a ``FitError`` if the image cannot go to this board and target."""
    if image.kind is not target:
        raise WrongTargetError(image.kind, target)
    if (
        board_family is not None
        and image.chip is not None
        and image.chip is not board_family
    ):
        raise WrongChipError(image.chip, board_family)
    if free_space is not None and sectors_needed(image.size) > free_space:
        raise TooLargeError(image.size, free_space)


def sectors_needed(size: int) -> int:
    """Return ``size`` rounded up to whole flash sectors."""
    return -(-size // FLASH_SECTOR_SIZE) * FLASH_SECTOR_SIZE
