"""Recognise the cores' updater form and parse their answers to an upload.

Both cores serve the same page at the update path (``serverIndex`` in
ESP8266HTTPUpdateServer-impl.h and arduino-esp32's HTTPUpdateServer.h): two
multipart forms posting to the same path, a file input named ``firmware`` and
one named ``filesystem``. Older ESP8266 cores had a single input named
``update``; the board treats every field name except ``filesystem`` as flash,
so the flash field is whatever the form calls it.

After the upload the board answers HTTP 200 either with the success page
(``Update Success! Rebooting...``, then it restarts 100 ms later) or with
``Update error: <Update.printError() text>``; it answers 401 with
``WWW-Authenticate: Basic realm="Login Required"`` when credentials are missing
or wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Final

from .errors import BoardErrorReason, BoardUpdateError

FILESYSTEM_FIELD: Final = "filesystem"
SUCCESS_TEXT: Final = "Update Success"
ERROR_PREFIX: Final = "Update error:"
# WebServer::requestAuthentication()'s default realm in both cores.
DEFAULT_REALM: Final = "Login Required"

_FORM_RE = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_MULTIPART_RE = re.compile(r"enctype\s*=\s*['\"]multipart/form-data['\"]", re.I)
_POST_RE = re.compile(r"method\s*=\s*['\"]post['\"]", re.IGNORECASE)
_INPUT_RE = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_FILE_RE = re.compile(r"type\s*=\s*['\"]file['\"]", re.IGNORECASE)
_NAME_RE = re.compile(r"name\s*=\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)

# Update.printError() texts of both cores (ESP8266 prefixes "ERROR[n]: ").
_REASONS: Final = (
    ("not enough space", BoardErrorReason.NOT_ENOUGH_SPACE),
    ("magic", BoardErrorReason.WRONG_MAGIC),
    ("bad size", BoardErrorReason.BAD_SIZE),
    ("md5", BoardErrorReason.MD5),
    ("signature", BoardErrorReason.SIGNATURE),
    ("stream read timeout", BoardErrorReason.STREAM_TIMEOUT),
    ("flash", BoardErrorReason.FLASH),
    ("wrong origin", BoardErrorReason.WRONG_ORIGIN),
)
MAX_MESSAGE_LENGTH: Final = 200
"""Board texts are short; anything longer is cut so a log or card stays readable."""


@dataclass(frozen=True, slots=True)
class UpdaterForm:
    """What the board's form offers."""

    flash_field: str
    filesystem_field: str | None


def parse_form(html: str) -> UpdaterForm | None:
    """Return the updater form's fields, or None if the page is something else."""
    forms = _FORM_RE.findall(html)
    if not any(_MULTIPART_RE.search(f) and _POST_RE.search(f) for f in forms):
        return None
    names = [
        match.group(1)
        for tag in _INPUT_RE.findall(html)
        if _FILE_RE.search(tag) and (match := _NAME_RE.search(tag))
    ]
    flash = [name for name in names if name != FILESYSTEM_FIELD]
    if not flash:
        return None
    return UpdaterForm(
        flash_field=flash[0],
        filesystem_field=FILESYSTEM_FIELD if FILESYSTEM_FIELD in names else None,
    )


def is_board_challenge(www_authenticate: str | None) -> bool:
    """Return True for the Basic challenge the cores' WebServer sends."""
    if not www_authenticate:
        return False
    scheme, _, params = www_authenticate.partition(" ")
    return scheme.lower() == "basic" and DEFAULT_REALM.lower() in params.lower()


def clean_board_text(text: str) -> str:
    """Keep printable characters of a board's answer, trimmed and bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_MESSAGE_LENGTH]


def check_answer(body: str) -> None:
    """Raise BoardUpdateError unless the body is the success page.

    The caller has already handled every status but 200.
    """
    if SUCCESS_TEXT in body and ERROR_PREFIX not in body:
        return
    text = body.split(ERROR_PREFIX, 1)[1] if ERROR_PREFIX in body else body
    message = clean_board_text(text) or "no reason given"
    lowered = message.lower()
    reason = next(
        (reason for needle, reason in _REASONS if needle in lowered),
        BoardErrorReason.OTHER,
    )
    raise BoardUpdateError(message, reason)
