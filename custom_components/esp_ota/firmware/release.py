"""Release notes shipped next to an image as a sidecar file.

For ``garden.bin`` the notes are the first of ``garden.md``, ``garden.txt``,
``garden.bin.md``, ``garden.bin.txt`` that exists. ``read_sidecar_notes`` is
blocking file I/O: the Home Assistant layer calls it from an executor thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

NOTE_SUFFIXES: Final = (".md", ".txt")
MAX_NOTES_BYTES: Final = 64 * 1024
"""Release notes are shown in the update dialog; more than this is cut off."""
TRUNCATION_MARK: Final = "\n\n…"


def sidecar_candidates(image_path: Path) -> list[Path]:
    """Return the sidecar paths looked at for ``image_path``, in order."""
    by_stem = [image_path.with_suffix(suffix) for suffix in NOTE_SUFFIXES]
    by_name = [image_path.with_name(image_path.name + s) for s in NOTE_SUFFIXES]
    return [path for path in by_stem + by_name if path != image_path]


def read_sidecar_notes(image_path: str | Path) -> str | None:
    """Return the sidecar release notes of an image, or None if there are none."""
    for candidate in sidecar_candidates(Path(image_path)):
        if not candidate.is_file():
            continue
        with candidate.open("rb") as file:
            raw = file.read(MAX_NOTES_BYTES + 1)
        # Notes are display text: undecodable bytes become U+FFFD, not an error.
        text = raw[:MAX_NOTES_BYTES].decode("utf-8", errors="replace").strip()
        if len(raw) > MAX_NOTES_BYTES:
            text += TRUNCATION_MARK
        return text or None
    return None
