"""ArduinoOTA ("espota") uploader: plain asyncio, no Home Assistant imports.

Import it as ``custom_components.esp_ota.espota`` only.
"""

from __future__ import annotations

from .errors import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    ConnectBackTimeoutError,
    EspOtaError,
    HostLookupError,
    ImageRejectedError,
    TransferError,
    TransferTimeoutError,
)
from .protocol import AuthScheme, Command
from .timeouts import Timeouts
from .uploader import MAX_RETRIES, ProgressCallback, UploadResult, upload

__all__ = [
    "MAX_RETRIES",
    "AuthScheme",
    "AuthenticationError",
    "BoardNotRespondingError",
    "BoardRefusedError",
    "Command",
    "ConnectBackTimeoutError",
    "EspOtaError",
    "HostLookupError",
    "ImageRejectedError",
    "ProgressCallback",
    "Timeouts",
    "TransferError",
    "TransferTimeoutError",
    "UploadResult",
    "upload",
]
