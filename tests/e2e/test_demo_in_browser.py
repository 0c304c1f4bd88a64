"""A person sets up and updates every kind of board, in a real browser.

The story (chapters in ``story.py``): add the discovered ESP32; add the web
updater board by hand; upload firmware for the ESP8266 (a file for the wrong
chip first, then the right one); read the pull server URL in the settings and
add a second pull board from its "New board checked in" discovery; read the
repair an unconfirmed automation install raises; install on the ESP32, on
the web updater board (its password changed: the install fails, its
re-authentication fixes it) and on the pull board; give the ESP8266 a wrong
password (Reconfigure), see its install fail and the re-authentication fix
it, then install on it with progress. Every dialog is checked for
untranslated text; the dialogs and repairs the story does not pass through
are opened and closed (``dialogs.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any, Final

import pytest

from demo.boards import ESP32_BOARD, ESP8266_BOARD, PULL_BOARD, WEB_BOARD, password_file
from demo.haconfig import DEMO_FIRMWARE_VERSION
from demo.stack import PASSWORD, USERNAME
from tests.e2e import dialogs, story
from tools.esp_images import build_esp32_app, build_esp8266_app

# Bounded by the demo's start (DEMO_READY_TIMEOUT) and the waits below, not
# by the suite's 60 s per-test default.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

REPO: Final = Path(__file__).resolve().parents[2]
ENTITY: Final = f"update.{story.slug(ESP32_BOARD.hostname)}_firmware"
PULL_ENTITY: Final = f"update.{story.slug(PULL_BOARD.hostname)}_firmware"
ESP8266_LAST_INSTALL: Final = (
    f"sensor.{story.slug(ESP8266_BOARD.hostname)}_last_install"
)
# The inbox stages a file once it is unchanged over two scans, 10 s apart.
STAGED_TIMEOUT_MS: Final = 60_000
ESP8266_VERSION: Final = "1.1.0"
# A second pull board, started by the test once it read the pull server URL.
ATTIC_MAC: Final = "5C:CF:7F:00:00:02"
ATTIC_NAME: Final = "esp8266-attic"
PULL_URL_VARIABLE: Final = "ESP_OTA_E2E_PULL_URL"
# How much of Home Assistant's log a failure prints.
LOG_TAIL_LINES: Final = 200
WEB_LAST_INSTALL: Final = f"sensor.{story.slug(WEB_BOARD.device)}_last_install"
# The web board's new password (written to its password file mid-story).
NEW_WEB_PASSWORD: Final = "shed-update-2"


def log_in(page: Any, url: str) -> None:
    """Log in on Home Assistant's login page as the demo owner."""
    page.goto(url)
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/lovelace/"))


