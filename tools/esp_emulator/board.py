"""An in-process emulated ESP8266/ESP32 board speaking ArduinoOTA over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import re
import secrets
from typing import Self

from .config import AuthVariant, BoardConfig, Core, Fault, StoredHash
from .image import esp32_app_version, md5_hex
from .session import ESP8266_CONNECT_DELAY, Invitation, Outcome, Session, error_text

_LOGGER = logging.getLogger(__name__)

U_FLASH, U_SPIFFS, U_AUTH = 0, 100, 200
_INT_RE = re.compile(rb" *(\d*)")
PBKDF2_ROUNDS = 10_000


def _parse_int(data: bytes, pos: int) -> tuple[int, int]:
    """ArduinoOTAClass::parseInt(): skip spaces, read digits (atoi of '' is 0)."""
    match = _INT_RE.match(data, pos)
    digits = match.group(1) if match else b""
    end = match.end() if match else pos
    return (int(digits) if digits else 0), end


def _read_until(data: bytes, pos: int, end: bytes) -> tuple[str, int]:
    stop = data.find(end, pos)
    stop = len(data) if stop < 0 else stop
    return data[pos:stop].split(b"\0", 1)[0].decode("latin-1"), stop + 1


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, board: BoardEmulator) -> None:
        self.board = board

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.board.on_datagram(data, (str(addr[0]), int(addr[1])))


class BoardEmulator:
    """An ArduinoOTA board: UDP invitations, TCP connect-back, flash, reboot."""

    def __init__(self, config: BoardConfig | None = None) -> None:
        """Create a stopped board; ``start()`` binds its UDP port."""
        self.config = config or BoardConfig()
        self.version: str | None = self.config.version
        self.received_images: list[bytes] = []
        self.received_filesystems: list[bytes] = []
        self.invitations: list[bytes] = []
        """Every datagram the board saw, in order (invitations and auth answers)."""
        self.errors: list[str] = []
        """onError() kinds in order: AUTH, BEGIN, CONNECT, RECEIVE, END."""
        self.state = "idle"
        self.flashed = asyncio.Event()
        self.rebooted = asyncio.Event()
        self.session_ended = asyncio.Event()
        self.received_all = asyncio.Event()
        """Set when a session has every byte, before its final answer."""
        self.datagram_seen = asyncio.Event()
        """Set on every datagram the board receives (even while it ignores it)."""
        self.busy = asyncio.Event()
        """Set while an upload session runs."""
        self._transport: asyncio.DatagramTransport | None = None
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: Invitation | None = None
        self._reply_to: tuple[str, int] | None = None
        self._nonce = ""
        self._session: Session | None = None

    def bytes_received(self) -> int:
        """Bytes of the current (or last) upload the board's TCP stack took in."""
        return self._session.received() if self._session is not None else 0

    @property
    def port(self) -> int:
        """The UDP OTA port the board listens on."""
        if self._transport is None:
            msg = "board not started"
            raise RuntimeError(msg)
        return int(self._transport.get_extra_info("sockname")[1])

    async def start(self) -> None:
        """Bind the OTA port on the configured address."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=(self.config.host, self.config.port)
        )
        self._transport = transport

    async def stop(self) -> None:
        """Close the OTA port and end any session; nothing is left running."""
        self._stop.set()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.sleep(0)

    async def __aenter__(self) -> Self:
        """Start the board."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the board."""
        await self.stop()

    # -- UDP: ArduinoOTAClass::_onRx -------------------------------------
    def _send(self, text: str, addr: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(text.encode(), addr)

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """Handle one datagram the way ``_onRx`` does in the current state."""
        self.datagram_seen.set()
        if self.config.fault is Fault.SILENT:
            return
        if self.state == "idle":
            self.invitations.append(data)
            self._on_invitation(data, addr)
        elif self.state == "waitauth":
            self.invitations.append(data)
            self._on_auth(data, addr)
        # busy, rebooting or gone: ignored, like a board inside _runUpdate()

    def _on_invitation(self, data: bytes, addr: tuple[str, int]) -> None:
        cmd, pos = _parse_int(data, 0)
        if cmd not in (U_FLASH, U_SPIFFS):
            return
        port, pos = _parse_int(data, pos)
        size, pos = _parse_int(data, pos)
        md5, _ = _read_until(data, pos + 1, b"\n")
        md5 = md5.strip()
        if len(md5) != 32:
            return
        self._pending = Invitation(cmd, addr[0], port, size, md5)
        self._reply_to = addr
        if self.config.password or self.config.password_hash:
            if self.config.auth_variant is AuthVariant.PBKDF2_SHA256:
                self._nonce = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
            else:
                self._nonce = md5_hex(secrets.token_bytes(16))
            self._send(f"AUTH {self._nonce}", addr)
            self.state = "waitauth"
            return
        self._run_update()

    def _stored_hash(self) -> str:
        """Return the hash the board keeps (setPasswordHash() or setPassword())."""
        if self.config.password_hash:
            return self.config.password_hash
        password = (self.config.password or "").encode()
        if (
            self.config.auth_variant is AuthVariant.MD5
            or self.config.stored_hash is StoredHash.MD5
        ):
            return md5_hex(password)
        return hashlib.sha256(password).hexdigest()

    def _expected_response(self, cnonce: str) -> str:
        passhash = self._stored_hash()
        if self.config.auth_variant is AuthVariant.MD5:
            return md5_hex(f"{passhash}:{self._nonce}:{cnonce}".encode())
        salt = f"{self._nonce}:{cnonce}".encode()
        key = hashlib.pbkdf2_hmac("sha256", passhash.encode(), salt, PBKDF2_ROUNDS)
        return hashlib.sha256(
            f"{key.hex()}:{self._nonce}:{cnonce}".encode()
        ).hexdigest()

    def _on_auth(self, data: bytes, addr: tuple[str, int]) -> None:
        cmd, pos = _parse_int(data, 0)
        if cmd != U_AUTH:
            self.state = "idle"
            return
        cnonce, pos = _read_until(data, pos + 1, b" ")
        response, _ = _read_until(data, pos, b"\n")
        length = 32 if self.config.auth_variant is AuthVariant.MD5 else 64
        if len(cnonce) != length or len(response) != length:
            self.state = "idle"
            return
        expected = self._expected_response(cnonce)
        if self.config.fault is Fault.WRONG_PASSWORD or not secrets.compare_digest(
            expected, response
        ):
            self._send("Authentication Failed", addr)
            self.errors.append("AUTH")
            self.state = "idle"
            return
        self._reply_to = addr
        self._run_update()

    # -- TCP: ArduinoOTAClass::_runUpdate ---------------------------------
    def _run_update(self) -> None:
        invitation = self._pending
        reply_to = self._reply_to
        if (
            invitation is None or reply_to is None
        ):  # pragma: no cover - guarded by callers
            return
        self.state = "busy"
        self.busy.set()
        self.session_ended.clear()
        if self.config.core is Core.ESP32:
            # ESP32 says OK at once; Update.begin() runs at the next loop().
            self._send("OK", reply_to)
        task = asyncio.get_running_loop().create_task(
            self._update(invitation, reply_to)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _update(self, invitation: Invitation, reply_to: tuple[str, int]) -> None:
        self.received_all.clear()
        session = Session(
            self.config,
            invitation,
            self._stop,
            lambda image: self._store(invitation, image),
            self.received_all,
        )
        self._session = session
        outcome: Outcome | None = None
        try:
            code = session.begin_error()
            if code is not None:
                self.errors.append("BEGIN")
                if self.config.core is Core.ESP8266:
                    self._send(f"ERR: {error_text(Core.ESP8266, code)}", reply_to)
                return
            if self.config.core is Core.ESP8266:
                self._send("OK", reply_to)
            delay = self.config.connect_delay_s
            if delay is None:
                delay = (
                    ESP8266_CONNECT_DELAY if self.config.core is Core.ESP8266 else 0.0
                )
            if delay:
                await asyncio.sleep(delay)
            outcome = await session.run()
            if outcome.error:
                self.errors.append(outcome.error)
        finally:
            if outcome is not None and outcome.ok:
                self._flashed(invitation, outcome.image)
            else:
                self.state = "idle"
            self.busy.clear()
            self.session_ended.set()

    def _store(self, invitation: Invitation, image: bytes) -> None:
        """Record an image Update.end() accepted (the flash now holds it)."""
        if invitation.command == U_FLASH:
            self.received_images.append(image)
        else:
            self.received_filesystems.append(image)

    def _flashed(self, invitation: Invitation, image: bytes) -> None:
        if invitation.command == U_FLASH and self.config.fault is not Fault.ROLLBACK:
            new_version = self._version_of(image)
        else:
            new_version = self.version
        self.flashed.set()
        if self.config.fault is Fault.GONE:
            self.state = "gone"
            task = asyncio.get_running_loop().create_task(self._vanish())
        else:
            self.state = "rebooting"
            task = asyncio.get_running_loop().create_task(self._reboot(new_version))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _version_of(self, image: bytes) -> str | None:
        """Derive the running version after a flash, as the real board would."""
        if self.config.core is Core.ESP32:
            return esp32_app_version(image)
        if self.config.version_for_image is not None:
            return self.config.version_for_image(image)
        return md5_hex(image)

    async def _vanish(self) -> None:
        """Stay away for good: ignore every datagram, drop the mDNS records."""
        for hook in self.config.on_gone:
            result = hook(None)
            if inspect.isawaitable(result):
                await result
        _LOGGER.debug("%s did not come back from its update", self.config.hostname)

    async def _reboot(self, new_version: str | None) -> None:
        await asyncio.sleep(self.config.reboot_delay)
        self.version = new_version
        for hook in self.config.on_reboot:
            result = hook(new_version)
            if inspect.isawaitable(result):
                await result
        self.state = "idle"
        self.rebooted.set()
        _LOGGER.debug("%s rebooted with version %s", self.config.hostname, new_version)
