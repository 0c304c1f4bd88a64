"""Secrets out of URLs before they are shown, logged or kept.

A firmware URL may carry ``user:password@`` or a token in its query (signed
download links, private build servers). Everything esp_ota shows (errors,
release notes), logs or stores keeps the scheme, host, port and path, drops the
credentials and fragment, and keeps query parameter names with their values
replaced, so a person still recognises the link.
"""

from __future__ import annotations

from typing import Final

from yarl import URL

REDACTED: Final = "REDACTED"


def redact_url(url: str) -> str:
    """Return the URL without credentials, query values or fragment."""
    try:
        parsed = URL(url)
        parsed = parsed.with_user(None).with_fragment(None)
        if parsed.query:
            parsed = parsed.with_query(dict.fromkeys(parsed.query, REDACTED))
        return str(parsed)
    except (TypeError, ValueError):
        return REDACTED


def url_filename(url: str) -> str | None:
    """Return the last path segment of a URL (never its query)."""
    return _parsed(url).name or None


def _parsed(url: str) -> URL:
    try:
        return URL(url)
    except (TypeError, ValueError):
        return URL()


def shown_source(source: str) -> str:
    """Return a staged image's origin fit to show (older records kept full URLs)."""
    kind, _, rest = source.partition(":")
    return f"url:{redact_url(rest)}" if kind == "url" else source
