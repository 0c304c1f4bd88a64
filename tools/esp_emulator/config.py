"""Configuration of an emulated ArduinoOTA board."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Core(StrEnum):
    """Which Arduino core's ArduinoOTA the board runs."""

    ESP8266 = "esp8266"
    ESP32 = "esp32"


class AuthVariant(StrEnum):
    """The challenge the board sends when it has a password."""

    MD5 = "md5"
    """ESP8266, arduino-esp32 < 3.3.1: 32-hex nonce, MD5 digests."""
    PBKDF2_SHA256 = "pbkdf2-sha256"
    """arduino-esp32 >= 3.3.1: 64-hex nonce, PBKDF2-HMAC-SHA256."""


class StoredHash(StrEnum):
    """How a 3.3.1+ board keeps its password: setPassword (SHA-256) or an MD5 hash."""

    SHA256 = "sha256"
    MD5 = "md5"


class EndSequence(StrEnum):
    """How an ESP8266 ends a good upload; it changed between core versions."""

    MASTER = "master"
    """esp8266/Arduino f946290 (master): flush, 1 s, OK, flush, 1 s, stop."""
    LEGACY = "legacy"
    """esp8266/Arduino 616d6b14 (older releases): OK, stop, then 1 s."""


class Fault(StrEnum):
    """Misbehaviour to inject."""

    NONE = "none"
    SILENT = "silent"
    """Ignore every datagram (board offline, wrong port)."""
    WRONG_PASSWORD = "wrong-password"  # noqa: S105 - a fault name
    """Reject every authentication answer."""
    REFUSE = "refuse"
    """Update.begin() fails: ESP8266 answers ERR, ESP32 never connects back."""
    DROP = "drop"
    """Close the TCP connection once ``fault_at`` of the image arrived."""
    STALL = "stall"
    """Stop reading and acknowledging once ``fault_at`` arrived, keep the socket."""
    MD5_MISMATCH = "md5-mismatch"
    """Update.end() reports an MD5 failure after the whole image."""
    SLOW = "slow"
    """Flash ``slow_factor`` times slower than configured."""
    GONE = "gone"
    """Accept the whole image, then never come back: the new image does not
    boot, so no reboot, no announcement (its mDNS records go), no answers."""
    ROLLBACK = "rollback"
    """Accept the whole sketch, reboot, and run the previous one again, as an
    ESP32 with app rollback does when the new app does not mark itself valid
    (ESP-IDF ``CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE``: the bootloader boots
    the other OTA slot): it comes back announcing its old version."""


type RebootHook = Callable[[str | None], Awaitable[None] | None]


def default_port(core: Core) -> int:
    """Return the core's default OTA port (ArduinoOTA.begin())."""
    return 8266 if core is Core.ESP8266 else 3232


# A 4 MB board never has 4 MiB for a sketch. ESP8266: boards.txt's
# ``4M2M.upload.maximum_size=1044464`` (the sketch area of a 4 MB module with a
# 2 MB filesystem). ESP32: the app0/app1 slots of arduino-esp32's
# ``tools/partitions/default.csv`` are 0x140000 bytes.
ESP8266_FREE_SPACE = 1_044_464
ESP32_FREE_SPACE = 0x140000


def default_free_space(core: Core) -> int:
    """Return what Update.begin() accepts on a 4 MB board of ``core``."""
    return ESP8266_FREE_SPACE if core is Core.ESP8266 else ESP32_FREE_SPACE


@dataclass(slots=True)
class BoardConfig:
    """Everything that makes one emulated board behave the way it does."""

    core: Core = Core.ESP32
    hostname: str = "esp32-emulated"
    board: str = "esp32dev"
    host: str = "127.0.0.1"
    port: int = 0
    """UDP OTA port; 0 picks an ephemeral one (see ``BoardEmulator.port``)."""
    password: str | None = None
    auth_variant: AuthVariant = AuthVariant.MD5
    stored_hash: StoredHash = StoredHash.SHA256
    password_hash: str | None = None
    """setPasswordHash(): the MD5 hex of the password, stored instead of it."""
    free_space: int | None = None
    """Bytes Update.begin() accepts; None: the core's 4 MB-board default
    (``default_free_space``); larger images are refused."""
    flash_speed: float | None = None
    """Bytes per second written to flash; None writes instantly."""
    sector_erase_s: float = 0.0
    """Erase time per 4 KiB sector (ESP8266 ~45 ms)."""
    rtt_s: float = 0.0
    """Wi-Fi round trip: each count and the final text reach the host this late."""
    recv_window: int | None = None
    """SO_RCVBUF of the board's socket (lwIP: ~5.7 KB); None keeps the default."""
    ota_timeout_s: float = 1.0
    """Silence the board tolerates before re-sending a count / giving up."""
    connect_delay_s: float | None = None
    """Pause between OK and connecting back; None: core default (ESP8266 100 ms)."""
    end_delay_s: float | None = None
    """Length of each of the ESP8266's delay(1000) around the final OK; None:
    1 s (ESP8266), 0 (ESP32)."""
    end_sequence: EndSequence = EndSequence.MASTER
    """ESP8266: the end of a good upload, by core version."""
    reboot_delay: float = 0.2
    """Seconds between a successful flash and the board answering again."""
    version: str | None = None
    """Running version (ESP8266; for ESP32 read from the image after a flash)."""
    version_for_image: Callable[[bytes], str | None] | None = None
    """ESP8266: how to derive the new version from a flashed image."""
    fault: Fault = Fault.NONE
    fault_at: float = 0.5
    """Fraction of the image after which DROP/STALL strike."""
    slow_factor: float = 20.0
    on_reboot: list[RebootHook] = field(default_factory=list)
    on_gone: list[RebootHook] = field(default_factory=list)
    """Called (with None) when a ``GONE`` board stops after its image."""
