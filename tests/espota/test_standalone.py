"""The package folder runs as espota.py's drop-in with the standard library only.

Run only in subprocesses (tests import ``custom_components.esp_ota.espota``):
``python -I -S`` gives an interpreter without site-packages, so Home Assistant
cannot be imported there, and a working directory outside the repository keeps
``custom_components`` off its path.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import subprocess
import sys

from tools.esp_emulator import Core, build_esp8266_image

ESPOTA = (
    Path(__file__).parent.parent.parent / "custom_components" / "esp_ota" / "espota"
)
BARE = [sys.executable, "-I", "-S"]
# Seconds our own modules may take to import (their self time, without the
# standard library they need): the rest of start-up is Python and asyncio.
OWN_STARTUP_LIMIT = 0.05


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
    await board.session_ended.wait()  # the board records after closing

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
    run = subprocess.run(  # noqa: S603
        [*BARE, "-X", "importtime", str(ESPOTA), "--help"],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    own = [
        int(line.split("|")[0].split(":")[1])
        for line in run.stderr.splitlines()
        if line.rsplit("|", 1)[-1].strip().startswith("espota")
    ]

    assert len(own) >= 8  # every module of the package, under its own name
    assert sum(own) / 1e6 < OWN_STARTUP_LIMIT
