"""Run emulated boards: ``python -m tools.esp_emulator --core esp32 ...``.

``--announce`` publishes them over mDNS; only use it inside ``unshare -n``:

    unshare -n bash -c 'ip link set lo up; ip link set lo multicast on;
      ip route add 224.0.0.0/4 dev lo; python -m tools.esp_emulator --announce'

``--pull URL`` runs a pull-mode board instead (ESPhttpUpdate / HTTPUpdate):
it checks in at URL every ``--interval`` seconds, flashes what it gets and
reboots into it; one line per check-in (never the URL: it holds a secret).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal
import sys

from .announce import Announcer
from .board import BoardEmulator
from .config import AuthVariant, BoardConfig, Core, Fault, default_port
from .pull_loop import DEFAULT_INTERVAL, URL_FROM_ENV, run_pull_board
from .web_updater import run_web_boards


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    parser = argparse.ArgumentParser(prog="python -m tools.esp_emulator")
    parser.add_argument("--core", type=Core, choices=list(Core), default=Core.ESP32)
    parser.add_argument("--hostname", action="append", help="one board per hostname")
    parser.add_argument("--board", default=None, help="TXT 'board' value")
    parser.add_argument(
        "--port", type=int, default=None, help="UDP OTA port (0: ephemeral)"
    )
    parser.add_argument("--password", default=None)
    parser.add_argument(
        "--auth", type=AuthVariant, choices=list(AuthVariant), default=AuthVariant.MD5
    )
    parser.add_argument("--version", dest="board_version", default=None)
    parser.add_argument("--fault", type=Fault, choices=list(Fault), default=Fault.NONE)
    parser.add_argument(
        "--free-space", type=int, default=None, help="default: a 4 MB board's"
    )
    parser.add_argument("--rtt", type=float, default=0.0)
    parser.add_argument("--flash-speed", type=float, default=None)
    parser.add_argument("--announce", action="store_true", help="mDNS (namespace only)")
    parser.add_argument(
        "--run-for", type=float, default=None, help="exit after N seconds"
    )
    parser.add_argument(
        "--web", action="store_true", help="serve the web updater page instead"
    )
    parser.add_argument("--username", default=None, help="web updater user name")
    parser.add_argument(
        "--password-file",
        type=Path,
        default=None,
        help="web updater: read the password from this file at every request",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="web updater: loopback address to serve on"
    )
    pull = parser.add_argument_group("pull mode (ESPhttpUpdate / HTTPUpdate)")
    pull.add_argument(
        "--pull",
        metavar="URL",
        default=None,
        help=f"check in at URL instead; '{URL_FROM_ENV}NAME' reads it from the "
        "environment variable NAME (keeps the secret out of process listings)",
    )
    pull.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL,
        help=f"seconds between check-ins (default {DEFAULT_INTERVAL:g})",
    )
    pull.add_argument(
        "--mac", default=None, help="STA MAC (default: derived from the hostname)"
    )
    pull.add_argument(
        "--check-ins", type=int, default=None, help="exit after N check-ins"
    )
    return parser


def _stop_on_signals() -> asyncio.Event:
    """Return an event that SIGINT / SIGTERM set."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Signal handlers only exist in the main thread (tests run us elsewhere).
        with contextlib.suppress(RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _run_pull(args: argparse.Namespace, hostname: str) -> None:
    stop = _stop_on_signals()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.run_for):
            await run_pull_board(args, hostname, stop)


async def run(args: argparse.Namespace) -> None:
    """Start the boards (and the announcer) until interrupted."""
    hostnames = args.hostname or [f"{args.core.value}-emulated"]
    if args.web:
        await run_web_boards(args, hostnames)
        return
    if args.pull:
        await _run_pull(args, hostnames[0])
        return
    boards: list[BoardEmulator] = []
    announcer = Announcer() if args.announce else None
    if announcer is not None:
        await announcer.start()
    for index, hostname in enumerate(hostnames):
        port = args.port if args.port is not None else default_port(args.core)
        config = BoardConfig(
            core=args.core,
            hostname=hostname,
            board=args.board
            or ("esp32dev" if args.core is Core.ESP32 else "nodemcuv2"),
            port=port + index if port else 0,
            password=args.password,
            auth_variant=args.auth,
            version=args.board_version,
            fault=args.fault,
            free_space=args.free_space,
            rtt_s=args.rtt,
            flash_speed=args.flash_speed,
            reboot_delay=1.0,
        )
        board = BoardEmulator(config)
        await board.start()
        boards.append(board)
        if announcer is not None:
            await announcer.add(board)
        print(f"{hostname}: {args.core.value} on 127.0.0.1:{board.port}", flush=True)
    stop = _stop_on_signals()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(args.run_for):
            await stop.wait()
    for board in boards:
        await board.stop()
    if announcer is not None:
        await announcer.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the emulator command line."""
    asyncio.run(run(build_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
