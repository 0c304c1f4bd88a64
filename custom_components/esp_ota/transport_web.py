"""Web updater transport: POST the image to the board's update form.

Come-back: a web board has no ``_arduino._tcp`` announcement to wait for. Once
the board answered "Update Success! Rebooting...", a background task of the
entry polls the form page with a bounded backoff; the first answer after the
board dropped off (or after REBOOT_GRACE) is its sign of life and resolves the
install's come-back wait through ``board.async_handle_heard()``. install.py
still owns the overall bound (COMEBACK_TIMEOUT) and the repair issue.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from . import install
from .const import CONF_PATH, DEFAULT_WEB_PATH, DOMAIN
from .firmware import ImageKind
from .webupdate import (
    BoardErrorReason,
    BoardUpdateError,
    FilesystemNotSupportedError,
    NotAnUpdaterError,
    UnexpectedAnswerError,
    UploadInterruptedError,
    WebAuthenticationError,
    WebConnectionError,
    WebTimeoutError,
    WebTimeouts,
    WebUpdateError,
    WebUpdater,
)

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .install import ProgressCallback

_LOGGER = logging.getLogger(__name__)

TIMEOUTS = WebTimeouts()
# The board restarts 100 ms after its success page; one second later the old
# firmware is surely gone, so an answer is the new firmware. Tests shorten it.
REBOOT_GRACE: Final = 1.0
# Between polls: start quick (an ESP8266 is back in 2-3 s), back off to spare
# a slow board's Wi-Fi; the come-back bound stays install.py's.
POLL_FIRST: Final = 0.5
POLL_MAX: Final = 10.0

_BOARD_ERRORS: Final = {
    BoardErrorReason.NOT_ENOUGH_SPACE: "web_not_enough_space",
    BoardErrorReason.WRONG_MAGIC: "web_wrong_magic",
    BoardErrorReason.MD5: "web_md5_failed",
    BoardErrorReason.BAD_SIZE: "web_bad_size",
    BoardErrorReason.WRONG_ORIGIN: "web_wrong_origin",
}


def web_updater(hass: HomeAssistant, entry: EspOtaConfigEntry) -> WebUpdater:
    """Return the client for a web board, on Home Assistant's shared session."""
    board = entry.runtime_data
    return WebUpdater(
        async_get_clientsession(hass),
        board.host,
        board.port,
        entry.data.get(CONF_PATH, DEFAULT_WEB_PATH),
        username=entry.data.get(CONF_USERNAME),
        password=entry.data.get(CONF_PASSWORD),
        timeouts=TIMEOUTS,
    )


class WebTransport:
    """Send images to one board through its web updater."""

    def __init__(self, hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
        """Bind to a board's config entry."""
        self._hass = hass
        self._entry = entry

    async def async_upload(
        self, data: bytes, kind: ImageKind, progress: ProgressCallback
    ) -> None:
        """Flash the image; raise a translated error the person can act on."""
        client = web_updater(self._hass, self._entry)
        try:
            # The harmless GET first: wrong credentials or a vanished updater
            # are found before a byte of the image is sent.
            form = await client.probe()
            await client.upload(
                data,
                form=form,
                filesystem=kind is ImageKind.FILESYSTEM,
                progress=progress,
            )
        except WebUpdateError as err:
            raise self._translate(err) from err
        self._entry.async_create_background_task(
            self._hass,
            self._async_watch_for_return(client),
            f"esp_ota web come-back {self._entry.title}",
        )

    def _translate(self, err: WebUpdateError) -> HomeAssistantError:
        board = self._entry.runtime_data
        if isinstance(err, WebAuthenticationError):
            self._entry.async_start_reauth(self._hass)
            return self._error("web_authentication_failed")
        if isinstance(err, BoardUpdateError):
            key = _BOARD_ERRORS.get(err.reason, "web_board_error")
            return self._error(key, message=err.board_message)
        if isinstance(err, UploadInterruptedError):
            percent = err.sent * 100 // err.total if err.total else 0
            return self._error(
                "transfer_failed", sent=err.sent, total=err.total, percent=percent
            )
        if isinstance(err, WebTimeoutError):
            return self._error("web_timeout", host=board.host, port=board.port)
        if isinstance(err, WebConnectionError):
            return self._error("web_not_responding", host=board.host, port=board.port)
        if isinstance(err, NotAnUpdaterError):
            return self._error("web_not_an_updater", url=web_updater_url(self._entry))
        if isinstance(err, FilesystemNotSupportedError):
            return self._error("web_no_filesystem")
        if isinstance(err, UnexpectedAnswerError):
            return self._error("web_unexpected_answer", status=err.status)
        return self._error("upload_failed", error=type(err).__name__)

    async def _async_watch_for_return(self, client: WebUpdater) -> None:
        """Poll the form page until the rebooted board answers (bounded)."""
        delay = POLL_FIRST
        try:
            async with asyncio.timeout(install.COMEBACK_TIMEOUT):
                await asyncio.sleep(REBOOT_GRACE)
                while not await client.is_up():
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, POLL_MAX)
        except TimeoutError:
            _LOGGER.debug("%s did not answer after its update", self._entry.title)
            return
        _LOGGER.debug("%s answers its update page again", self._entry.title)
        self._entry.runtime_data.async_handle_heard()

    def _error(self, key: str, **placeholders: object) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "board": self._entry.title,
                **{k: str(v) for k, v in placeholders.items()},
            },
        )


def web_updater_url(entry: EspOtaConfigEntry) -> str:
    """Return the board's update page URL for messages (never with credentials)."""
    board = entry.runtime_data
    return (
        f"http://{board.host}:{board.port}{entry.data.get(CONF_PATH, DEFAULT_WEB_PATH)}"
    )
