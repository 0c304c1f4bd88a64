"""Emulator features: TXT records, real mDNS in a namespace, version, CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from tools.esp_emulator import (
    BoardConfig,
    BoardEmulator,
    build_esp32_image,
    build_esp8266_image,
    esp32_app_version,
)
from tools.esp_emulator.__main__ import main as emulator_main
from tools.esp_emulator.announce import txt_records

NAMESPACE_SETUP = (
    "ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo"
)


UNSHARE = shutil.which("unshare")


def _can_unshare() -> bool:
    if UNSHARE is None:
        return False
    # The namespace must also be configurable (iproute2 may be missing).
    probe = subprocess.run(  # noqa: S603 - fixed argv
        [UNSHARE, "-n", "bash", "-c", f"set -e; {NAMESPACE_SETUP}"],
        check=False,
        capture_output=True,
    )
    return probe.returncode == 0


def test_txt_records_are_the_ones_enable_arduino_sets() -> None:
    board = BoardEmulator(BoardConfig(board="nodemcuv2", password="x", version="1.2"))

    assert txt_records(board) == {
        "board": "nodemcuv2",
        "tcp_check": "no",
        "ssh_upload": "no",
        "auth_upload": "yes",
        "version": "1.2",
    }
    assert txt_records(BoardEmulator(BoardConfig()))["auth_upload"] == "no"


def test_esp32_version_comes_from_the_app_descriptor() -> None:
    assert esp32_app_version(build_esp32_image("3.1.4-beta")) == "3.1.4-beta"
    assert esp32_app_version(build_esp8266_image()) is None
    assert esp32_app_version(b"\xe9" * 10) is None


@pytest.mark.skipif(
    not _can_unshare(),
    reason="needs unshare -n and iproute2 (a private network namespace)",
)
def test_board_announces_over_mdns_and_reannounces_its_new_version_after_a_flash() -> (
    None
):
    script = Path(__file__).with_name("namespace_announce.py")
    command = f"{NAMESPACE_SETUP}; {sys.executable} {script}"

    done = subprocess.run(  # noqa: S603 - fixed argv, our own script
        [str(UNSHARE), "-n", "bash", "-c", command],
        check=True,
        capture_output=True,
        text=True,
        timeout=50,
    )

    lines = done.stdout.splitlines()
    assert lines[0].startswith("before: True")
    assert "'version': '1.0.0'" in lines[0]
    assert "'auth_upload': 'yes'" in lines[0]
    assert "'version': '2.0.0'" in lines[1]


async def test_emulator_cli_runs_boards_for_a_while(socket_enabled, capsys) -> None:
    code = await asyncio.to_thread(
        emulator_main,
        [
            "--core",
            "esp8266",
            "--port",
            "0",
            "--hostname",
            "a",
            "--hostname",
            "b",
            "--run-for",
            "0.2",
        ],
    )

    assert code == 0
    out = capsys.readouterr().out
    assert "a: esp8266 on 127.0.0.1:" in out
    assert "b: esp8266 on 127.0.0.1:" in out
