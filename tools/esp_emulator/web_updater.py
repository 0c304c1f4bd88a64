"""An emulated board running the cores' web updater, on 127.0.0.1.

Serves the form of ESP8266HTTPUpdateServer / arduino-esp32 HTTPUpdateServer at
the update path and handles the POST like them: Basic authentication when the
sketch set a username and password (401 ``Basic realm="Login Required"``),
arduino-esp32's Origin check, ``Update.begin`` with the free space, the success
page then a restart, or ``Update error: <printError text>``. Faults: an
injected board error text and an upload that breaks off (once) part-way.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
import signal
from typing import Final

from aiohttp import BodyPartReader, web

from .announce import Announcer, http_service_info
from .config import Core

FORM_PAGE: Final = """<!DOCTYPE html>
     <html lang='en'>
     <head>
         <meta charset='utf-8'>
         <meta name='viewport' content='width=device-width,initial-scale=1'/>
     </head>
     <body>
     <form method='POST' action='' enctype='multipart/form-data'>
         Firmware:<br>
         <input type='file' accept='.bin,.bin.gz' name='firmware'>
         <input type='submit' value='Update Firmware'>
     </form>
     <form method='POST' action='' enctype='multipart/form-data'>
         FileSystem:<br>
         <input type='file' accept='.bin,.bin.gz' name='filesystem'>
         <input type='submit' value='Update FileSystem'>
     </form>
     </body>
     </html>"""
# ESP8266 core 2.4-era page: one form, one field named "update".
LEGACY_FORM_PAGE: Final = (
    "<html><body><form method='POST' action='' enctype='multipart/form-data'>"
    "<input type='file' name='update'><input type='submit' value='Update'>"
    "</form></body></html>"
)
SUCCESS_PAGE: Final = (
    '<META http-equiv="refresh" content="15;URL=/">Update Success! Rebooting...'
)
CHALLENGE: Final = 'Basic realm="Login Required"'
READ_CHUNK: Final = 1460


@dataclass
class WebUpdaterConfig:
    """What the emulated sketch set up."""

    core: Core = Core.ESP8266
    path: str = "/update"
    username: str | None = None
    password: str | None = None
    password_file: Path | None = None
    """Read the password from this file at every request instead: the demo
    changes it there, as if the board were flashed with new credentials."""
    legacy_form: bool = False
    free_space: int = 1024 * 1024
    filesystem_size: int = 1024 * 1024
    version: str | None = "1.0.0"
    version_for_image: Callable[[bytes], str | None] | None = None
    reboot_delay: float = 0.05
    board_error: str | None = None
    """printError() text the next upload fails with (then cleared)."""
    interrupt_after: int | None = None
    """Drop the connection (once) after this many image bytes."""
    flash_speed: float | None = None
    """Bytes per second Update.write() takes on the board; None: instant."""
    end_delay: float = 0.0
    """Seconds Update.end() (MD5 check, boot partition switch) takes before the answer."""
    on_reboot: list[Callable[[str | None], None]] = field(default_factory=list)
    host: str = "127.0.0.1"
    """The loopback address it serves on (a board has its own address)."""


def _error_text(core: Core, code: int, text: str) -> str:
    """Update.printError(): ESP8266 prefixes the error number, ESP32 does not."""
    return f"ERROR[{code}]: {text}\n" if core is Core.ESP8266 else f"{text}\r\n"


class WebUpdaterEmulator:
    """One emulated board's HTTP server."""

    def __init__(self, config: WebUpdaterConfig | None = None) -> None:
        """Create a stopped board; ``start()`` binds a loopback port."""
        self.config = config or WebUpdaterConfig()
        self.version = self.config.version
        self.received_images: list[bytes] = []
        self.received_filesystems: list[bytes] = []
        self.requests: list[tuple[str, str]] = []
        """(method, path) of every request, in order."""
        self.uploads_started = 0
        self.rebooted = asyncio.Event()
        self.received_all = asyncio.Event()
        """Set when an upload has every byte, before the board answers."""
        self.rebooting = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The TCP port the board serves on."""
        return self._port

    async def start(self, port: int = 0) -> None:
        """Listen on the configured loopback address (127.0.0.1 by default)."""
        app = web.Application(middlewares=[self._record])
        app.router.add_get(self.config.path, self._handle_get)
        app.router.add_post(self.config.path, self._handle_post)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving and cancel a pending reboot."""
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _record(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Log every request, also those to paths the sketch does not serve."""
        self.requests.append((request.method, request.path))
        return await handler(request)

    def _authenticated(self, request: web.Request) -> bool:
        """WebServer::authenticate() for Basic (the cores also take Digest)."""
        username, password = self.config.username, self.config.password
        if self.config.password_file is not None:
            password = self.config.password_file.read_text(encoding="utf-8").strip()
        if not username or not password:
            return True
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded == f"{username}:{password}"

    def _drop_if_rebooting(self, request: web.Request) -> None:
        if self.rebooting and request.transport is not None:
            # A restarting board accepts nothing: the connection just dies.
            request.transport.close()
            raise web.HTTPServiceUnavailable

    async def _handle_get(self, request: web.Request) -> web.StreamResponse:
        self._drop_if_rebooting(request)
        if not self._authenticated(request):
            return self._challenge()
        page = LEGACY_FORM_PAGE if self.config.legacy_form else FORM_PAGE
        return web.Response(text=page, content_type="text/html")

    def _challenge(self) -> web.Response:
        return web.Response(
            status=401,
            headers={"WWW-Authenticate": CHALLENGE},
            content_type="text/html",
        )

    def _origin_ok(self, request: web.Request) -> bool:
        """arduino-esp32: Origin must be "http://" + Host (ESP8266 has no check)."""
        if self.config.core is Core.ESP8266:
            return True
        return request.headers.get("Origin") == f"http://{request.headers.get('Host')}"

    async def _handle_post(self, request: web.Request) -> web.StreamResponse:
        self._drop_if_rebooting(request)
        authenticated = self._authenticated(request)
        origin_ok = self._origin_ok(request)
        reader = await request.multipart()
        part = await reader.next()
        if not isinstance(part, BodyPartReader):
            return web.Response(text="Update error: No data supplied")
        name = part.name or ""
        if authenticated and origin_ok:
            self.uploads_started += 1
        image = bytearray()
        while chunk := await part.read_chunk(READ_CHUNK):
            image += chunk
            if self.config.flash_speed:
                await asyncio.sleep(len(chunk) / self.config.flash_speed)
            limit = self.config.interrupt_after
            if authenticated and limit is not None and len(image) >= limit:
                self.config.interrupt_after = None
                # Wi-Fi dropped or the board crashed: no answer at all.
                if request.transport is not None:
                    request.transport.close()
                raise web.HTTPServiceUnavailable
        if not authenticated or not origin_ok:
            if not origin_ok and not self.config.username:
                return web.Response(
                    text="Update error: Wrong origin received!",
                    content_type="text/html",
                )
            return self._challenge()
        self.received_all.set()
        if self.config.end_delay:
            await asyncio.sleep(self.config.end_delay)
        if error := self._update_error(name, bytes(image)):
            return web.Response(text=f"Update error: {error}", content_type="text/html")
        if name == "filesystem":
            self.received_filesystems.append(bytes(image))
        else:
            self.received_images.append(bytes(image))
        response = web.Response(text=SUCCESS_PAGE, content_type="text/html")
        response.force_close()
        self.rebooting = True
        task = asyncio.get_running_loop().create_task(self._reboot(bytes(image), name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response

    def _update_error(self, name: str, image: bytes) -> str | None:
        core = self.config.core
        if self.config.board_error is not None:
            text, self.config.board_error = self.config.board_error, None
            return text
        space = (
            self.config.filesystem_size
            if name == "filesystem"
            else self.config.free_space
        )
        if len(image) > space:
            return _error_text(core, 4, "Not Enough Space")
        if name != "filesystem" and image[:1] != b"\xe9":
            if core is Core.ESP8266:
                return _error_text(core, 10, "Magic byte is wrong, not 0xE9")
            return _error_text(core, 6, "Wrong Magic Byte")
        return None

    async def _reboot(self, image: bytes, name: str) -> None:
        await asyncio.sleep(self.config.reboot_delay)
        if name != "filesystem":
            make_version = self.config.version_for_image
            self.version = make_version(image) if make_version else self.version
        self.rebooting = False
        self.rebooted.set()
        for callback in self.config.on_reboot:
            callback(self.version)


async def run_web_boards(args: argparse.Namespace, hostnames: list[str]) -> None:
    """Serve one web updater board per host name until --run-for or a signal."""
    boards: list[WebUpdaterEmulator] = []
    announcer = Announcer() if args.announce else None
    if announcer is not None:
        await announcer.start()
    for hostname in hostnames:
        board = WebUpdaterEmulator(
            WebUpdaterConfig(
                core=args.core,
                username=args.username,
                password=args.password,
                password_file=args.password_file,
                free_space=args.free_space,
                version=args.board_version,
                reboot_delay=1.0,
                host=args.host,
            )
        )
        await board.start(args.port + len(boards) if args.port else 0)
        boards.append(board)
        if announcer is not None:
            await announcer.add_service(
                http_service_info(hostname, args.host, board.port)
            )
        print(
            f"{hostname}: {args.core.value} web updater on "
            f"http://{args.host}:{board.port}{board.config.path}",
            flush=True,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Signal handlers only exist in the main thread (tests run us elsewhere).
        with contextlib.suppress(RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.run_for):
            await stop.wait()
    for board in boards:
        await board.stop()
    if announcer is not None:
        await announcer.stop()
