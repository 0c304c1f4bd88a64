"""Dialogs the story's chapters do not pass through, opened, read and closed.

Each is checked with ``story.assert_clean`` (no "Translation error", no raw
``component.esp_ota.`` key): the firmware source step of the options, a web
board's Reconfigure, and the discovery dialogs of the two boards the demo
leaves "Discovered" (an ArduinoOTA board with a password and a web updater
board that announces its page).
"""

from __future__ import annotations

from typing import Any

from demo.boards import BARN_BOARD, ESP8266_BOARD, PORCH_BOARD, WEB_BOARD
from tests.e2e import story


def open_source_step(page: Any, url: str) -> None:
    """Options menu → "Firmware source": read the form, close it."""
    from playwright.sync_api import expect  # optional dependency

    title = ESP8266_BOARD.hostname
    flow = story.open_board_options(page, url, title)
    flow.get_by_text(f"Firmware source for {title}").click()
    expect(flow.get_by_role("textbox", name="Manifest URL")).to_be_visible()
    assert_clean_with_text(page, flow, "options flow: source")
    story.close_flow(page)


def open_web_reconfigure(page: Any, url: str) -> None:
    """Entry menu of the web board → Reconfigure: read the form, close it."""
    from playwright.sync_api import expect  # optional dependency

    row = story.entry_row(page, url, WEB_BOARD.device)
    row.get_by_role("button", name="Menu").click()
    page.get_by_role("menuitem", name="Reconfigure").click()
    flow = story.flow_dialog(page)
    expect(flow.get_by_role("textbox", name="Update path")).to_be_visible()
    assert_clean_with_text(page, flow, "config flow: reconfigure_web")
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
    assert_clean_with_text(page, flow, "config flow: zeroconf_confirm (password)")
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_role("textbox", name="Password")).to_be_visible()
    assert_clean_with_text(page, flow, "config flow: zeroconf_password")
    story.close_flow(page)


def open_web_discovery(page: Any, url: str) -> None:
    """Add the web updater board that announces itself; read the confirmation."""
    from playwright.sync_api import expect  # optional dependency

    flow = open_discovered(page, url, BARN_BOARD.hostname)
    address = f"http://{BARN_BOARD.host}:{BARN_BOARD.port}{BARN_BOARD.path}"
    expect(flow.get_by_text(address)).to_be_visible()
    assert_clean_with_text(page, flow, "config flow: web_confirm")
    story.close_flow(page)


def assert_clean_with_text(page: Any, flow: Any, where: str) -> None:
    """Check the page, and that the dialog's title is not empty."""
    story.assert_clean(page, where)
    assert flow.inner_text().strip(), f"{where}: an empty dialog"


def open_every_other_dialog(page: Any, url: str) -> None:
    """Open, check and close each dialog the story does not reach."""
    open_source_step(page, url)
    open_web_reconfigure(page, url)
    open_password_discovery(page, url)
    open_web_discovery(page, url)
