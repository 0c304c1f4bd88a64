"""The demo's emulated boards, each announced over real mDNS.

Eight boards: an ESP8266 with an OTA password (added by the demo itself, with
a firmware source that offers a newer version), an
ESP32 without one (left "Discovered" for the person, or the e2e test, to add
in the UI), a pull-mode ESP32 that checks in at esp_ota's pull server (added
by the demo once it checked in, as a person would from the "new board checked
in" discovery) and an ESP32 running the core's web updater (HTTPUpdateServer
with a user name and password), which announces nothing: a person adds it by
hand at 127.0.0.2, port 8080, which is also its name in Home Assistant (an
address of its own: esp_ota does not add a second board at an address a
board it knows already has).
Two more stay "Discovered" so that every dialog can be seen: an ESP8266 with
a password (esp8266-porch) and a web updater board that announces its page
(esp32-barn). One more is added by the demo but never comes back from an
update (esp32-cellar), for the "did not come back" repair; its firmware
source's manifest goes away after it was set, for the "keeps failing" repair.
A second pull board (esp32-loft) has too little room for the demo firmware,
for the "does not fit" repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
    firmware_source: bool = False
    """The demo gives it a firmware source with a newer version (auto_add only)."""
    port: int | None = None
    """Its OTA port; None: the core's default (8266 or 3232)."""
    on_dashboard: bool = True
    """Its cards are on the demo dashboard (False: it is never added)."""
    fault: str | None = None
    """An emulator fault (``--fault``), e.g. ``gone``: the new image never boots."""
    failing_source: bool = False
    """The demo gives it a firmware source, then the source's manifest goes
    away (auto_add only): every check fails, for the "keeps failing" repair."""


ESP8266_BOARD: Final = BoardSpec(
    core="esp8266",
    hostname="esp8266-workshop",
    version="1.0.0",
    password="demo-ota",  # noqa: S106 - the emulated board's published demo password
    auto_add=True,
    firmware_source=True,
)
ESP32_BOARD: Final = BoardSpec(core="esp32", hostname="esp32-garden", version="1.0.0")
# Left "Discovered" with its password unknown to Home Assistant: adding it
# asks for the OTA password (the e2e test opens that dialog and closes it).
PORCH_BOARD: Final = BoardSpec(
    core="esp8266",
    hostname="esp8266-porch",
    version="1.0.0",
    password="porch-ota",  # noqa: S106 - the emulated board's published demo password
    port=8267,  # the workshop board has 8266
    on_dashboard=False,
)
# Added by the demo; it takes an image, then never comes back (the image does
# not boot): after the demo's short wait, esp_ota raises "did not come back".
CELLAR_BOARD: Final = BoardSpec(
    core="esp32",
    hostname="esp32-cellar",
    version="1.0.0",
    auto_add=True,
    port=3233,  # the garden board has 3232
    fault="gone",
    failing_source=True,
)
PUSH_BOARDS: Final = (ESP8266_BOARD, ESP32_BOARD, PORCH_BOARD, CELLAR_BOARD)
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
    if spec.port is not None:
        command += ["--port", str(spec.port)]
    if spec.fault is not None:
        command += ["--fault", spec.fault]
    return command


@dataclass(frozen=True, slots=True)
class PullBoardSpec:
    """The emulated pull-mode (ESPhttpUpdate / HTTPUpdate) board."""

    hostname: str
    """Its name in the emulator's log and the name the demo gives it in HA."""
    mac: str
    version: str
    interval: float
    core: str = "esp32"
    free_space: int | None = None
    """Free sketch space it reports; None: the emulator's default (room enough)."""

    @property
    def unique_id(self) -> str:
        """Home Assistant's unique id of the board: its STA MAC, lower case."""
        return self.mac.lower()

    @property
    def device(self) -> str:
        """esp_ota's host name of a pull board (``esp-`` and its MAC digits).

        Its inbox folder has this name; the device takes the entry's name.
        """
        return "esp-" + self.unique_id.replace(":", "")


