"""Dialogs the story's chapters do not pass through, opened, read and closed.

Each is checked with ``story.assert_clean`` (no "Translation error", no raw
``component.esp_ota.`` key): the firmware source step of the options, a web
board's Reconfigure, and the discovery dialogs of the two boards the demo
leaves "Discovered" (an ArduinoOTA board with a password and a web updater
board that announces its page); and the "did not come back" repair of the
demo's board whose new firmware never boots (the demo waits 20 s for it,
``demo/esp_ota_demo``, instead of esp_ota's 3 minutes). Then the repairs the
story meets nowhere else: the four esp_ota raises when it loads stores the
demo wrote broken (``--store-faults``), the firmware source that keeps failing
(its manifest went away), and the pull board without room for the image; and
the web board's re-authentication after its password changed.
"""

from __future__ import annotations

from typing import Any, Final

from demo.boards import (
    BARN_BOARD,
    CELLAR_BOARD,
    ESP8266_BOARD,
    LOFT_BOARD,
    PORCH_BOARD,
    WEB_BOARD,
)
from demo.haconfig import (
    DEMO_COMEBACK_TIMEOUT,
    DEMO_FIRMWARE_VERSION,
    RETIRED_BOARD,
    RETIRED_VERSION,
)
from tests.e2e import story

CELLAR_ENTITY: Final = f"update.{story.slug(CELLAR_BOARD.hostname)}_firmware"
LOFT_ENTITY: Final = f"update.{story.slug(LOFT_BOARD.hostname)}_firmware"
# An action as Developer tools → Actions calls it (the frontend's own socket).
CALL_ACTION_JS: Final = """([domain, service]) => document.querySelector(
  "home-assistant").hass.callWS({type: "call_service", domain, service})"""
# The upload (about 6 s) and the demo's wait, with room for a busy machine.
REPAIR_TIMEOUT_MS: Final = (DEMO_COMEBACK_TIMEOUT + 40) * 1000


def open_source_step(page: Any, url: str) -> None:
    """Options menu → "Firmware source": read the form, close it."""
    from playwright.sync_api import expect  # optional dependency

    title = ESP8266_BOARD.hostname
    flow = story.open_board_options(page, url, title)
    flow.get_by_text(f"Firmware source for {title}").click()
    expect(flow.get_by_role("textbox", name="Manifest URL")).to_be_visible()
    expect(flow.get_by_text("A manifest URL that esp_ota checks")).to_be_visible()
    story.assert_clean(page, "options flow: source")
    story.close_flow(page)


def open_web_reconfigure(page: Any, url: str) -> None:
    """Entry menu of the web board → Reconfigure: read the form, close it."""
    from playwright.sync_api import expect  # optional dependency

    flow = story.open_reconfigure(page, url, WEB_BOARD.device)
    expect(flow.get_by_role("textbox", name="Update path")).to_be_visible()
    expect(
        flow.get_by_text(f"reaches the update page of {WEB_BOARD.device}")
    ).to_be_visible()
    story.assert_clean(page, "config flow: reconfigure_web")
    story.close_flow(page)


def open_discovered(page: Any, url: str, name: str) -> Any:
    """Press Add on a discovered board's card; return the flow dialog."""
    from playwright.sync_api import expect  # optional dependency

    story.goto(page, f"{url}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=name)
    expect(card).to_be_visible(timeout=60_000)
    card.get_by_role("button", name="Add").click()
    return story.flow_dialog(page)


def open_password_discovery(page: Any, url: str) -> None:
    """Add the discovered board with a password; read the password step; close."""
    from playwright.sync_api import expect  # optional dependency

    flow = open_discovered(page, url, PORCH_BOARD.hostname)
    expect(flow.get_by_text(f"127.0.0.1:{PORCH_BOARD.port}")).to_be_visible()
    story.assert_clean(page, "config flow: zeroconf_confirm (password)")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_role("textbox", name="Password")).to_be_visible()
    expect(
        flow.get_by_text(f"Enter the OTA password of {PORCH_BOARD.hostname}")
    ).to_be_visible()
    story.assert_clean(page, "config flow: zeroconf_password")
    story.close_flow(page)


def open_web_discovery(page: Any, url: str) -> None:
    """Add the web updater board that announces itself; read the confirmation."""
    from playwright.sync_api import expect  # optional dependency

    flow = open_discovered(page, url, BARN_BOARD.hostname)
    address = f"http://{BARN_BOARD.host}:{BARN_BOARD.port}{BARN_BOARD.path}"
    expect(flow.get_by_text(address)).to_be_visible()
    expect(flow.get_by_text(f"Add the board {BARN_BOARD.hostname}?")).to_be_visible()
    story.assert_clean(page, "config flow: web_confirm")
    story.close_flow(page)


def open_every_other_dialog(page: Any, url: str) -> None:
    """Open, check and close each dialog the story does not reach."""
    open_source_step(page, url)
    open_web_reconfigure(page, url)
    open_password_discovery(page, url)
    open_web_discovery(page, url)


