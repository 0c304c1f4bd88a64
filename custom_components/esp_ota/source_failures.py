"""How a failed check of a firmware source is recorded and told.

A check fails on the manifest (a ``SourceError``, sources/errors.py) or on the
image (a ``StagingError``: the download, or the image refused). Either way the
record keeps a result (the "Firmware source result" sensor's state) and
English detail (logs, diagnostics), and the repair gets a cause (its text:
``issues.source_failing_<cause>``) with facts that are data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .staging import StagingError


@dataclass(frozen=True)
class Failure:
    """A failed check: its result, English detail (logs), cause and facts."""

    result: str
    detail: str
    cause: str
    """Names the repair's text: ``issues.source_failing_<cause>``."""
    facts: dict[str, str]


# The repair's causes besides the manifest's (sources/errors.py), with their facts.
IMAGE_CAUSES: Final = {
    "image_too_large": ("limit",),
    "image_refused": ("version", "refusal"),
}
# Download errors (staging.async_download) by the cause they share with the
# manifest's; any other refusal is the image's (wrong chip, too large, ...).
_DOWNLOAD_CAUSES: Final = {
    "download_timeout": "timeout",
    "download_connection_refused": "connection_refused",
    "download_name_not_resolved": "name_not_resolved",
    "download_tls": "tls",
    "download_failed": "connection_failed",
    "download_http_status": "http_status",
    "download_too_large": "image_too_large",
}


def staging_failure(err: StagingError, version: str) -> Failure:
    """Describe a check whose download or staging failed."""
    key = err.translation_key or ""
    placeholders = err.translation_placeholders or {}
    if (cause := _DOWNLOAD_CAUSES.get(key)) is None:
        # A repair cannot show another text's translation: it names the
        # refusal by its key, next to the version that was refused.
        facts = {"version": version, "refusal": key}
        return Failure("image_refused", str(err), "image_refused", facts)
    facts = {
        name: placeholders[name]
        for name in ("host", "error", "status", "limit")
        if name in placeholders
    }
    result = "download_too_large" if cause == "image_too_large" else "download_failed"
    return Failure(result, str(err), cause, facts)
