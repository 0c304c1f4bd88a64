"""One set of rules for every image: inspect it, then check it fits the board.

Staging (``store.FirmwareStore.prepare``) and the command line
(``python -m custom_components.esp_ota.firmware check``) both call
``check_file``, so a file the command accepts is a file staging accepts.

Besides ``fit.check_fit``, one rule needs the image's container: a gzip image
is refused for an ESP32-family board, whose updater has no gzip path (the
inner image is always an ESP8266 one, ``image`` refuses the rest). And one
needs the file: a file larger than ``MAX_IMAGE_SIZE`` (the largest ESP flash)
is refused before it is read, whatever it holds.
"""

from __future__ import annotations

from collections.abc import Buffer
import os
from os import PathLike
from typing import Final

from .chips import ChipFamily
from .errors import CompressedImageError, FileTooLargeError
from .fit import check_fit
from .gzipped import MAX_INFLATED
from .image import FirmwareImage, inspect_file, inspect_image
from .kinds import ImageKind

MAX_IMAGE_SIZE: Final = MAX_INFLATED
"""The largest ESP flash (16 MiB): no app or filesystem image is bigger."""


def check_file(
    path: str | PathLike[str],
    *,
    target: ImageKind,
    board_family: ChipFamily | None,
    free_space: int | None = None,
) -> FirmwareImage:
    """Inspect a file and check it suits the board (blocking: executor only)."""
    check_size(os.stat(path).st_size)
    image = inspect_file(path, expect=target)
    check_board(image, target=target, board_family=board_family, free_space=free_space)
    return image


def check_image(
    data: Buffer,
    *,
    target: ImageKind,
    board_family: ChipFamily | None,
    free_space: int | None = None,
) -> FirmwareImage:
    """Inspect bytes and check they suit the board."""
    with memoryview(data) as view:
        check_size(view.nbytes)
    image = inspect_image(data, expect=target)
    check_board(image, target=target, board_family=board_family, free_space=free_space)
    return image


def check_size(size: int) -> None:
    """Refuse a file larger than any ESP flash."""
    if size > MAX_IMAGE_SIZE:
        raise FileTooLargeError(size, MAX_IMAGE_SIZE)


def check_board(
    image: FirmwareImage,
    *,
    target: ImageKind,
    board_family: ChipFamily | None,
    free_space: int | None,
) -> None:
    """Raise a ``FirmwareError`` if an inspected image cannot go to this board."""
    if (
        image.compressed
        and board_family is not None
        and board_family is not ChipFamily.ESP8266
    ):
        raise CompressedImageError
    check_fit(image, board_family=board_family, free_space=free_space, target=target)
