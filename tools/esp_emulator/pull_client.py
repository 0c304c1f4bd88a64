"""An emulated ESPhttpUpdate / HTTPUpdate client: a board that pulls its updates.

The request is built byte for byte as the cores' HTTPClient sends it
(esp8266/Arduino ``libraries/ESP8266HTTPClient/src/ESP8266HTTPClient.cpp``
``sendHeader``; arduino-esp32's ``HTTPClient.cpp`` is the same code):
``GET <path> HTTP/1.0``, ``Host``, ``User-Agent``, ``Connection: close``,
then the updater's headers in the order ``handleUpdate`` adds them
(``ESP8266httpUpdate.cpp`` / ``HTTPUpdate.cpp``, see ``docs/pull.md``).

The answer is treated as ``handleUpdate`` treats it: 200 needs a positive
Content-Length that fits the free space (a filesystem: the partition); a
sketch must start with 0xE9 (ESP8266: and its flash size byte must fit the
chip); the body must match ``x-MD5`` and, on ESP32, ``x-SHA256`` /
``x-SHA512`` when sent; then it "flashes" and reboots into the new sketch.
304 is "no updates", anything else a failure. ``available_version`` is
ESP8266's ``getAvailableVersion()`` (PR #8968): mode ``version``, 200 with
``x-version``.

A board can also misbehave on purpose: ``break_after`` closes mid-body,
``stall_after`` stops reading and keeps the connection open. ``rcvbuf``
bounds the receive window like lwIP's small TCP window, so the server cannot
push a whole image into the kernel of a board that does not read.

``user`` / ``password`` are ``setAuthorization(user, password)``: the updater
hands them to HTTPClient only when both are non-empty (``handleUpdate``), and
``sendHeader`` sends ``Authorization: Basic base64(user:password)`` on the
first request, after ``Connection`` and before the updater's headers.
Never imports the integration.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from enum import StrEnum
import hashlib
import socket
from typing import Final
from urllib.parse import urlsplit

from .config import Core
from .image import esp32_app_version

# The cores' Update class writes in pieces of about this size.
READ_CHUNK: Final = 4096
# The cores' HTTP timeout is 8 s (``_httpClientTimeout(8000)``).
DEFAULT_TIMEOUT: Final = 8.0
ESP_IMAGE_MAGIC: Final = 0xE9
# lwIP's TCP_WND on ESP8266 (4 * TCP_MSS): a board reads what it flashes.
LWIP_WINDOW: Final = 5840
# ESP.magicFlashChipSize(): the flash size nibble of an ESP8266 image header.
_ESP8266_FLASH_SIZES: Final = {
    0x0: 512 << 10,
    0x1: 256 << 10,
    0x2: 1 << 20,
    0x3: 2 << 20,
    0x4: 4 << 20,
    0x8: 8 << 20,
    0x9: 16 << 20,
}


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
    version: str | None = None
    """``getAvailableVersion()``: the server's ``x-version``."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A response as the board's HTTPClient parsed it."""

    status: int
    headers: dict[str, str]
    """Names lowercased (HTTPClient compares them case-insensitively)."""

    @property
    def length(self) -> int:
        """``http.getSize()``: Content-Length, -1 without one."""
        value = self.headers.get("content-length", "")
        return int(value) if value.isdigit() else -1


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
    # ESP32 core 3.x: the base MAC, and whether the chip has Wi-Fi (an H2, or
    # a P4 on Ethernet, sends no STA / AP MAC). None: an older core.
    base_mac: str | None = None
    wifi: bool = True
    sketch_sha256: str | None = None
    chip_id: int = 0x00AABBCC
    filesystem_size: int = 1 << 20
    filesystem: bytes = b""
    reboots: int = 0
    flashed: list[bytes] = field(default_factory=list)
    break_after: int | None = None
    stall_after: int | None = None
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    rcvbuf: int | None = LWIP_WINDOW
    user: str = ""
    password: str = ""

    @property
    def sketch_md5(self) -> str:
        """ESP.getSketchMD5() of the running sketch."""
        return hashlib.md5(self.sketch).hexdigest()  # noqa: S324 - the board's MD5

    def header_lines(self, mode: str = "sketch") -> list[tuple[str, str]]:
        """Return the updater's headers in the order ``handleUpdate`` adds them."""
        if self.core is Core.ESP8266:
            return self._esp8266_lines(mode)
        return self._esp32_lines(mode)

    def _esp8266_lines(self, mode: str) -> list[tuple[str, str]]:
        # ESP8266httpUpdate.cpp handleUpdate / getAvailableVersion.
        lines = [
            ("x-ESP8266-Chip-ID", str(self.chip_id)),
            ("x-ESP8266-STA-MAC", self.sta_mac),
            ("x-ESP8266-AP-MAC", self.ap_mac),
            ("x-ESP8266-free-space", str(self.free_space)),
            ("x-ESP8266-sketch-size", str(len(self.sketch))),
            ("x-ESP8266-sketch-md5", self.sketch_md5),
            ("x-ESP8266-chip-size", str(self.chip_size)),
            ("x-ESP8266-sdk-version", self.sdk_version),
            ("x-ESP8266-mode", mode),
        ]
        if self.version:
            lines.append(("x-ESP8266-version", self.version))
        return lines

    def _esp32_lines(self, mode: str) -> list[tuple[str, str]]:
        # HTTPUpdate.cpp handleUpdate (core 3.x: BASE-MAC, Wi-Fi MACs if any).
        lines = [("Cache-Control", "no-cache")]
        if self.base_mac is not None:
            lines.append(("x-ESP32-BASE-MAC", self.base_mac))
        if self.wifi:
            lines += [
                ("x-ESP32-STA-MAC", self.sta_mac),
                ("x-ESP32-AP-MAC", self.ap_mac),
            ]
        lines += [
            ("x-ESP32-free-space", str(self.free_space)),
            ("x-ESP32-sketch-size", str(len(self.sketch))),
        ]
        if self.send_md5:
            lines.append(("x-ESP32-sketch-md5", self.sketch_md5))
        if self.sketch_sha256:
            lines.append(("x-ESP32-sketch-sha256", self.sketch_sha256))
        lines += [
            ("x-ESP32-chip-size", str(self.chip_size)),
            ("x-ESP32-sdk-version", self.sdk_version),
            ("x-ESP32-mode", mode),
        ]
        if self.version:
            lines.append(("x-ESP32-version", self.version))
        return lines

    @property
    def user_agent(self) -> str:
        """``http.setUserAgent(...)`` of the core's updater."""
        if self.core is Core.ESP8266:
            return "ESP8266-http-Update"
        return "ESP32-http-Update"

    def headers(self, *, spiffs: bool = False) -> dict[str, str]:
        """Return the request headers as a mapping (for plain HTTP test clients)."""
        return {
            "User-Agent": self.user_agent,
            **dict(self.header_lines("spiffs" if spiffs else "sketch")),
        }

    def request(self, host: str, port: int, path: str, mode: str = "sketch") -> bytes:
        """Return the request bytes as HTTPClient::sendHeader builds them."""
        text = f"GET {path or '/'} HTTP/1.0\r\nHost: {host}"
        if port not in (80, 443):
            text += f":{port}"
        text += f"\r\nUser-Agent: {self.user_agent}\r\nConnection: close\r\n"
        if self.user and self.password:
            basic = base64.b64encode(f"{self.user}:{self.password}".encode())
            text += f"Authorization: Basic {basic.decode()}\r\n"
        text += "".join(
            f"{name}: {value}\r\n" for name, value in self.header_lines(mode)
        )
        return (text + "\r\n").encode("latin-1")

    async def update(
        self,
        url: str,
        *,
        spiffs: bool = False,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the client's own
    ) -> PullOutcome:
        """Call the server once, like ``ESPhttpUpdate.update(client, url, v)``."""
        reader, writer = await self._connect(url, "spiffs" if spiffs else "sketch")
        try:
            async with asyncio.timeout(timeout):
                answer = await _read_answer(reader)
                return await self._handle(answer, reader, spiffs=spiffs)
        finally:
            if self.stall_after is None:
                writer.close()

    async def available_version(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the client's own
    ) -> PullOutcome:
        """``ESPhttpUpdate.getAvailableVersion(...)``: 200 with ``x-version``."""
        reader, writer = await self._connect(url, "version")
        try:
            async with asyncio.timeout(timeout):
                answer = await _read_answer(reader)
        finally:
            writer.close()
        if answer.status != 200:
            return PullOutcome(PullResult.FAILED, answer.status, "http code")
        if "x-version" not in answer.headers:
            return PullOutcome(PullResult.FAILED, 200, "server did not report version")
        return PullOutcome(PullResult.UPDATED, 200, version=answer.headers["x-version"])

    async def _connect(
        self, url: str, mode: str
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or 80
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.rcvbuf is not None:
            # Set before connecting, so the window offered is small from the start.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=READ_CHUNK)
        writer.write(self.request(host, port, parts.path, mode))
        await writer.drain()
        return reader, writer

    async def _handle(
        self, answer: Answer, reader: asyncio.StreamReader, *, spiffs: bool
    ) -> PullOutcome:
        if answer.status == 304:
            return PullOutcome(PullResult.NO_UPDATES, 304)
        if answer.status != 200:
            return PullOutcome(PullResult.FAILED, answer.status, "http code")
        size = answer.length
        if size <= 0:
            return PullOutcome(PullResult.FAILED, 200, "no content length")
        room = self.filesystem_size if spiffs else self.free_space
        if size > room:
            # HTTP_UE_TOO_LESS_SPACE: the board closes after the headers.
            return PullOutcome(PullResult.FAILED, 200, "not enough space")
        body = await self._read_body(reader, size)
        if body is None:
            return PullOutcome(PullResult.FAILED, 200, "stopped reading")
        return self._flash(answer, body, spiffs=spiffs, size=size)

    async def _read_body(self, reader: asyncio.StreamReader, size: int) -> bytes | None:
        """Read like Update.writeStream; None when told to stop or break off."""
        body = bytearray()
        while len(body) < size:
            if self.break_after is not None and len(body) >= self.break_after:
                return None
            if self.stall_after is not None and len(body) >= self.stall_after:
                self.stalled.set()
                return None
            chunk = await reader.read(min(READ_CHUNK, size - len(body)))
            if not chunk:
                break
            body += chunk
        return bytes(body)

    def _flash(
        self, answer: Answer, body: bytes, *, spiffs: bool, size: int
    ) -> PullOutcome:
        if len(body) != size:
            return PullOutcome(PullResult.FAILED, 200, "short body")
        if not spiffs and (reason := self._bad_header(body)):
            return PullOutcome(PullResult.FAILED, 200, reason)
        if reason := self._bad_digest(answer, body):
            return PullOutcome(PullResult.FAILED, 200, reason)
        self.flashed.append(body)
        if spiffs:
            self.filesystem = body
        else:
            self._reboot_into(body)
        return PullOutcome(PullResult.UPDATED, 200)

    def _bad_header(self, body: bytes) -> str:
        if body[0] != ESP_IMAGE_MAGIC:
            return "magic byte"
        if self.core is Core.ESP8266 and len(body) >= 4:
            needed = _ESP8266_FLASH_SIZES.get(body[3] >> 4, 0)
            if needed > self.chip_size:
                return "new binary does not fit flash size"
        return ""

    def _bad_digest(self, answer: Answer, body: bytes) -> str:
        checks = {"x-md5": hashlib.md5}  # the Update class's MD5 check
        if self.core is Core.ESP32:
            # arduino-esp32 PRs #12824 (x-SHA256) and #12865 (x-SHA512).
            checks |= {"x-sha256": hashlib.sha256, "x-sha512": hashlib.sha512}
        for name, digest in checks.items():
            expected = answer.headers.get(name, "").lower()
            if expected and digest(body).hexdigest() != expected:
                return f"{name[2:]} mismatch"
        return ""

    def _reboot_into(self, image: bytes) -> None:
        self.sketch = image
        self.reboots += 1
        if self.core is Core.ESP32:
            self.version = esp32_app_version(image) or self.version


async def _read_answer(reader: asyncio.StreamReader) -> Answer:
    """Read the status line and the headers (HTTPClient::handleHeaderResponse)."""
    status_line = (await reader.readline()).decode("latin-1")
    parts = status_line.split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
    headers: dict[str, str] = {}
    while line := (await reader.readline()).decode("latin-1").strip():
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers)
