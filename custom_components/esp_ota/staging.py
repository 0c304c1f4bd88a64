"""Staging firmware for a board: one path for the service, the UI and the folder.

Every way of giving esp_ota an image ends here, so every image is checked the
same way (ESP image header, chip family against the board, size, target) and
every refusal reaches the person as the same translated message.
"""

from __future__ import annotations

from collections.abc import Mapping
import errno
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import aiohttp
from aiohttp import hdrs
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .board import board_key
from .const import CONF_BOARD, DOMAIN
from .firmware import (
    FileTooLargeError,
    FirmwareError,
    FitError,
    ImageKind,
    TooLargeError,
    WrongChipError,
    family_for_board,
)
from .network_errors import network_cause
from .redact import redact_url
from .store import MAX_IMAGE_SIZE, ImageTooLargeError, StageRequest, get_store

if TYPE_CHECKING:
    from .store import StagedFirmware

# A 16 MiB image over a slow link; the download never blocks anything else.
DOWNLOAD_TIMEOUT: Final = 300
_DOWNLOAD_CHUNK: Final = 64 * 1024


class StagingError(HomeAssistantError):
    """Staging was refused; the message is translated."""


class StorageError(StagingError):
    """The image could not be read or kept (permissions, a full disk)."""


async def async_stage_for_entry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    source: Path | bytes,
    *,
    kind: ImageKind = ImageKind.APP,
    version: str | None = None,
    release_notes: str | None = None,
    origin: str,
    filename: str | None = None,
    release_url: str | None = None,
) -> StagedFirmware:
    """Validate an image against the board of an entry and stage it."""
    request = StageRequest(
        board=board_key(entry),
        kind=kind,
        version=(version or "").strip() or None,
        release_notes=(release_notes or "").strip() or None,
        source=origin,
        filename=filename,
        release_url=release_url,
        board_family=family_for_board(entry.data.get(CONF_BOARD)),
        free_space=None,
    )
    try:
        return await get_store(hass).async_stage(source, request)
    except (FirmwareError, FitError, ImageTooLargeError) as err:
        raise staging_error(err) from err
    except OSError as err:
        # No machine path and no OS English: the cause by errno, the file's name.
        raise StorageError(
            translation_domain=DOMAIN,
            translation_key=_STORAGE_ERRORS.get(err.errno, "staging_storage_failed"),
            translation_placeholders={
                "file": filename or "-",
                "error": type(err).__name__,
                "errno": "-" if err.errno is None else str(err.errno),
            },
        ) from err


_STORAGE_ERRORS: Final[dict[int | None, str]] = {
    errno.ENOSPC: "staging_disk_full",
    errno.EDQUOT: "staging_disk_full",
    errno.EACCES: "staging_permission_denied",
    errno.EPERM: "staging_permission_denied",
    errno.EROFS: "staging_read_only",
}
# staging.async_download's keys by network_errors' cause; the rest is the
# generic "download_failed" with the exception's type name.
_DOWNLOAD_ERRORS: Final = {
    "timeout": "download_timeout",
    "connection_refused": "download_connection_refused",
    "name_not_resolved": "download_name_not_resolved",
    "tls": "download_tls",
}


def staging_error(err: Exception) -> StagingError:
    """Translate an image or fit error into a message for the person.

    The error's facts become the placeholders; its English ``str()`` stays in
    logs and the command line (see ``firmware/errors.py``).
    """
    placeholders: dict[str, str]
    if isinstance(err, WrongChipError):
        key, placeholders = "wrong_chip", err.facts
    elif isinstance(err, TooLargeError):
        key, placeholders = "too_large_for_board", err.facts
    elif isinstance(err, FileTooLargeError):
        # Found by staging before the copy (ImageTooLargeError) or by the check.
        key, placeholders = "file_too_large", err.facts
    elif isinstance(err, FirmwareError):
        key, placeholders = f"firmware_{err.translation_key}", err.facts
    else:  # pragma: no cover - callers pass only the errors above
        raise TypeError(err)
    return StagingError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


async def async_download(
    hass: HomeAssistant,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    shown_url: str | None = None,
) -> bytes:
    """Download an image with HA's shared session, refusing anything too big.

    ``shown_url`` replaces ``url`` in messages when the URL may carry a secret.
    """
    session = async_get_clientsession(hass)
    url_text = shown_url or redact_url(url)
    placeholders: dict[str, Any] = {"url": url_text}
    try:
        async with session.get(
            url, headers=headers, timeout=aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
        ) as response:
            if response.status != 200:
                raise StagingError(
                    translation_domain=DOMAIN,
                    translation_key="download_http_status",
                    translation_placeholders={
                        **placeholders,
                        "status": str(response.status),
                    },
                )
            declared = response.headers.get(hdrs.CONTENT_LENGTH, "")
            if declared.isdigit() and int(declared) > MAX_IMAGE_SIZE:
                raise _too_big(url_text)
            data = bytearray()
            async for chunk in response.content.iter_chunked(_DOWNLOAD_CHUNK):
                data += chunk
                if len(data) > MAX_IMAGE_SIZE:
                    raise _too_big(url_text)
            return bytes(data)
    except (TimeoutError, aiohttp.ClientError) as err:
        # The cause and data, not the library's English (which may also
        # carry the URL with its secrets).
        cause, facts = network_cause(err)
        raise StagingError(
            translation_domain=DOMAIN,
            translation_key=_DOWNLOAD_ERRORS.get(cause, "download_failed"),
            translation_placeholders={
                **placeholders,
                "host": facts.get("host", "-"),
                "error": facts.get("error", type(err).__name__),
            },
        ) from err


def _too_big(url: str) -> StagingError:
    return StagingError(
        translation_domain=DOMAIN,
        translation_key="download_too_large",
        translation_placeholders={
            "url": redact_url(url),
            "limit": str(MAX_IMAGE_SIZE),
        },
    )
