"""ArduinoOTA (espota) transport: the protocol package, errors in HA's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .announcement import is_ipv6_address
from .const import DOMAIN
from .espota import (
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
from .firmware import ImageKind
from .settings import DATA_SETTINGS

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .install import ProgressCallback

# espota.py's waits, but 3 invitations instead of 10: an update card should say
# "not responding" within half a minute, not after 100 s. Tests shorten them.
TIMEOUTS = Timeouts(invitation_attempts=3)


class EspotaTransport:
    """Send images to one board over ArduinoOTA."""

    def __init__(self, hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
        """Bind to a board's config entry."""
        self._hass = hass
        self._entry = entry

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
            raise self._error("board_address_unusable", host=board.host)
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
        except AuthenticationError as err:
            self._entry.async_start_reauth(self._hass)
            raise self._error("authentication_failed") from err
        except BoardNotRespondingError as err:
            raise self._error(
                "board_not_responding", host=board.host, port=board.port
            ) from err
        except BoardRefusedError as err:
            raise self._error("board_refused", reason=err.reason) from err
        except ConnectBackTimeoutError as err:
            raise self._error(
                "board_never_connected", address=err.address, port=err.port
            ) from err
        except TransferError as err:
            raise self._transfer_error(err) from err
        except ImageRejectedError as err:
            raise self._error("image_rejected", message=err.board_message) from err
        except HostLookupError as err:
            raise self._error("board_address_unusable", host=board.host) from err
        except EspOtaError as err:
            raise self._error("upload_failed", error=type(err).__name__) from err
        except OSError as err:
            # The address does not resolve or route (socket.gaierror and kin).
            raise self._error("board_address_unusable", host=board.host) from err

    def _transfer_error(self, err: TransferError) -> HomeAssistantError:
        """Name every attempt when the transfer was retried."""
        if len(err.attempts) > 1:
            # How far the last attempt got (the uploader logs each attempt).
            return self._error(
                "transfer_retries_failed", count=len(err.attempts), **_how_far(err)
            )
        key = (
            "transfer_timeout"
            if isinstance(err, TransferTimeoutError)
            else "transfer_failed"
        )
        return self._error(key, **_how_far(err))

    def _error(self, key: str, **placeholders: object) -> HomeAssistantError:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "board": self._entry.title,
                **{k: str(v) for k, v in placeholders.items()},
            },
        )


def _how_far(err: TransferError) -> dict[str, object]:
    percent = err.sent * 100 // err.total if err.total else 0
    return {"sent": err.sent, "total": err.total, "percent": percent}