def add_discovered_esp32(page: Any, url: str, screenshots: Path) -> None:
    """Add the ESP32 waiting under "Discovered" in Devices & services."""
    from playwright.sync_api import expect  # optional dependency

    story.goto(page, f"{url}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=ESP32_BOARD.hostname)
    expect(card).to_be_visible(timeout=STAGED_TIMEOUT_MS)
    card.screenshot(path=screenshots / "discovered-board.png")
    card.get_by_role("button", name="Add").click()
    flow = story.flow_dialog(page)
    expect(flow.get_by_text("127.0.0.1:3232")).to_be_visible()
    story.assert_clean(page, "config flow: zeroconf_confirm")
    flow.get_by_role("button", name="Submit").click()
    flow.get_by_role("button", name="Finish").click()
    expect(flow).to_be_hidden()


def start_attic_pull_board(pull_url: str) -> subprocess.Popen[bytes]:
    """Start a second pull board that checks in once (the URL via environment)."""
    return subprocess.Popen(  # noqa: S603 - our own emulator
        [
            sys.executable,
            "-m",
            "tools.esp_emulator",
            "--pull",
            f"@{PULL_URL_VARIABLE}",
            "--core",
            "esp8266",
            "--hostname",
            ATTIC_NAME,
            "--mac",
            ATTIC_MAC,
            "--version",
            "1.0.0",
            "--check-ins",
            "1",
        ],
        cwd=REPO,
        env={**os.environ, PULL_URL_VARIABLE: pull_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def update_esp32(page: Any, url: str, screenshots: Path) -> None:
    """Install the staged 2.0.0 on the ESP32 and watch it flash."""
    page.wait_for_function(
        story.STAGED_JS, arg=[ENTITY, DEMO_FIRMWARE_VERSION], timeout=STAGED_TIMEOUT_MS
    )
    dialog = story.open_update_dialog(page, url, ESP32_BOARD.hostname)
    story.press_install(dialog, ESP32_BOARD.version)
    story.watch_progress(page, dialog, ENTITY, screenshots / "update-in-progress.png")
    # The emulated board reboots and announces the new version.
    story.wait_installed(
        page, dialog, ENTITY, DEMO_FIRMWARE_VERSION, screenshots / "update-finished.png"
    )


def update_web_board(page: Any, url: str, run_dir: Path) -> None:
    """Install on the web board after its password changed: 401, re-auth, install."""
    from playwright.sync_api import expect  # optional dependency

    page.wait_for_function(
        story.STAGED_JS,
        arg=[story.WEB_ENTITY, DEMO_FIRMWARE_VERSION],
        timeout=STAGED_TIMEOUT_MS,
    )
    # Someone flashed the board with new credentials since it was added.
    password_file(run_dir, WEB_BOARD).write_text(NEW_WEB_PASSWORD, "utf-8")
    dialog = story.open_update_dialog(page, url, WEB_BOARD.device)
    # A web updater board announces no version: esp_ota has not flashed it yet.
    story.press_install(dialog, "unknown")
    page.wait_for_function(
        "([entity]) => document.querySelector('home-assistant')?.hass"
        "?.states[entity]?.state === 'failed'",
        arg=[WEB_LAST_INSTALL],
        timeout=30_000,
    )
    story.assert_clean(page, "the failed web install")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    story.wait_history_settled(page)
    dialogs.fix_web_credentials_by_reauth(page, url, NEW_WEB_PASSWORD)
    # The entry reloads with the new credentials; its card comes back.
    page.wait_for_function(
        "([entity]) => ['on', 'off'].includes(document.querySelector("
        "'home-assistant')?.hass?.states[entity]?.state)",
        arg=[story.WEB_ENTITY],
        timeout=30_000,
    )
    dialog = story.open_update_dialog(page, url, WEB_BOARD.device)
    story.press_install(dialog, "unknown")
    story.wait_installed(page, dialog, story.WEB_ENTITY, DEMO_FIRMWARE_VERSION)


def update_pull_board(page: Any, url: str) -> None:
    """Press Install on the pull board: it takes 2.0.0 at its next check-in."""
    page.wait_for_function(
        story.STAGED_JS,
        arg=[PULL_ENTITY, DEMO_FIRMWARE_VERSION],
        timeout=STAGED_TIMEOUT_MS,
    )
    dialog = story.open_update_dialog(page, url, PULL_BOARD.hostname)
    story.press_install(dialog, PULL_BOARD.version)
    story.wait_installed(page, dialog, PULL_ENTITY, DEMO_FIRMWARE_VERSION)


def update_esp8266(page: Any, url: str, screenshots: Path) -> None:
    """Fail an install with a wrong password, fix it, install with progress."""
    story.reconfigure_password(page, url, "not-the-password")
    dialog = story.open_update_dialog(page, url, ESP8266_BOARD.hostname)
    story.press_install(dialog, ESP8266_BOARD.version)
    page.wait_for_function(
        "([entity]) => document.querySelector('home-assistant')?.hass"
        "?.states[entity]?.state === 'failed'",
        arg=[ESP8266_LAST_INSTALL],
        timeout=30_000,
    )
    assert story.attribute(page, ESP8266_LAST_INSTALL, "reason") == (
        "authentication_failed"
    )
    story.assert_clean(page, "the failed install")
    assert ESP8266_BOARD.password is not None
    # The entry reloads with the new password; the chapter waits for its card.
    story.fix_password_by_reauth(page, url, ESP8266_BOARD.password)

    dialog = story.open_update_dialog(page, url, ESP8266_BOARD.hostname)
    story.press_install(dialog, ESP8266_BOARD.version)
    story.watch_progress(
        page,
        dialog,
        story.ESP8266_ENTITY,
        screenshots / "esp8266-update-in-progress.png",
    )
    # The board announces its sketch MD5; the card shows the version it is of.
    story.wait_installed(
        page,
        dialog,
        story.ESP8266_ENTITY,
        ESP8266_VERSION,
        screenshots / "esp8266-update-finished.png",
    )
    page.locator("hui-entities-card").filter(has_text="Last install").screenshot(
        path=screenshots / "last-install.png"
    )


def test_a_person_sets_up_and_updates_every_kind_of_board(
    demo: str, page: Any, screenshots: Path, tmp_path: Path
) -> None:
    try:
        tell_the_story(demo, page, screenshots, tmp_path)
    except BaseException:
        # What the browser showed when it went wrong (not a docs screenshot),
        # and what Home Assistant logged: CI keeps only this test's output.
        page.screenshot(path=screenshots / "failure.png")
        print_log_tail(tmp_path / "run" / "home-assistant.log")
        raise


def print_log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> None:
    """Print the end of the demo's Home Assistant log, to explain a failure."""
    if log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        # Shown by pytest under "Captured stdout call".
        sys.stdout.write("\n".join([f"--- last {len(tail)} lines of {log} ---", *tail]))


def tell_the_story(demo: str, page: Any, screenshots: Path, tmp_path: Path) -> None:
    """Run every chapter in order."""
    log_in(page, demo)
    dialogs.open_store_repairs(page, demo)
    add_discovered_esp32(page, demo, screenshots)
    story.add_web_board_by_hand(page, demo)
    dialogs.open_every_other_dialog(page, demo)

    refused = tmp_path / "garden-controller.bin"
    refused.write_bytes(build_esp32_app(version="2.0.0"))
    accepted = tmp_path / "workshop.bin"
    accepted.write_bytes(build_esp8266_app(size=256 * 1024))
    story.stage_by_upload(
        page,
        demo,
        refused=refused,
        accepted=accepted,
        version=ESP8266_VERSION,
        shots=screenshots,
    )
    attic = start_attic_pull_board(story.read_pull_url(page, demo))
    try:
        story.add_checked_in_pull_board(page, demo, ATTIC_MAC, ATTIC_NAME)
        assert attic.wait(timeout=30) == 0
    finally:
        if attic.returncode is None:
            attic.kill()
            attic.wait()
    story.open_confirmation_repair(page, demo, ESP8266_VERSION)
    dialogs.install_on_board_that_never_returns(page, demo)

    update_esp32(page, demo, screenshots)
    # The demo fixture runs the demo in tmp_path / "run" (tests/e2e/conftest.py).
    update_web_board(page, demo, tmp_path / "run")
    update_pull_board(page, demo)
    dialogs.open_no_room_repair(page, demo)
    dialogs.open_source_failing_repair(page, demo)
    dialogs.open_did_not_return_repair(page, demo)
    update_esp8266(page, demo, screenshots)