PULL_BOARD: Final = PullBoardSpec(
    hostname=PULL_BOARD_HOSTNAME,
    mac="24:0A:C4:00:00:01",
    version="1.0.0",
    # Short, so that Install on its card shows an effect within seconds; the
    # pull server allows one check-in per 10 s from a board.
    interval=10.0,
)
# A second pull board with too little free space for the demo firmware:
# pressing Install on it raises the "does not fit" repair at its next check-in.
LOFT_BOARD: Final = PullBoardSpec(
    hostname="esp32-loft",
    mac="24:0A:C4:00:00:03",
    version="1.0.0",
    interval=10.0,
    free_space=128 * 1024,
)
# The pull board reads the secret URL from here (``--pull @NAME``), so that
# the token never shows in a process listing.
PULL_URL_VARIABLE: Final = "ESP_OTA_DEMO_PULL_URL"


def pull_board_command(spec: PullBoardSpec = PULL_BOARD) -> list[str]:
    """Return the pull board's command line (the URL comes from PULL_URL_VARIABLE)."""
    return [
        sys.executable,
        "-m",
        "tools.esp_emulator",
        "--pull",
        f"@{PULL_URL_VARIABLE}",
        "--core",
        spec.core,
        "--hostname",
        spec.hostname,
        "--mac",
        spec.mac,
        "--version",
        spec.version,
        "--interval",
        str(spec.interval),
        *(["--free-space", str(spec.free_space)] if spec.free_space else []),
    ]


@dataclass(frozen=True, slots=True)
class WebBoardSpec:
    """The emulated web updater board (ESP8266HTTPUpdateServer / HTTPUpdateServer)."""

    hostname: str
    """Its name in the emulator's log."""
    port: int
    username: str
    password: str
    version: str
    core: str = "esp32"
    path: str = "/update"
    host: str = "127.0.0.1"
    free_space: int = 0x140000
    """Room for a sketch: arduino-esp32's default partition table gives the
    app 1.25 MiB (tools/partitions/default.csv)."""
    announce: bool = False
    """Announce ``_http._tcp`` under its host name, as the WebUpdater example."""

    @property
    def device(self) -> str:
        """esp_ota's name of a board added by address: the address."""
        return self.host


WEB_BOARD: Final = WebBoardSpec(
    hostname="esp32-shed",
    port=8080,
    username="admin",
    password="shed-update",  # noqa: S106 - the emulated board's published demo password
    version="1.0.0",
    host="127.0.0.2",
)
# A second web updater board that announces itself: left "Discovered".
BARN_BOARD: Final = WebBoardSpec(
    hostname="esp32-barn",
    port=8081,
    username="admin",
    password="barn-update",  # noqa: S106 - the emulated board's published demo password
    version="1.0.0",
    announce=True,
)


def password_file(run_dir: Path, spec: WebBoardSpec) -> Path:
    """Return the file a web board reads its password from, in the demo's run folder.

    Writing another password there is as if the board had been flashed with
    new credentials: esp_ota's next install gets a 401 and asks for them.
    """
    return run_dir / f"{spec.hostname}.password"


def web_board_command(
    spec: WebBoardSpec = WEB_BOARD, secret: Path | None = None
) -> list[str]:
    """Return the web updater board's command line (``secret``: its password file)."""
    return [
        sys.executable,
        "-m",
        "tools.esp_emulator",
        "--web",
        "--core",
        spec.core,
        "--hostname",
        spec.hostname,
        "--port",
        str(spec.port),
        "--username",
        spec.username,
        *(
            ["--password-file", str(secret)]
            if secret
            else ["--password", spec.password]
        ),
        "--version",
        spec.version,
        "--free-space",
        str(spec.free_space),
        "--host",
        spec.host,
        *(["--announce"] if spec.announce else []),
    ]
