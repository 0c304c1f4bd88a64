"""Command line, a drop-in for espota.py.

Two ways to run it, the same options:

- ``python3 custom_components/esp_ota/espota -i HOST -f FILE ...`` runs the
  package folder with the standard library only (no Home Assistant, nothing of
  the integration), for PlatformIO (``upload_protocol = custom``) and the
  Arduino IDE;
- ``python -m custom_components.esp_ota.espota upload -i HOST -f FILE ...``.

Option letters are espota.py's (esp8266/Arduino and espressif/arduino-esp32
``tools/espota.py``): -i board address, -I address to listen on, -p board OTA
port, -P port the board connects back to, -a password, -f file, -s
filesystem image, -r progress bar, -d debug output, -t invitation timeout.
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
from .uploader import MAX_RETRIES, upload

_BAR_WIDTH = 50


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (espota.py's option letters)."""
    parser = argparse.ArgumentParser(
        prog="espota",
        description="Upload a firmware or filesystem image to an ArduinoOTA board.",
    )
    # ``upload`` is optional: espota.py has no subcommand.
    parser.add_argument("action", nargs="?", choices=["upload"], help=argparse.SUPPRESS)
    parser.add_argument("-i", "--ip", dest="host", required=True, help="board address")
    parser.add_argument(
        "-I",
        "--host_ip",
        dest="listen_host",
        default=None,
        help="address to listen on for the board (default: the one routing to it)",
    )
    parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=3232,
        help="board OTA port (ESP32 3232, ESP8266 8266; default 3232)",
    )
    parser.add_argument(
        "-P",
        "--host_port",
        dest="listen_port",
        type=int,
        default=0,
        help="TCP port the board connects back to (default: any free port)",
    )
    parser.add_argument(
        "-a", "--auth", dest="password", default=None, help="OTA password"
    )
    parser.add_argument("-f", "--file", dest="image", required=True, help="image file")
    parser.add_argument(
        "-s", "--spiffs", action="store_true", help="filesystem image (command 100)"
    )
    parser.add_argument(
        "-r", "--progress", action="store_true", help="show a progress bar"
    )
    parser.add_argument(
        "-t",
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for each invitation answer (default 10)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        choices=range(MAX_RETRIES + 1),
        default=0,
        help="retry a transfer that broke off or stalled (0-3, default 0)",
    )
    parser.add_argument("-d", "--debug", action="store_true", help="debug output")
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
                listen_host=args.listen_host,
                listen_port=args.listen_port,
                retries=args.retries,
            )
        )
    except (EspOtaError, OSError) as err:
        sys.stderr.write(f"Upload failed: {err}\n")
        return 1
    sys.stderr.write(
        f"Uploaded {result.size} bytes in {result.seconds:.1f} s: {result.message}\n"
    )
    return 0
