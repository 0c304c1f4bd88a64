"""The cores' real clients, byte for byte: one whole story per core's header set.

Each story: check-in → 200 → the download breaks off → check-in → 200 →
reboot → 304, with the update card right at every step. The requests are the
ones ``tools/esp_emulator/pull_client.py`` builds from the cores' sources.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
from unittest.mock import patch

from homeassistant.core import Context, HomeAssistant
import pytest

from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullBoard, PullResult
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import PullServer, card, press_install, wait_until

ESP8266_MAC = "5c:cf:7f:01:02:03"
ESP32_MAC = "24:0a:c4:01:02:03"
ESP32_P4_MAC = "30:ed:a0:01:02:03"
ESP32_3X_MAC = "d4:8a:fc:01:02:03"
IMAGE_SIZE = 512 * 1024


def esp8266_board() -> PullBoard:
    """ESP8266 core 3.x: ESP8266httpUpdate's headers, a version string."""
    return PullBoard(
        sta_mac=ESP8266_MAC.upper(),
        sketch=build_esp8266_app(size=64 * 1024, seed=11),
        core=Core.ESP8266,
        version="1.0.0",
        sdk_version="2.2.2-dev(38a443e)",
        free_space=2 << 20,
    )


def esp32_board() -> PullBoard:
    """arduino-esp32 2.x: STA and AP MAC, sketch MD5 and SHA-256."""
    old = build_esp32_app(version="1.0.0", size=64 * 1024)
    return PullBoard(
        sta_mac=ESP32_MAC.upper(),
        sketch=old,
        version="1.0.0",
        sketch_sha256=hashlib.sha256(old[:-32]).hexdigest().upper(),
    )


def esp32_3x_board() -> PullBoard:
    """arduino-esp32 3.x with Wi-Fi: the base MAC first, then STA and AP MAC."""
    return PullBoard(
        sta_mac=ESP32_3X_MAC.upper(),
        base_mac=ESP32_3X_MAC.upper(),
        sketch=build_esp32_app(version="1.0.0", size=64 * 1024),
        version="1.0.0",
        sdk_version="v5.5.1",
    )


def esp32_p4_board() -> PullBoard:
    """arduino-esp32 3.x on a chip without Wi-Fi: the base MAC only."""
    return PullBoard(
        sta_mac="",
        base_mac=ESP32_P4_MAC.upper(),
        wifi=False,
        sketch=build_esp32_app(version="1.0.0", size=64 * 1024),
        version="1.0.0",
        sdk_version="v5.5.1",
    )


@pytest.mark.parametrize(
    ("make_board", "mac", "image", "new_version"),
    [
        (
            esp8266_board,
            ESP8266_MAC,
            build_esp8266_app(size=IMAGE_SIZE, seed=22),
            "2.0.0",
        ),
        (
            esp32_board,
            ESP32_MAC,
            build_esp32_app(version="2.0.0", size=IMAGE_SIZE),
            None,
        ),
        (
            esp32_3x_board,
            ESP32_3X_MAC,
            build_esp32_app(version="2.0.0", size=IMAGE_SIZE),
            None,
        ),
        (
            esp32_p4_board,
            ESP32_P4_MAC,
            build_esp32_app(version="2.0.0", size=IMAGE_SIZE),
            None,
        ),
    ],
    ids=["esp8266", "esp32-2.x", "esp32-3.x", "esp32-3.x-no-wifi"],
)
async def test_each_cores_story_from_check_in_to_304(
    hass: HomeAssistant,
    pull_server: PullServer,
    person: Context,
    make_board: Callable[[], PullBoard],
    mac: str,
    image: bytes,
    new_version: str | None,
) -> None:
    emulated = make_board()
    entry = await pull_server.add_board(mac=mac)
    await pull_server.stage(
        entry, image, **({"version": new_version} if new_version else {})
    )
    checkins = hass.data[DATA_CHECK_INS]
    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert card(hass, mac) == ("1.0.0", "2.0.0", False, None)

    await press_install(hass, person, mac)
    assert card(hass, mac) == ("1.0.0", "2.0.0", True, None)

    # 200, and the board goes away after 64 KiB: nothing is left on the card.
    emulated.break_after = 64 * 1024
    outcome = await emulated.update(pull_server.url)
    assert (outcome.result, outcome.status) == (PullResult.FAILED, 200)
    await wait_until(hass, entry, lambda: checkins.progress(entry) is None)
    assert card(hass, mac) == ("1.0.0", "2.0.0", True, None)
    assert emulated.reboots == 0

    # 200 again: the whole image, checked against every digest sent.
    emulated.break_after = None
    outcome = await emulated.update(pull_server.url)
    assert outcome.result is PullResult.UPDATED
    assert emulated.flashed == [image]
    assert card(hass, mac) == ("1.0.0", "2.0.0", True, 100)

    # After the reboot it checks in running the image: installed, 304.
    emulated.version = new_version or emulated.version
    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert card(hass, mac) == ("2.0.0", "2.0.0", False, None)
    assert checkins.record(entry).check_in.sta_mac == mac


