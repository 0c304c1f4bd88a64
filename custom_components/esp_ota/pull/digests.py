"""SHA-512 of staged images for the ``x-SHA512`` answer header, read once each.

The staged record has the MD5 and SHA-256; the SHA-512 (arduino-esp32 PR
#12865) is hashed from the file in the executor on the first download, with a
SHA-256 beside it: a file that is not the staged image any more is refused
(``OSError``, the view answers 304). At most ``MAX_DIGESTS`` are kept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from homeassistant.core import HomeAssistant

from custom_components.esp_ota.store import StagedFirmware, get_store

MAX_DIGESTS: Final = 64


class DigestCache:
    """SHA-512 by staged image SHA-256, bounded, the oldest dropped first."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Bind to Home Assistant's executor and the firmware store."""
        self._hass = hass
        self._sha512: dict[str, str] = {}

    async def async_sha512(self, staged: StagedFirmware) -> str:
        """Return the image's SHA-512; OSError if the file is not the image."""
        digest = self._sha512.get(staged.sha256)
        if digest is None:
            path = get_store(self._hass).path_for(staged)
            digest = await self._hass.async_add_executor_job(
                _sha512_of, path, staged.sha256
            )
            self._sha512[staged.sha256] = digest
            while len(self._sha512) > MAX_DIGESTS:
                del self._sha512[next(iter(self._sha512))]
        return digest


def _sha512_of(path: Path, sha256: str) -> str:
    """Hash the staged file (executor only); OSError when it is not the image."""
    sha512 = hashlib.sha512()
    check = hashlib.sha256()
    with path.open("rb") as file:
        while piece := file.read(1 << 20):
            sha512.update(piece)
            check.update(piece)
    if check.hexdigest() != sha256:
        message = f"{path.name} changed on disk"
        raise OSError(message)
    return sha512.hexdigest()
