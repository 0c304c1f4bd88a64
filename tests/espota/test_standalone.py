"""The package folder runs as espota.py's drop-in with the standard library only.

Run only in subprocesses (tests import ``custom_components.esp_ota.espota``):
``python -I -S`` gives an interpreter without site-packages, so Home Assistant
cannot be imported there, and a working directory outside the repository keeps
``custom_components`` off its path.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import resource
import subprocess
import sys

from tools.esp_emulator import Core, build_esp8266_image

ESPOTA = (
    Path(__file__).parent.parent.parent / "custom_components" / "esp_ota" / "espota"
)
BARE = [sys.executable, "-I", "-S"]
# What an asyncio command line needs anyway; the uploader may add little to it.
STDLIB_BASELINE = "import argparse, asyncio, dataclasses, hashlib, logging, pathlib"
OWN_STARTUP_LIMIT = 0.05


def _cpu_seconds(args: list[str], cwd: Path) -> float:
    """Return the least CPU time (user + system) of three runs of ``args``."""
    runs = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, cwd=cwd, capture_output=True, check=True)  # noqa: S603
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(runs)


def test_home_assistant_cannot_be_imported_in_the_bare_interpreter(
    tmp_path: Path,
) -> None:
    probe = subprocess.run(  # noqa: S603
        [*BARE, "-c", "import homeassistant"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
    )

    assert probe.returncode != 0
    assert b"No module named 'homeassistant'" in probe.stderr


async def test_running_the_folder_uploads_with_espota_flags(
    make_board, tmp_path: Path
) -> None:
    board = make_board(core=Core.ESP8266, password="pw")
    await board.start()
    image = build_esp8266_image(30_000)
    (tmp_path / "fw.bin").write_bytes(image)

    process = await asyncio.create_subprocess_exec(
        *BARE,
        "-X",
        "importtime",
        str(ESPOTA),
        "-i",
        "127.0.0.1",
        "-p",
        str(board.port),
        "-a",
        "pw",
        "-I",
        "127.0.0.1",
        "-r",
        "-f",
        str(tmp_path / "fw.bin"),
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    text = stderr.decode()

    assert process.returncode == 0, text
    assert board.received_images == [image]
    assert "100%" in text
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in text.splitlines()
        if line.startswith("import time:")
    }
    assert "espota.uploader" in imported
    assert not {
        name
        for name in imported
        if name.split(".")[0] in {"custom_components", "homeassistant"}
    }


def test_the_folder_takes_no_subcommand_and_fails_like_espota(tmp_path: Path) -> None:
    missing = subprocess.run(  # noqa: S603
        [*BARE, str(ESPOTA), "-i", "127.0.0.1", "-f", str(tmp_path / "none.bin")],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert missing.returncode == 1
    assert "Upload failed" in missing.stderr


def test_start_up_adds_little_to_the_standard_library_it_needs(
    tmp_path: Path,
) -> None:
    ours = _cpu_seconds([*BARE, str(ESPOTA), "--help"], tmp_path)
    baseline = _cpu_seconds([*BARE, "-c", STDLIB_BASELINE], tmp_path)

    assert ours - baseline < OWN_STARTUP_LIMIT
