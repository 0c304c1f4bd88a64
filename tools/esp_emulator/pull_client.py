"""An emulated ESPhttpUpdate / HTTPUpdate client: a board that pulls its updates.

It sends what the cores' ``handleUpdate`` sends (ESP8266 core 3.x,
arduino-esp32 2.x/3.x: User-Agent, ``x-<CORE>-*`` headers, the version only
when one is set) and treats the answer as they do: 200 needs a positive
Content-Length that fits the free space and, for a sketch, a first byte 0xE9;
the body must match ``x-MD5``; then it "flashes" and reboots into the new
sketch (its version read from the image when the image carries one). 304 is
"no updates", anything else a failure. Never imports the integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import hashlib
from typing import Final

import aiohttp

from .config import Core
from .image import esp32_app_version

# The cores' Update class writes in pieces of about this size.
READ_CHUNK: Final = 4096
# The ESP32 client's default HTTP timeout is 8 s; loopback needs far less.
DEFAULT_TIMEOUT: Final = 8.0
ESP_IMAGE_MAGIC: Final = 0xE9


class PullResult(StrEnum):
    """HTTP_UPDATE_OK / HTTP_UPDATE_NO_UPDATES / HTTP_UPDATE_FAILED."""

    UPDATED = "updated"
    NO_UPDATES = "no_updates"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PullOutcome:
    """What one update() call ended with, and why."""

    result: PullResult
    status: int
    reason: str = ""


@dataclass(slots=True)
class PullBoard:
    """A board running a sketch that calls ESPhttpUpdate / httpUpdate."""

    sta_mac: str
    sketch: bytes
    core: Core = Core.ESP32
    version: str | None = None
    ap_mac: str = "AA:BB:CC:00:00:01"
    free_space: int = 1_310_720
    chip_size: int = 4 * 1024 * 1024
    sdk_version: str = "v4.4.7"
    send_md5: bool = True
    filesystem: bytes = b""
    reboots: int = 0
    flashed: list[bytes] = field(default_factory=list)

    @property
    def sketch_md5(self) -> str:
        """ESP.getSketchMD5() of the running sketch."""
        return hashlib.md5(self.sketch).hexdigest()  # noqa: S324 - the board's MD5

    def headers(self, *, spiffs: bool = False) -> dict[str, str]:
        """Return the request headers the core sends."""
        prefix = f"x-{'ESP8266' if self.core is Core.ESP8266 else 'ESP32'}-"
        headers = {
            "User-Agent": "ESP8266-http-Update"
            if self.core is Core.ESP8266
            else "ESP32-http-Update",
            prefix + "STA-MAC": self.sta_mac,
            prefix + "AP-MAC": self.ap_mac,
            prefix + "free-space": str(self.free_space),
            prefix + "sketch-size": str(len(self.sketch)),
            prefix + "chip-size": str(self.chip_size),
            prefix + "sdk-version": self.sdk_version,
            prefix + "mode": "spiffs" if spiffs else "sketch",
        }
        if self.core is Core.ESP32:
            headers["Cache-Control"] = "no-cache"
        if self.send_md5:
            headers[prefix + "sketch-md5"] = self.sketch_md5
        if self.version:
            headers[prefix + "version"] = self.version
        return headers

    async def update(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        spiffs: bool = False,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the client's own
    ) -> PullOutcome:
        """Call the server once, like ``ESPhttpUpdate.update(client, url, v)``."""
        async with session.get(
            url,
            headers=self.headers(spiffs=spiffs),
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            if response.status == 304:
                return PullOutcome(PullResult.NO_UPDATES, 304)
            if response.status != 200:
                return PullOutcome(PullResult.FAILED, response.status, "http code")
            size = response.content_length or 0
            if size <= 0:
                return PullOutcome(PullResult.FAILED, 200, "no content length")
            if not spiffs and size > self.free_space:
                return PullOutcome(PullResult.FAILED, 200, "not enough space")
            expected_md5 = response.headers.get("x-MD5", "").lower()
            digest = hashlib.md5()  # noqa: S324 - the Update class's MD5 check
            body = bytearray()
            async for chunk in response.content.iter_chunked(READ_CHUNK):
                if not spiffs and not body and chunk[0] != ESP_IMAGE_MAGIC:
                    return PullOutcome(PullResult.FAILED, 200, "magic byte")
                digest.update(chunk)
                body += chunk
        if len(body) != size:
            return PullOutcome(PullResult.FAILED, 200, "short body")
        if expected_md5 and digest.hexdigest() != expected_md5:
            return PullOutcome(PullResult.FAILED, 200, "md5 mismatch")
        image = bytes(body)
        self.flashed.append(image)
        if spiffs:
            self.filesystem = image
        else:
            self._reboot_into(image)
        return PullOutcome(PullResult.UPDATED, 200)

    def _reboot_into(self, image: bytes) -> None:
        self.sketch = image
        self.reboots += 1
        if self.core is Core.ESP32:
            self.version = esp32_app_version(image) or self.version
