"""ArduinoOTA (espota) transport: the protocol package, errors in HA's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from homeassistant.exceptions import HomeAssistantError

from custom_components.esp_ota.announcement import is_ipv6_address
from custom_components.esp_ota.espota import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    Command,
    ConnectBackTimeoutError,
    EspOtaError,
    HostLookupError,
    ImageRejectedError,
    Timeouts,
    TransferError,
    TransferTimeoutError,
    upload,
)
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.settings import DATA_SETTINGS

from . import (
    UPLOAD_FAILED,
    BoardTransport,
    ErrorTable,
    ProgressCallback,
    Translation,
    board_address,
    how_far,
    translated_error,
)

if TYPE_CHECKING:
    from custom_components.esp_ota.board import EspOtaConfigEntry

# espota.py's waits, but 3 invitations instead of 10: an update card should say
# "not responding" within half a minute, not after 100 s. Tests shorten them.
TIMEOUTS = Timeouts(invitation_attempts=3)


def _transfer(err: TransferError) -> Translation:
    """Name every attempt when the transfer was retried, else how far it got."""
    if len(err.attempts) > 1:
        return Translation(key="transfer_retries_failed", placeholders=_attempts)
    return Translation(
        key="transfer_timeout"
        if isinstance(err, TransferTimeoutError)
        else "transfer_failed",
        placeholders=how_far,
    )


def _attempts(err: TransferError, entry: EspOtaConfigEntry) -> Mapping[str, object]:
    # How far the last attempt got (the uploader logs each attempt).
    return {"count": len(err.attempts), **how_far(err, entry)}


# In the order of an except chain: the first type the error is wins.
ERRORS: Final[ErrorTable] = {
    AuthenticationError: Translation(key="authentication_failed", reauth=True),
    BoardNotRespondingError: Translation(
        key="board_not_responding", placeholders=board_address
    ),
    BoardRefusedError: Translation(
        key="board_refused", placeholders=lambda err, _: {"reason": err.reason}
    ),
    ConnectBackTimeoutError: Translation(
        key="board_never_connected",
        placeholders=lambda err, _: {"address": err.address, "port": err.port},
    ),
    TransferError: _transfer,
    ImageRejectedError: Translation(
        key="image_rejected", placeholders=lambda err, _: {"message": err.board_message}
    ),
    HostLookupError: Translation(
        key="board_address_unusable",
        placeholders=lambda _, entry: {"host": entry.runtime_data.host},
    ),
    EspOtaError: UPLOAD_FAILED,
    # The address does not resolve or route (socket.gaierror and kin).
    OSError: Translation(
        key="board_address_unusable",
        placeholders=lambda _, entry: {"host": entry.runtime_data.host},
    ),
}


class ArduinoOtaTransport(BoardTransport):
    """Send images to one board over ArduinoOTA."""

    async def async_upload(
        self, data: bytes, kind: ImageKind, progress: ProgressCallback
    ) -> None:
        """Flash the image; raise a translated error the person can act on."""
        board = self._entry.runtime_data
        settings = self._hass.data[DATA_SETTINGS]
        command = Command.FILESYSTEM if kind is ImageKind.FILESYSTEM else Command.FLASH
        if is_ipv6_address(board.host):
            # espota's invitation names an IPv4 address for the board to call
            # back (espressif/arduino-esp32 tools/espota.py @01e0f59 opens AF_INET
            # sockets only), so an IPv6-only board cannot be reached.
            raise translated_error(
                HomeAssistantError,
                "board_address_unusable",
                board=self._entry.title,
                host=board.host,
            )
        try:
            await upload(
                board.host,
                board.port,
                data,
                password=board.password,
                command=command,
                progress=progress,
                timeouts=TIMEOUTS,
                listen_port=settings.connect_back_port,
                retries=settings.upload_retries,
            )
        except tuple(ERRORS) as err:
            raise self._translate(err, ERRORS) from err
