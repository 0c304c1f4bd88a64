"""``python -m custom_components.esp_ota.firmware check``: JSON lines, exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path
import runpy
import subprocess
import sys
from typing import Any

import pytest

from custom_components.esp_ota.firmware import MAX_IMAGE_SIZE
from custom_components.esp_ota.firmware.cli import main
from tools.esp_images import (
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    gzip_image,
)
from tools.esp_layouts import build_esp32_bootloader

ROOT = Path(__file__).parent.parent.parent


def _write(tmp_path: Path, **images: bytes) -> list[str]:
    paths = []
    for name, data in images.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def _run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    status = main(list(args), out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_command_runs_as_a_module_in_a_subprocess(tmp_path: Path) -> None:
    good, bad = _write(
        tmp_path,
        app=build_esp32_app(chip="esp32s3", version="2.1.0"),
        boot=build_esp32_bootloader(chip="esp32s3"),
    )
    done = subprocess.run(  # noqa: S603 - our interpreter, our module
        [
            sys.executable,
            "-m",
            "custom_components.esp_ota.firmware",
            "check",
            "--board",
            "m5stack_cores3",
            good,
            bad,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first == {
        "file": good,
        "ok": True,
        "kind": "app",
        "chip": "esp32s3",
        "version": "2.1.0",
        "error": None,
        "message": None,
    }
    assert second["ok"] is False
    assert second["error"] == "bootloader_image"
    assert second["message"].startswith("This is a bootloader, not an app")


def test_every_file_accepted_exits_zero(tmp_path: Path) -> None:
    paths = _write(tmp_path, a=build_esp8266_app(), b=gzip_image(build_esp8266_app()))
    status, results = _run("check", "--board", "d1_mini", *paths)
    assert status == 0
    assert [r["chip"] for r in results] == ["esp8266", "esp8266"]


def test_wrong_chip_for_the_board_is_reported(tmp_path: Path) -> None:
    paths = _write(tmp_path, a=build_esp32_app(chip="esp32"))
    status, [result] = _run("check", "--board", "heltec_wifi_kit_32_V3", *paths)
    assert status == 1
    assert result["error"] == "wrong_chip"
    assert "ESP32-S3" in result["message"]


def test_filesystem_target(tmp_path: Path) -> None:
    fs, app = _write(tmp_path, fs=build_filesystem_image(), app=build_esp32_app())
    status, results = _run("check", "--target", "filesystem", fs, app)
    assert status == 1
    assert results[0]["kind"] == "filesystem"
    assert results[0]["chip"] is None
    assert results[1]["error"] == "wrong_target"


def test_unknown_board_skips_the_chip_check(tmp_path: Path) -> None:
    paths = _write(tmp_path, a=build_esp32_app(chip="esp32c6"))
    assert _run("check", "--board", "my-own-board", *paths)[0] == 0


def test_file_larger_than_any_flash_is_refused_as_staging_refuses_it(
    tmp_path: Path,
) -> None:
    # A valid app followed by padding: the image parses, the file is too big.
    app = build_esp32_app()
    big = app + b"\xff" * (MAX_IMAGE_SIZE + 1 - len(app))
    paths = _write(tmp_path, fits=app + b"\xff" * (MAX_IMAGE_SIZE - len(app)), big=big)
    status, (fits, too_big) = _run("check", *paths)
    assert status == 1
    assert fits["ok"] is True
    assert too_big["error"] == "file_too_large"
    assert str(MAX_IMAGE_SIZE) in too_big["message"]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    status, [result] = _run("check", str(tmp_path / "missing.bin"))
    assert status == 1
    assert result["error"] == "unreadable"


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        main(["check", "--target", "eeprom", "x.bin"])
    assert err.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_module_entry_point_exits_with_the_status(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    [path] = _write(tmp_path, a=build_esp32_app())
    monkeypatch.setattr(sys, "argv", ["esp_ota", "check", path])
    with pytest.raises(SystemExit) as err:
        runpy.run_module("custom_components.esp_ota.firmware", run_name="__main__")
    assert err.value.code == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
