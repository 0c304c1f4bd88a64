"""Release notes shipped next to an image as a sidecar file.

For ``garden.bin`` the notes are the first of ``garden.md``, ``garden.txt``,
``garden.bin.md``, ``garden.bin.txt`` that exists. ``read_sidecar_notes`` is
blocking file I/O: the Home Assistant layer calls it from an executor thread.

A sidecar must be a regular file itself: a symbolic link (which may point
anywhere, e.g. at a file outside the watched folder) or anything else (a FIFO,
a folder) is never read, and is passed over as if it were not there.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
import stat
from typing import Final

NOTE_SUFFIXES: Final = (".md", ".txt")
MAX_NOTES_BYTES: Final = 64 * 1024
"""Release notes are shown in the update dialog; more than this is cut off."""
TRUNCATION_MARK: Final = "\n\n…"
_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
)
# No such sidecar (a name too long for one counts), or O_NOFOLLOW met a link.
_NOT_THERE: Final = (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP)


def sidecar_candidates(image_path: Path) -> list[Path]:
    """Return the sidecar paths looked at for ``image_path``, in order."""
    by_stem = [image_path.with_suffix(suffix) for suffix in NOTE_SUFFIXES]
    by_name = [image_path.with_name(image_path.name + s) for s in NOTE_SUFFIXES]
    return [path for path in by_stem + by_name if path != image_path]


def read_sidecar_notes(image_path: str | Path) -> str | None:
    """Return the sidecar release notes of an image, or None if there are none."""
    for candidate in sidecar_candidates(Path(image_path)):
        if (raw := _read_regular(candidate)) is None:
            continue
        # Notes are display text: undecodable bytes become U+FFFD, not an error.
        text = raw[:MAX_NOTES_BYTES].decode("utf-8", errors="replace").strip()
        if len(raw) > MAX_NOTES_BYTES:
            text += TRUNCATION_MARK
        return text or None
    return None


def _read_regular(path: Path) -> bytes | None:
    """Return the start of a regular file, None for a link or anything else.

    Opened without following a link (O_NOFOLLOW) and without blocking on a
    FIFO (O_NONBLOCK), then checked on the open file, so a file swapped for a
    link between a check and the read is never followed either. A file that
    cannot be opened for another reason raises OSError.
    """
    try:
        fd = os.open(path, _FLAGS)
    except OSError as err:
        if err.errno in _NOT_THERE:
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as file:
        return file.read(MAX_NOTES_BYTES + 1)