async def test_the_requests_are_the_cores_bytes() -> None:
    """Transcribed from HTTPClient::sendHeader and both handleUpdate()s."""
    esp8266 = esp8266_board()
    esp8266.chip_id = 0x1A2B3C
    md5 = esp8266.sketch_md5
    assert (
        esp8266.request("192.168.1.2", 8123, "/api/esp_ota/pull/t")
        == (
            "GET /api/esp_ota/pull/t HTTP/1.0\r\n"
            "Host: 192.168.1.2:8123\r\n"
            "User-Agent: ESP8266-http-Update\r\n"
            "Connection: close\r\n"
            "x-ESP8266-Chip-ID: 1715004\r\n"
            "x-ESP8266-STA-MAC: 5C:CF:7F:01:02:03\r\n"
            "x-ESP8266-AP-MAC: AA:BB:CC:00:00:01\r\n"
            "x-ESP8266-free-space: 2097152\r\n"
            "x-ESP8266-sketch-size: 65536\r\n"
            f"x-ESP8266-sketch-md5: {md5}\r\n"
            "x-ESP8266-chip-size: 4194304\r\n"
            "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\n"
            "x-ESP8266-mode: sketch\r\n"
            "x-ESP8266-version: 1.0.0\r\n"
            "\r\n"
        ).encode()
    )
    p4 = esp32_p4_board()
    assert (
        p4.request("ha.local", 80, "/p", "spiffs")
        == (
            "GET /p HTTP/1.0\r\n"
            "Host: ha.local\r\n"
            "User-Agent: ESP32-http-Update\r\n"
            "Connection: close\r\n"
            "Cache-Control: no-cache\r\n"
            "x-ESP32-BASE-MAC: 30:ED:A0:01:02:03\r\n"
            "x-ESP32-free-space: 1310720\r\n"
            "x-ESP32-sketch-size: 65536\r\n"
            f"x-ESP32-sketch-md5: {p4.sketch_md5}\r\n"
            "x-ESP32-chip-size: 4194304\r\n"
            "x-ESP32-sdk-version: v5.5.1\r\n"
            "x-ESP32-mode: spiffs\r\n"
            "x-ESP32-version: 1.0.0\r\n"
            "\r\n"
        ).encode()
    )


async def test_the_answer_carries_every_digest_the_esp32_client_checks(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    image = build_esp32_app(version="2.0.0", size=32 * 1024)
    entry = await pull_server.add_board(mac=ESP32_MAC)
    await pull_server.stage(entry, image)
    await press_install(hass, person, ESP32_MAC)
    response = await pull_server.get(esp32_board().headers())

    assert response.status == 200
    assert response.headers["x-MD5"] == hashlib.md5(image).hexdigest()  # noqa: S324
    assert response.headers["x-SHA256"] == hashlib.sha256(image).hexdigest()
    assert response.headers["x-SHA512"] == hashlib.sha512(image).hexdigest()
    # The client refuses an image whose digest differs (PR #12824's check).
    emulated = esp32_board()
    with patch.object(
        type(hass.data[DATA_CHECK_INS]), "async_sha512", return_value="0" * 128
    ):
        outcome = await emulated.update(pull_server.url)
    assert (outcome.result, outcome.reason) == (PullResult.FAILED, "sha512 mismatch")


async def test_the_version_query_gets_the_due_version_in_x_version(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    emulated = esp8266_board()
    entry = await pull_server.add_board(mac=ESP8266_MAC)
    # Nothing due: the client's "wrong HTTP code" (it wants 200 + x-version).
    outcome = await emulated.available_version(pull_server.url)
    assert (outcome.result, outcome.status) == (PullResult.FAILED, 304)

    image = build_esp8266_app(size=128 * 1024, seed=33)
    await pull_server.stage(entry, image, version="2.1.0")
    await press_install(hass, person, ESP8266_MAC)
    outcome = await emulated.available_version(pull_server.url)
    assert (outcome.result, outcome.version) == (PullResult.UPDATED, "2.1.0")
    response = await pull_server.get(
        {**emulated.headers(), "x-ESP8266-mode": "version"}
    )
    assert response.headers["x-MD5"] == hashlib.md5(image).hexdigest()  # noqa: S324
    assert await response.read() == b""
    # The query is a check-in too: a board running the image is installed.
    emulated.sketch = image
    outcome = await emulated.available_version(pull_server.url)
    assert outcome.status == 304
    assert card(hass, ESP8266_MAC)[:3] == ("2.1.0", "2.1.0", False)
