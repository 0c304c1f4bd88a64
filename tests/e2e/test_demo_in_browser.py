"""A person adds a discovered board and updates it, in a real browser."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

import pytest

from demo.boards import ESP32_BOARD, PULL_BOARD
from demo.haconfig import DEMO_FIRMWARE_VERSION
from demo.stack import PASSWORD, USERNAME

# Bounded by the demo's start (DEMO_READY_TIMEOUT) and the waits below, not
# by the suite's 60 s per-test default.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

ENTITY = f"update.{ESP32_BOARD.hostname.replace('-', '_')}_firmware"
# The pull board's device takes the name the demo gives it when adding it.
PULL_ENTITY = f"update.{PULL_BOARD.hostname.replace('-', '_')}_firmware"
# The inbox stages a file once it is unchanged over two scans, 10 s apart.
STAGED_TIMEOUT_MS = 60_000
# 256 KiB at the demo's 40 kB/s flash speed plus the emulated reboot: ~8 s.
INSTALL_TIMEOUT_MS = 60_000
# The pull board takes an armed update at its next check-in (every 10 s) and
# checks in again at once after its reboot.
PULL_INSTALL_TIMEOUT_MS = 60_000

# The dialog's install button: "Update" in Home Assistant 2025.4's frontend.
INSTALL_BUTTON = re.compile(r"^(Install|Update)$")

# Reads one attribute of an entity through the frontend's own hass object.
ATTRIBUTE_JS = """([entity, attribute]) => {
  const hass = document.querySelector("home-assistant")?.hass;
  const state = hass?.states[entity];
  return state ? (state.attributes[attribute] ?? null) : undefined;
}"""
STAGED_JS = """([entity, version]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  return state?.attributes.latest_version === version;
}"""
PROGRESSING_JS = """([entity]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  const percent = state?.attributes.update_percentage;
  return state?.attributes.in_progress === true && percent >= 20 && percent < 90;
}"""
INSTALLED_JS = """([entity, version]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  return state?.attributes.installed_version === version
    && state.attributes.in_progress === false && state.state === "off";
}"""


def log_in(page: Any, url: str) -> None:
    """Log in on Home Assistant's login page as the demo owner."""
    page.goto(url)
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/lovelace/"))


def test_a_person_adds_the_discovered_board_and_updates_it_and_the_pull_board(
    demo: str, page: Any, screenshots: Path
) -> None:
    from playwright.sync_api import expect  # optional dependency

    log_in(page, demo)

    # Settings → Devices & services: the ESP32 waits under "Discovered".
    page.goto(f"{demo}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=ESP32_BOARD.hostname)
    expect(card).to_be_visible(timeout=STAGED_TIMEOUT_MS)
    card.screenshot(path=screenshots / "discovered-board.png")
    card.get_by_role("button", name="Add").click()
    flow = page.locator("dialog-data-entry-flow")
    expect(flow.get_by_text("127.0.0.1:3232")).to_be_visible()
    flow.get_by_role("button", name="Submit").click()
    flow.get_by_role("button", name="Finish").click()
    expect(flow).to_be_hidden()

    # The demo firmware waits in the board's watched folder and gets staged.
    page.wait_for_function(
        STAGED_JS, arg=[ENTITY, DEMO_FIRMWARE_VERSION], timeout=STAGED_TIMEOUT_MS
    )
    assert page.evaluate(ATTRIBUTE_JS, [ENTITY, "installed_version"]) == (
        ESP32_BOARD.version
    )

    # The dashboard: open the board's update dialog and press Install.
    page.goto(f"{demo}/lovelace/boards")
    page.locator("hui-entities-card").get_by_text(
        f"{ESP32_BOARD.hostname} Firmware"
    ).click()
    dialog = page.locator("ha-more-info-dialog")
    install = dialog.get_by_role("button", name=INSTALL_BUTTON)
    surface = dialog.locator(".mdc-dialog__surface")
    installed = dialog.locator(".row", has_text="Installed version").locator(".value")
    expect(installed).to_have_text(ESP32_BOARD.version)
    expect(install).to_be_enabled()
    install.click()

    # Progress: the entity reports a percentage and the dialog's bar shows it
    # (waiting for a fifth of the image gives a screenshot with a visible bar).
    page.wait_for_function(PROGRESSING_JS, arg=[ENTITY], timeout=INSTALL_TIMEOUT_MS)
    bar = dialog.locator("mwc-linear-progress:not([indeterminate])")
    expect(bar).to_be_visible()
    shown = bar.evaluate("bar => bar.progress")
    assert 0 < shown < 1
    surface.screenshot(path=screenshots / "update-in-progress.png")
    first = page.evaluate(ATTRIBUTE_JS, [ENTITY, "update_percentage"])
    page.wait_for_function(
        "([entity, first]) => { const s = document.querySelector('home-assistant')"
        "?.hass?.states[entity]; return s?.attributes.update_percentage > first"
        " || s?.attributes.in_progress === false; }",
        arg=[ENTITY, first],
        timeout=INSTALL_TIMEOUT_MS,
    )

    # The emulated board reboots and announces the new version.
    page.wait_for_function(
        INSTALLED_JS, arg=[ENTITY, DEMO_FIRMWARE_VERSION], timeout=INSTALL_TIMEOUT_MS
    )
    expect(bar).to_be_hidden()
    expect(installed).to_have_text(DEMO_FIRMWARE_VERSION)
    expect(install).to_be_disabled()  # up to date: nothing left to install
    surface.screenshot(path=screenshots / "update-finished.png")

    # The pull board: the demo added it once it checked in, and its 2.0.0 is
    # staged. Install arms the update; the board takes it at its next check-in.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.wait_for_function(
        STAGED_JS, arg=[PULL_ENTITY, DEMO_FIRMWARE_VERSION], timeout=STAGED_TIMEOUT_MS
    )
    assert page.evaluate(ATTRIBUTE_JS, [PULL_ENTITY, "installed_version"]) == (
        PULL_BOARD.version
    )
    page.locator("hui-entities-card").get_by_text(
        f"{PULL_BOARD.hostname} Firmware"
    ).click()
    expect(installed).to_have_text(PULL_BOARD.version)
    expect(install).to_be_enabled()
    install.click()
    page.wait_for_function(
        INSTALLED_JS,
        arg=[PULL_ENTITY, DEMO_FIRMWARE_VERSION],
        timeout=PULL_INSTALL_TIMEOUT_MS,
    )
    expect(installed).to_have_text(DEMO_FIRMWARE_VERSION)
