"""The demo's emulated boards, each announced over real mDNS.

Three boards: an ESP8266 with an OTA password (added by the demo itself), an
ESP32 without one (left "Discovered" for the person, or the e2e test, to add
in the UI) and a pull-mode board, which needs the emulator's pull client.
"""

from __future__ import annotations

from dataclasses import dataclass
import importlib.util
import sys
from typing import Final


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """One emulated push (ArduinoOTA) board."""

    core: str
    hostname: str
    version: str
    password: str | None = None
    auto_add: bool = False
    """The demo adds it itself; otherwise it stays "Discovered"."""


ESP8266_BOARD: Final = BoardSpec(
    core="esp8266",
    hostname="esp8266-workshop",
    version="1.0.0",
    password="demo-ota",  # noqa: S106 - the emulated board's published demo password
    auto_add=True,
)
ESP32_BOARD: Final = BoardSpec(core="esp32", hostname="esp32-garden", version="1.0.0")
PUSH_BOARDS: Final = (ESP8266_BOARD, ESP32_BOARD)
PULL_BOARD_HOSTNAME: Final = "esp32-pull"

# Bytes per second written to flash: slow enough that a person (and the e2e
# test) sees the progress bar move through a 256 KiB image, about 6 s.
DEFAULT_FLASH_SPEED: Final = 40_000.0


def emulator_command(spec: BoardSpec, flash_speed: float) -> list[str]:
    """Return the command line that runs and announces ``spec``."""
    command = [
        sys.executable,
        "-m",
        "tools.esp_emulator",
        "--core",
        spec.core,
        "--hostname",
        spec.hostname,
        "--version",
        spec.version,
        "--flash-speed",
        str(flash_speed),
        "--announce",
    ]
    if spec.password:
        command += ["--password", spec.password]
    return command


def pull_client_available() -> bool:
    """Tell whether this checkout has the emulator's pull-client mode."""
    return importlib.util.find_spec("tools.esp_emulator.pull_client") is not None


def pull_board_command(server_url: str) -> list[str] | None:
    """Return the pull-mode board's command line, or None without a pull client.

    The pull client lands on another branch; until it is merged the demo runs
    without this board (``scripts/demo`` says so when it starts).
    """
    if not pull_client_available():
        return None
    return [
        sys.executable,
        "-m",
        "tools.esp_emulator.pull_client",
        "--hostname",
        PULL_BOARD_HOSTNAME,
        "--server",
        server_url,
        "--announce",
    ]
