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
# The package is split in small modules; more at start-up means a new import.
OWN_MODULES_LIMIT = 16


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
    """Start-up imports the package and the standard library, nothing more.

    What it costs in time is measured, not asserted (docs/espota.md): a timed
    assertion fails on a loaded machine. What it loads is exact.
    """
    run = subprocess.run(  # noqa: S603
        [*BARE, "-X", "importtime", str(ESPOTA), "--help"],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    loaded = {
        line.rsplit("|", 1)[-1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    } - {"imported package"}  # the header line of -X importtime
    own = {name for name in loaded if name.split(".")[0] == "espota"}
    others = {name.split(".")[0] for name in loaded - own}

    assert len(own) >= 8  # every module of the package, under its own name
    assert others <= set(sys.stdlib_module_names), others - set(sys.stdlib_module_names)
    assert len(own) <= OWN_MODULES_LIMIT
