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


type RebootHook = Callable[[str | None], Awaitable[None] | None]


def default_port(core: Core) -> int:
    """Return the core's default OTA port (ArduinoOTA.begin())."""
    return 8266 if core is Core.ESP8266 else 3232


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
    free_space: int = 4 * 1024 * 1024
    """Bytes Update.begin() accepts; larger images are refused."""
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
    """Pause between the last count and the final text; None: core default
    (ESP8266 flushes the last count and waits ~1 s, so OK arrives separately)."""
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
