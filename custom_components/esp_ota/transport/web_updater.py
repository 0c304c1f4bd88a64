"""Web updater transport: POST the image to the board's update form.

Come-back: a web board has no ``_arduino._tcp`` announcement to wait for. Once
the board answered "Update Success! Rebooting...", a background task of the
entry polls the form page with a bounded backoff; the first answer after the
board dropped off (or after REBOOT_GRACE) is its sign of life and resolves the
install's come-back wait through ``board.async_mark_alive()``. install.py
still owns the overall bound (COMEBACK_TIMEOUT) and the repair issue.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from custom_components.esp_ota import install
from custom_components.esp_ota.const import CONF_PATH, DEFAULT_WEB_PATH
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.webupdate import (
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

from . import (
    UPLOAD_FAILED,
    BoardTransport,
    ErrorTable,
    ProgressCallback,
    Translation,
    board_address,
    how_far,
)

if TYPE_CHECKING:
    from custom_components.esp_ota.board import EspOtaConfigEntry

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

# In the order of an except chain: the first type the error is wins.
ERRORS: Final[ErrorTable] = {
    WebAuthenticationError: Translation(key="web_authentication_failed", reauth=True),
    BoardUpdateError: lambda err: Translation(
        key=_BOARD_ERRORS.get(err.reason, "web_board_error"),
        placeholders=lambda err, _: {"message": err.board_message},
    ),
    UploadInterruptedError: Translation(key="transfer_failed", placeholders=how_far),
    WebTimeoutError: Translation(key="web_timeout", placeholders=board_address),
    WebConnectionError: Translation(
        key="web_not_responding", placeholders=board_address
    ),
    NotAnUpdaterError: Translation(
        key="web_not_an_updater",
        placeholders=lambda _, entry: {"url": web_updater_url(entry)},
    ),
    FilesystemNotSupportedError: Translation(key="web_no_filesystem"),
    UnexpectedAnswerError: Translation(
        key="web_unexpected_answer", placeholders=lambda err, _: {"status": err.status}
    ),
    WebUpdateError: UPLOAD_FAILED,
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


class WebUpdaterTransport(BoardTransport):
    """Send images to one board through its web updater."""

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
            raise self._translate(err, ERRORS) from err
        self._entry.async_create_background_task(
            self._hass,
            self._async_watch_for_return(client),
            f"esp_ota web come-back {self._entry.title}",
        )

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
        self._entry.runtime_data.async_mark_alive()


def web_updater_url(entry: EspOtaConfigEntry) -> str:
    """Return the board's update page URL for messages (never with credentials)."""
    board = entry.runtime_data
    return (
        f"http://{board.host}:{board.port}{entry.data.get(CONF_PATH, DEFAULT_WEB_PATH)}"
    )
