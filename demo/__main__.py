"""Command line of the demo (``scripts/demo`` calls it; see its header).

python -m demo run --run-dir DIR [--port 8123] [--unix-socket PATH]
python -m demo relay --port 8123 --unix-socket PATH
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal
import sys
from typing import TextIO

from .boards import DEFAULT_FLASH_SPEED, PUSH_BOARDS
from .haconfig import DEMO_SOURCE_VERSION
from .hass_api import HassApiError
from .netns import NotInPrivateNetworkError
from .relay import tcp_to_unix
from .stack import PASSWORD, USERNAME, DemoStack

READY = "esp_ota demo ready"


def _say(text: str, *, stream: TextIO = sys.stdout) -> None:
    """Write a line for the person (and the e2e test) reading the output."""
    stream.write(f"{text}\n")
    stream.flush()


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    parser = argparse.ArgumentParser(prog="python -m demo")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the demo (private network namespace only)"
    )
    run.add_argument("--run-dir", type=Path, required=True)
    run.add_argument("--port", type=int, default=8123)
    run.add_argument("--unix-socket", type=Path, default=None)
    run.add_argument("--flash-speed", type=float, default=DEFAULT_FLASH_SPEED)
    run.add_argument(
        "--public-url", default=None, help="the URL to print (where the relay listens)"
    )
    run.add_argument(
        "--store-faults",
        action="store_true",
        help="start with esp_ota stores that each raise a repair (unreadable, "
        "newer version, a bad record, an image whose file is gone)",
    )
    relay = commands.add_parser("relay", help="relay 127.0.0.1:PORT to a Unix socket")
    relay.add_argument("--port", type=int, required=True)
    relay.add_argument("--unix-socket", type=Path, required=True)
    return parser


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _run(args: argparse.Namespace) -> None:
    stack = DemoStack(
        run_dir=args.run_dir,
        port=args.port,
        flash_speed=args.flash_speed,
        relay_socket=args.unix_socket,
        store_faults=args.store_faults,
    )
    stop = asyncio.ensure_future(_until_stopped())
    start = asyncio.ensure_future(stack.start())
    try:
        await asyncio.wait({stop, start}, return_when=asyncio.FIRST_COMPLETED)
        if start.done():
            start.result()
            url = args.public_url or stack.url
            _say(f"{READY}: open {url} and log in as {USERNAME} / {PASSWORD}")
            for spec in PUSH_BOARDS:
                state = "added" if spec.auto_add else "discovered: add it in the UI"
                if spec.firmware_source:
                    state += f"; its firmware source offers {DEMO_SOURCE_VERSION}"
                if spec.fault == "gone":
                    state += "; never comes back from an update"
                if spec.failing_source:
                    state += "; its firmware source fails (the manifest is gone)"
                _say(
                    f"  {spec.hostname} ({spec.core}, version {spec.version}): {state}"
                )
            for pull in (stack.pull, stack.cramped_pull):
                if pull is None:
                    continue
                room = (
                    f"; {pull.free_space} bytes free, too few for the demo firmware"
                    if pull.free_space
                    else ""
                )
                _say(
                    f"  {pull.hostname} ({pull.core}, version {pull.version}, "
                    f"inbox {pull.device}): pulls every {pull.interval:g} s; "
                    f"added{room}"
                )
            _say("Press Ctrl-C to stop everything.")
            await stop
    finally:
        start.cancel()
        stop.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await start
        await stack.stop()


async def _relay(args: argparse.Namespace) -> None:
    server = await tcp_to_unix("127.0.0.1", args.port, args.unix_socket)
    async with server:
        await _until_stopped()


def main(argv: list[str] | None = None) -> int:
    """Run the demo command line."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(_run(args) if args.command == "run" else _relay(args))
    except NotInPrivateNetworkError as err:
        _say(f"demo: {err}", stream=sys.stderr)
        return 2
    except (HassApiError, RuntimeError, TimeoutError) as err:
        message = str(err) or type(err).__name__
        _say(f"demo: could not start: {message}", stream=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