def install_on_board_that_never_returns(page: Any, url: str) -> None:
    """Press Install on the board whose new image never boots; close the dialog."""
    from playwright.sync_api import expect  # optional dependency

    page.wait_for_function(
        story.STAGED_JS, arg=[CELLAR_ENTITY, DEMO_FIRMWARE_VERSION], timeout=60_000
    )
    dialog = story.open_update_dialog(page, url, CELLAR_BOARD.hostname)
    story.press_install(dialog, CELLAR_BOARD.version)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    story.wait_history_settled(page)


def open_did_not_return_repair(page: Any, url: str) -> None:
    """Read the repair esp_ota raised when that board stayed away."""
    from playwright.sync_api import expect  # optional dependency

    story.goto(page, f"{url}/config/repairs")
    issue = page.get_by_text(
        f"{CELLAR_BOARD.hostname} did not come back after an update"
    )
    expect(issue).to_be_visible(timeout=REPAIR_TIMEOUT_MS)
    issue.click()
    dialog = page.locator("dialog-repairs-issue")
    expect(
        dialog.get_by_text(f"accepted firmware version {DEMO_FIRMWARE_VERSION}")
    ).to_be_visible()
    story.assert_clean(page, "repairs: board_did_not_return")
    # Left open, as the story's other repair: the next chapter loads a page.


def _read_repair(
    page: Any, url: str, title: str, text: str, where: str, wait_ms: int
) -> None:
    """Open the repair ``title`` in Settings → Repairs, read it, close it."""
    from playwright.sync_api import expect  # optional dependency

    story.goto(page, f"{url}/config/repairs")
    issue = page.get_by_text(title)
    expect(issue).to_be_visible(timeout=wait_ms)
    issue.click()
    dialog = page.locator("dialog-repairs-issue")
    expect(dialog.get_by_text(text)).to_be_visible()
    story.assert_clean(page, where)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    story.wait_history_settled(page)


def open_store_repairs(page: Any, url: str) -> None:
    """Read the repairs of the stores the demo wrote broken (--store-faults)."""
    for title, text, key in (
        (
            f"Staged firmware {RETIRED_VERSION} for {RETIRED_BOARD} is gone",
            "was no longer on disk",
            "image_vanished",
        ),
        (
            ".storage/esp_ota.ledger was written by a newer ESP OTA",
            "has storage version 2",
            "store_newer_version",
        ),
        (
            "Some records in .storage/esp_ota.pull could not be read",
            "1 records in .storage/esp_ota.pull",
            "store_records_skipped",
        ),
        (
            ".storage/esp_ota.settings could not be read",
            "started without what it holds",
            "store_unreadable",
        ),
    ):
        _read_repair(page, url, title, text, f"repairs: {key}", 30_000)


def open_source_failing_repair(page: Any, url: str) -> None:
    """Check the sources three times (Developer tools → Actions); read the repair.

    The demo set esp32-cellar's firmware source, then its manifest went away:
    each check gets a 404, and the third in a row raises the repair.
    """
    for _ in range(3):
        page.evaluate(CALL_ACTION_JS, ["esp_ota", "check_sources"])
    _read_repair(
        page,
        url,
        f"The firmware source of {CELLAR_BOARD.hostname} keeps failing",
        "answered with HTTP status 404",
        "repairs: source_failing_http_status",
        30_000,
    )


def open_no_room_repair(page: Any, url: str) -> None:
    """Press Install on the pull board without room; read the repair it raises."""
    from playwright.sync_api import expect  # optional dependency

    page.wait_for_function(
        story.STAGED_JS, arg=[LOFT_ENTITY, DEMO_FIRMWARE_VERSION], timeout=60_000
    )
    dialog = story.open_update_dialog(page, url, LOFT_BOARD.hostname)
    story.press_install(dialog, LOFT_BOARD.version)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    story.wait_history_settled(page)
    # Refused at its next check-in (every 10 s); the wait allows four.
    _read_repair(
        page,
        url,
        f"Firmware {DEMO_FIRMWARE_VERSION} does not fit {LOFT_BOARD.hostname}",
        f"has {LOFT_BOARD.free_space} bytes free",
        "repairs: pull_no_room",
        int(LOFT_BOARD.interval * 4 * 1000),
    )


def fix_web_credentials_by_reauth(page: Any, url: str, password: str) -> None:
    """Enter the web board's new password in the re-authentication its 401 started."""
    from playwright.sync_api import expect  # optional dependency

    story.goto(page, f"{url}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=WEB_BOARD.device)
    card.get_by_role("button", name="Reconfigure").click()
    flow = story.flow_dialog(page)
    field = flow.get_by_role("textbox", name="Password")
    expect(field).to_be_visible()
    expect(
        flow.get_by_text(f"{WEB_BOARD.device} refused the stored user name")
    ).to_be_visible()
    story.assert_clean(page, "config flow: reauth_web")
    flow.get_by_role("textbox", name="Username").fill(WEB_BOARD.username)
    field.fill(password)
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("Re-authentication was successful")).to_be_visible()
    story.close_flow(page)
