"""The ``check`` command: judge image files by the rules staging applies.

Usage::

    python -m custom_components.esp_ota.firmware check \
        [--target flash|filesystem] [--board BOARD_ID] FILE...

One JSON object per file on stdout, in the order given: ``file``, ``ok``,
``kind``, ``chip``, ``version``, ``error`` (the stable ``FirmwareError.key``,
null when accepted) and ``message`` (the English sentence, null when
accepted). The exit status is 0 when every file is accepted, 1 otherwise, 2 on
a usage error. ``--board`` takes the mDNS ``board`` id; an unknown id skips
the chip check, as staging does. A file that cannot be read is reported with
the error ``unreadable``. The rules run through ``check.check_file``, the same
function staging calls.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
import sys
from typing import Any, Final, TextIO

from .boards import family_for_board
from .check import check_file
from .errors import FirmwareError
from .kinds import ImageKind

TARGETS: Final = {"flash": ImageKind.APP, "filesystem": ImageKind.FILESYSTEM}
UNREADABLE: Final = "unreadable"


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``check`` command line."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.esp_ota.firmware",
        description="Check ESP firmware images the way esp_ota stages them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check image files")
    check.add_argument("--target", choices=sorted(TARGETS), default="flash")
    check.add_argument("--board", help="the board id its mDNS record announces")
    check.add_argument("files", nargs="+", metavar="FILE")
    return parser


def check_one(path: str, target: ImageKind, board: str | None) -> dict[str, Any]:
    """Check one file and describe the outcome as a JSON-ready dict."""
    result: dict[str, Any] = {
        "file": path,
        "ok": False,
        "kind": None,
        "chip": None,
        "version": None,
        "error": None,
        "message": None,
    }
    try:
        image = check_file(path, target=target, board_family=family_for_board(board))
    except FirmwareError as err:
        result.update(error=err.key, message=str(err))
    except OSError as err:
        result.update(error=UNREADABLE, message=f"The file cannot be read: {err}")
    else:
        result.update(
            ok=True,
            kind=image.kind.value,
            chip=image.chip.value if image.chip else None,
            version=image.version,
        )
    return result


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    target = TARGETS[args.target]
    every_ok = True
    for path in args.files:
        result = check_one(path, target, args.board)
        every_ok = every_ok and result["ok"]
        stream.write(json.dumps(result) + "\n")
    return 0 if every_ok else 1
