"""One upload as the board runs it: connect back, receive, flash, verify.

Mirrors ``ArduinoOTAClass::_runUpdate`` of both cores (see docs/espota.md for
the upstream files and commits this follows):

- esp8266/Arduino ``libraries/ArduinoOTA/ArduinoOTA.cpp`` at master (f946290)
  and at 616d6b14 (the end of a good upload differs, ``EndSequence``), and
  ``cores/esp8266/Updater.h`` ``write(T&)``: read while ``client.available()``
  after ``delay(1)``, one count per such burst;
- espressif/arduino-esp32 ``libraries/ArduinoOTA/src/ArduinoOTA.cpp``
  (2d0a597e): at most 1460 bytes per read, one count per read, the last count
  re-sent after ``_ota_timeout`` of silence up to 3 times; ``Update.end()``
  refuses an image the bootloader could not boot (``esp_image_verify`` inside
  ``esp_ota_set_boot_partition``: "Could Not Activate The Firmware").
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import socket

from .config import BoardConfig, Core, EndSequence, Fault, default_free_space
from .image import esp32_bootable, md5_hex
from .wire import DelayedWriter, available, wait_readable

SECTOR = 4096
"""Flash sector and Updater buffer size on both cores."""
ESP32_READ = 1460
"""arduino-esp32 reads at most this many bytes per loop (static buf[1460])."""
ESP32_RETRIES = 3
"""arduino-esp32 re-sends the last count this many times before giving up."""
ESP8266_END_DELAY = 1.0
"""ESP8266: each delay(1000) around the final OK."""
ESP8266_CONNECT_DELAY = 0.1
"""ESP8266 waits delay(100) after sending OK before connecting back."""
MSS = 1460
SCHEDULER_SLACK = 0.002
"""Lateness (s) still counted as 'flash kept busy' rather than 'flash idle'."""

# Update.printError() texts. ESP8266 prefixes "ERROR[<code>]: ".
ESP8266_ERRORS = {
    4: "Not Enough Space",
    5: "Bad Size Given",
    7: "MD5 Check Failed",
    10: "Magic byte is wrong, not 0xE9",
}
ESP32_ERRORS = {
    4: "Not Enough Space",
    5: "Bad Size Given",
    7: "MD5 Check Failed",
    8: "Wrong Magic Byte",
    9: "Could Not Activate The Firmware",
}
SPACE, SIZE, MD5, MAGIC_8266, MAGIC_32, ACTIVATE = 4, 5, 7, 10, 8, 9


def error_text(core: Core, code: int) -> str:
    """Return what Update.printError() prints for ``code`` on ``core``."""
    if core is Core.ESP8266:
        return f"ERROR[{code}]: {ESP8266_ERRORS[code]}\r\n"
    return f"{ESP32_ERRORS[code]}\r\n"


@dataclass(slots=True)
class Invitation:
    """What the board parsed from an accepted invitation."""

    command: int
    host: str
    port: int
    size: int
    md5: str


@dataclass(slots=True)
class Outcome:
    """How a session ended."""

    ok: bool
    image: bytes = b""
    error: str | None = None
    """onError() kind: BEGIN, CONNECT, RECEIVE, END."""
    progress: list[int] = field(default_factory=list)


class Session:
    """Receive one image over TCP the way the configured core does."""

    def __init__(
        self, config: BoardConfig, invitation: Invitation, stop: asyncio.Event
    ) -> None:
        """Prepare to receive ``invitation``'s image."""
        self.config = config
        self.inv = invitation
        self.stop = stop
        self.buffer = bytearray()
        self.magic_error = False
        self._busy_until = 0.0
        self._sock: socket.socket | None = None

    def received(self) -> int:
        """Bytes this board's TCP stack took in: read by the sketch or queued."""
        queued = available(self._sock) if self._sock is not None else None
        return len(self.buffer) + (queued or 0)

    def begin_error(self) -> int | None:
        """Return the Update.begin() error code, or None when it succeeds."""
        free = self.config.free_space
        if free is None:
            free = default_free_space(self.config.core)
        if self.config.fault is Fault.REFUSE or self.inv.size > free:
            return SPACE
        if self.inv.size <= 0:
            return SIZE
        return None

    async def run(self) -> Outcome:
        """Connect back, receive, verify; the socket is closed on every path."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if self.config.recv_window:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_RCVBUF, self.config.recv_window
            )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer: DelayedWriter | None = None
        self._sock = sock
        try:
            try:
                async with asyncio.timeout(3.0):
                    await loop.sock_connect(sock, (self.inv.host, self.inv.port))
            except (OSError, TimeoutError):
                return Outcome(ok=False, error="CONNECT")
            writer = DelayedWriter(sock, self.config.rtt_s)
            if self.config.core is Core.ESP32:
                outcome = await self._receive_esp32(sock, writer)
            else:
                outcome = await self._receive_esp8266(sock, writer)
            if outcome is None:
                return Outcome(ok=False, error="RECEIVE")
            if outcome.error is None:
                outcome = await self._end(writer)
            await writer.flush()
            writer = None
            await self._linger(outcome)
            return outcome
        finally:
            if writer is not None:
                await writer.cancel()
            self._sock = None
            sock.close()

    # -- flash timing ---------------------------------------------------
    async def _flash(self, nbytes: int) -> None:
        """Spend the time writing ``nbytes`` takes (and erasing new sectors)."""
        cfg = self.config
        before = len(self.buffer) - nbytes
        sectors = len(self.buffer) // SECTOR - before // SECTOR
        if len(self.buffer) == self.inv.size and len(self.buffer) % SECTOR:
            sectors += 1
        delay = sectors * cfg.sector_erase_s
        if cfg.flash_speed:
            delay += nbytes / cfg.flash_speed
        if cfg.fault is Fault.SLOW:
            delay = max(delay, nbytes / 100_000) * cfg.slow_factor
        if delay <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        # A deadline clock: the late wake-up of one sleep (timer granularity,
        # Python overhead) is paid back on the next, unless the flash really
        # sat idle waiting for data, in which case the chain restarts now.
        if now - self._busy_until > SCHEDULER_SLACK:
            self._busy_until = now
        self._busy_until += delay
        await asyncio.sleep(max(0.0, self._busy_until - loop.time()))

    def _accept(self, data: bytes) -> int:
        """Update.write(): store data; 0 once the image is known to be bad."""
        if self.inv.command == 0 and not self.buffer and data[:1] != b"\xe9":
            self.magic_error = True
        if self.magic_error and self.config.core is Core.ESP32:
            return 0
        self.buffer += data
        return len(data)

    async def _fault_strikes(self, sock: socket.socket) -> bool:
        """Apply DROP/STALL once enough arrived; True when the session must end."""
        cfg = self.config
        if cfg.fault not in (Fault.DROP, Fault.STALL):
            return False
        if len(self.buffer) < cfg.fault_at * self.inv.size:
            return False
        if cfg.fault is Fault.STALL:
            await self.stop.wait()
            return True
        # Reset rather than FIN: a board that drops off Wi-Fi never says goodbye.
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        return True

    # -- ESP32: libraries/ArduinoOTA/src/ArduinoOTA.cpp -----------------
    async def _receive_esp32(
        self, sock: socket.socket, writer: DelayedWriter
    ) -> Outcome | None:
        written = 0
        tried = 0
        while len(self.buffer) < self.inv.size:
            if not await wait_readable(sock, self.config.ota_timeout_s):
                if written and tried < ESP32_RETRIES:
                    tried += 1
                    writer.send(str(written))
                    continue
                return None  # "Receive Failed": Update.abort(), no text
            try:
                data = sock.recv(ESP32_READ)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                return Outcome(ok=False, error="END")  # client gone: premature end
            tried = 0
            written = self._accept(data)
            if written:
                await self._flash(written)
                writer.send(str(written))
            if await self._fault_strikes(sock):
                return Outcome(ok=False, error="RECEIVE")
        return Outcome(ok=True)

    # -- ESP8266: libraries/ArduinoOTA/ArduinoOTA.cpp + Updater::write(T&) --
    async def _receive_esp8266(
        self, sock: socket.socket, writer: DelayedWriter
    ) -> Outcome | None:
        while len(self.buffer) < self.inv.size:
            if not await wait_readable(sock, self.config.ota_timeout_s):
                return None  # "Receive Failed" after 1000 ms without data
            written = await self._write_available(sock)
            if written is None:
                return Outcome(ok=False, error="END")
            if written > 0:
                writer.send(str(written))
            if await self._fault_strikes(sock):
                return Outcome(ok=False, error="RECEIVE")
        return Outcome(ok=True)

    async def _write_available(self, sock: socket.socket) -> int | None:
        """Updater::write(Stream&): take what is available, flushing full sectors."""
        written = 0
        pending = len(self.buffer) % SECTOR
        avail = available(sock)
        if avail is None:
            return None
        while avail:
            left = self.inv.size - len(self.buffer)
            take = min(avail, left, SECTOR - pending)
            data = sock.recv(take)
            if not data:
                return written
            self._accept(data)
            written += len(data)
            pending = (pending + len(data)) % SECTOR
            if pending == 0 or len(self.buffer) == self.inv.size:
                await self._flash(SECTOR if pending == 0 else pending)
            if len(self.buffer) == self.inv.size:
                return written
            if await self._fault_due():
                return written
            await asyncio.sleep(0.001)  # delay(1)
            avail = available(sock) or 0
        return written

    async def _fault_due(self) -> bool:
        cfg = self.config
        return (
            cfg.fault in (Fault.DROP, Fault.STALL)
            and len(self.buffer) >= cfg.fault_at * self.inv.size
        )

    def _end_delay(self) -> float:
        """Return one of the ESP8266's delay(1000) calls around the final OK."""
        if self.config.end_delay_s is not None:
            return self.config.end_delay_s
        return ESP8266_END_DELAY if self.config.core is Core.ESP8266 else 0.0

    def _end_error(self, image: bytes) -> int | None:
        """Update.end(): the error code, or None when the image is accepted."""
        core = self.config.core
        if self.magic_error:
            return MAGIC_8266 if core is Core.ESP8266 else MAGIC_32
        if self.config.fault is Fault.MD5_MISMATCH or md5_hex(image) != self.inv.md5:
            return MD5
        if core is Core.ESP32 and self.inv.command == 0 and not esp32_bootable(image):
            return ACTIVATE
        return None

    async def _end(self, writer: DelayedWriter) -> Outcome:
        """Update.end(), then OK or printError() the way the core's version does."""
        core = self.config.core
        image = bytes(self.buffer)
        code = self._end_error(image)
        if code is not None:
            writer.send(error_text(core, code))
            return Outcome(ok=False, error="END")
        if core is Core.ESP8266 and self.config.end_sequence is EndSequence.MASTER:
            # f946290: client.flush(); delay(1000); client.print("OK"); ...
            await writer.drain()
            await asyncio.sleep(self._end_delay())
        writer.send("OK")
        return Outcome(ok=True, image=image)

    async def _linger(self, outcome: Outcome) -> None:
        """Wait after OK before client.stop() (master; 616d6b14 waits after it)."""
        if not outcome.ok or self.config.core is not Core.ESP8266:
            return
        if self.config.end_sequence is EndSequence.MASTER:
            await asyncio.sleep(self._end_delay())
