"""Start and stop the whole demo: Home Assistant, the boards, the firmware.

``DemoStack`` owns every process it starts. Each child runs in a session of
its own, so a Ctrl-C reaches the stack only and it stops the children in
order (Home Assistant first, then the boards); a child that ignores SIGTERM is
killed after STOP_TIMEOUT. ``scripts/demo`` also runs the stack as the first
process of a private PID namespace: if the stack itself dies, the kernel kills
whatever is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import contextlib
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path
import sys
from typing import Any, Final, Self

import aiohttp

from .boards import (
    BARN_BOARD,
    LOFT_BOARD,
    PULL_BOARD,
    PULL_URL_VARIABLE,
    PUSH_BOARDS,
    WEB_BOARD,
    BoardSpec,
    PullBoardSpec,
    WebBoardSpec,
    emulator_command,
    password_file,
    pull_board_command,
    web_board_command,
)
from .haconfig import (
    REPO,
    place_demo_firmware,
    place_demo_source,
    place_failing_source,
    write_config,
    write_store_faults,
)
from .hass_api import HassApi
from .netns import assert_private_network
from .relay import unix_to_tcp

_LOGGER = logging.getLogger(__name__)

DOMAIN: Final = "esp_ota"
USERNAME: Final = "demo"
PASSWORD: Final = "demo"  # noqa: S105 - the demo's documented throwaway login

# A first start writes .storage and loads the frontend: ~20 s on 2 cores,
# several times that on a busy CI machine.
HA_START_TIMEOUT: Final = 180.0
# HA's zeroconf browser and the emulator's announcer meet within a second or
# two on loopback; a discovery flow also waits for HA to finish starting.
DISCOVERY_TIMEOUT: Final = 90.0
# Home Assistant saves its state on SIGTERM; give it time before SIGKILL.
STOP_TIMEOUT: Final = 30.0


@dataclass
class DemoStack:
    """Home Assistant with esp_ota, emulated boards and staged demo firmware."""

    run_dir: Path
    port: int = 8123
    flash_speed: float = 40_000.0
    relay_socket: Path | None = None
    """Also serve Home Assistant on this Unix socket (for a browser outside)."""
    boards: tuple[BoardSpec, ...] = PUSH_BOARDS
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    pull: PullBoardSpec | None = PULL_BOARD
    """The pull-mode board; None leaves the pull server off."""
    cramped_pull: PullBoardSpec | None = LOFT_BOARD
    """A pull board without room for the demo firmware; None: no such board."""
    store_faults: bool = False
    """Start with esp_ota stores that each raise a repair (write_store_faults)."""
    web: WebBoardSpec | None = WEB_BOARD
    """The web updater board (a person adds it by hand); None: no such board."""
    discovered_web: WebBoardSpec | None = BARN_BOARD
    """A web updater board that announces itself (left discovered)."""
    _relay: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """Home Assistant's URL inside the namespace."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_dir(self) -> Path:
        """The throwaway Home Assistant configuration."""
        return self.run_dir / "config"

    async def __aenter__(self) -> Self:
        """Start everything; on any failure stop what already runs."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop everything."""
        await self.stop()

    async def start(self) -> None:
        """Start Home Assistant and the boards; return when the demo is ready."""
        assert_private_network()
        devices = [spec.hostname for spec in self.boards if spec.on_dashboard]
        if self.web is not None:
            devices.append(self.web.device)
            place_demo_firmware(self.config_dir, self.web.device)
        for pull in self._pull_boards:
            # Its device and entities take the entry's name; its watched
            # folder keeps esp_ota's host name (esp- and the MAC digits).
            devices.append(pull.hostname)
            place_demo_firmware(self.config_dir, pull.device)
        pushed = [spec.hostname for spec in self.boards if spec.on_dashboard]
        if self.web is not None:
            pushed.append(self.web.device)
        write_config(self.config_dir, self.port, devices, pushed)
        if self.store_faults:
            write_store_faults(self.config_dir)
        for spec in self.boards:
            if spec.on_dashboard and not spec.firmware_source:
                place_demo_firmware(self.config_dir, spec.hostname)
        sources = {
            spec.hostname: place_demo_source(self.config_dir, spec.hostname)
            for spec in self.boards
            if spec.auto_add and spec.firmware_source
        }
        failing = {
            spec.hostname: place_failing_source(self.config_dir, spec.hostname)
            for spec in self.boards
            if spec.auto_add and spec.failing_source
        }
        await self._spawn(
            "home-assistant",
            [
                sys.executable,
                "-m",
                "homeassistant",
                "-c",
                str(self.config_dir),
                "--skip-pip",
            ],
            # Not the repository: with it on the path, Home Assistant finds
            # custom integrations only in its custom_components, not in the
            # configuration's (where the demo settings are linked).
            cwd=self.config_dir,
        )
        for spec in self.boards:
            await self._spawn(spec.hostname, emulator_command(spec, self.flash_speed))
        if self.web is not None:
            # Its password lives in a file, so that it can change while it runs.
            secret = password_file(self.run_dir, self.web)
            secret.write_text(self.web.password, "utf-8")
            await self._spawn(self.web.hostname, web_board_command(self.web, secret))
        if self.discovered_web is not None:
            web = self.discovered_web
            await self._spawn(web.hostname, web_board_command(web))
        async with aiohttp.ClientSession() as session:
            api = HassApi(session, self.url)
            async with asyncio.timeout(HA_START_TIMEOUT):
                await self._watch(api.wait_until_up())
            await api.onboard(name="Demo", username=USERNAME, password=PASSWORD)
            async with asyncio.timeout(DISCOVERY_TIMEOUT):
                entries = {
                    spec.hostname: await self._add_push_board(
                        api, spec, sources.get(spec.hostname)
                    )
                    for spec in self.boards
                    if spec.auto_add
                }
                for hostname, (path, manifest) in failing.items():
                    await self._break_source(api, entries[hostname], path, manifest)
                if self._pull_boards:
                    if not entries:
                        message = "the pull server's options need a board added first"
                        raise RuntimeError(message)
                    url = await api.enable_pull_server(next(iter(entries.values())))
                    for pull in self._pull_boards:
                        await self._start_pull_board(api, pull, url)
        if self.relay_socket is not None:
            self._relay = await unix_to_tcp(self.relay_socket, "127.0.0.1", self.port)

    async def _add_push_board(
        self, api: HassApi, spec: BoardSpec, source: str | None
    ) -> str:
        """Add the discovered ``spec`` as a person would; return its entry id.

        ``source`` (a path on Home Assistant) becomes the board's firmware
        source, as a CI pipeline would set it with the action.
        """
        flow_id = await self._watch(api.wait_for_discovery(DOMAIN, spec.hostname))
        answers: list[dict[str, str]] = [{}]
        if spec.password:
            answers.append({"password": spec.password})
        entry_id = await api.finish_flow(flow_id, answers)
        if source is not None:
            await api.set_firmware_source(entry_id, f"{self.url}{source}")
        return entry_id

    @property
    def _pull_boards(self) -> list[PullBoardSpec]:
        return [p for p in (self.pull, self.cramped_pull) if p is not None]

    async def _break_source(
        self, api: HassApi, entry_id: str, path: str, manifest: Path
    ) -> None:
        """Set a board's firmware source, then take its manifest away.

        As when a publisher moves its files: every later check fails (404),
        and the third failure in a row raises the "keeps failing" repair.
        """
        await api.set_firmware_source(
            entry_id, f"{self.url}{path}", expect="up_to_date"
        )
        await asyncio.to_thread(manifest.unlink)

    async def _start_pull_board(
        self, api: HassApi, spec: PullBoardSpec, url: str
    ) -> None:
        """Start the board (the pull server is on); add it once it checked in."""
        await self._spawn(
            spec.hostname, pull_board_command(spec), env={PULL_URL_VARIABLE: url}
        )
        flow_id = await self._watch(api.wait_for_discovery(DOMAIN, spec.unique_id))
        await api.finish_flow(flow_id, [{"name": spec.hostname}])

    async def _spawn(
        self,
        name: str,
        command: list[str],
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
    ) -> None:
        log = (self.run_dir / f"{name}.log").open("ab")
        try:
            self.processes[name] = await asyncio.create_subprocess_exec(
                *command,
                cwd=cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            )
        finally:
            log.close()

    async def _watch[T](self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` but fail at once if a child process exits meanwhile."""
        task = asyncio.ensure_future(work)
        exits = {
            asyncio.ensure_future(p.wait()): name for name, p in self.processes.items()
        }
        try:
            done, _ = await asyncio.wait(
                {task, *exits}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in exits:
                waiter.cancel()
        if task in done:
            return task.result()
        task.cancel()
        name = next(name for waiter, name in exits.items() if waiter in done)
        message = f"{name} exited early; see {self.run_dir / (name + '.log')}"
        raise RuntimeError(message)

    async def stop(self) -> None:
        """Stop the relay, Home Assistant, then the boards; leave nothing running."""
        if self._relay is not None:
            self._relay.close()
            self._relay = None
        for name in sorted(self.processes, key=lambda n: n != "home-assistant"):
            await _terminate(self.processes.pop(name))


async def _terminate(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the process's session, then SIGKILL it if it does not end."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await process.wait()
        except TimeoutError:
            _LOGGER.warning("process %s ignored SIGTERM; killing it", process.pid)
    # Whatever the child left in its session goes too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 9)
    await process.wait()
