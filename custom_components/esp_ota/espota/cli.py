"""Command line: ``python -m custom_components.esp_ota.espota upload ...``.

Option letters follow espota.py: -i host, -p port, -a password, -s filesystem
image, -r progress bar, -f file, -t invitation timeout, -d debug output.
Exit code 0 on success, 1 on failure, like espota.py.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
import logging
import sys

from .errors import EspOtaError
from .protocol import Command
from .timeouts import Timeouts
from .uploader import upload

_BAR_WIDTH = 50


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (espota.py's option letters)."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.esp_ota.espota",
        description="Upload a firmware or filesystem image to an ArduinoOTA board.",
    )
    commands = parser.add_subparsers(dest="action", required=True)
    up = commands.add_parser("upload", help="upload an image")
    up.add_argument("-i", "--ip", dest="host", required=True, help="board address")
    up.add_argument(
        "-p",
        "--port",
        type=int,
        default=3232,
        help="board OTA port (ESP32 3232, ESP8266 8266; default 3232)",
    )
    up.add_argument("-a", "--auth", dest="password", default=None, help="OTA password")
    up.add_argument("-f", "--file", dest="image", required=True, help="image file")
    up.add_argument(
        "-s", "--spiffs", action="store_true", help="filesystem image (command 100)"
    )
    up.add_argument("-r", "--progress", action="store_true", help="show a progress bar")
    up.add_argument(
        "-t",
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for each invitation answer (default 10)",
    )
    up.add_argument("-d", "--debug", action="store_true", help="debug output")
    return parser


def _bar(sent: int, total: int) -> None:
    filled = _BAR_WIDTH * sent // total if total else _BAR_WIDTH
    percent = 100 * sent // total if total else 100
    bar = "=" * filled + " " * (_BAR_WIDTH - filled)
    sys.stderr.write(f"\rUploading: [{bar}] {percent}%")
    if sent >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s [%(levelname)s]: %(message)s",
    )
    timeouts = Timeouts()
    if args.timeout is not None:
        timeouts = replace(timeouts, invitation=args.timeout)
    command = Command.FILESYSTEM if args.spiffs else Command.FLASH
    try:
        result = asyncio.run(
            upload(
                args.host,
                args.port,
                args.image,
                password=args.password or None,
                command=command,
                progress=_bar if args.progress else None,
                timeouts=timeouts,
            )
        )
    except (EspOtaError, OSError) as err:
        sys.stderr.write(f"Upload failed: {err}\n")
        return 1
    sys.stderr.write(
        f"Uploaded {result.size} bytes in {result.seconds:.1f} s: {result.message}\n"
    )
    return 0
