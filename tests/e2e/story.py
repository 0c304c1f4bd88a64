"""Chapters of the browser story, each what a person does on one screen.

``test_demo_in_browser.py`` runs them in order against the demo. Every dialog
a chapter opens is checked with ``assert_clean``: no "Translation error" (the
frontend's text for a string it cannot format) and no raw
``component.esp_ota.`` key (a string that is missing), anywhere on the page,
shadow roots included.
"""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any, Final

from demo.boards import ESP8266_BOARD, WEB_BOARD

# The dialog's install button: "Update" in Home Assistant 2025.4's frontend.
INSTALL_BUTTON: Final = re.compile(r"^(Install|Update)$")
BROKEN_TEXT: Final = re.compile(
    r"translation error|component\.esp_ota\.", re.IGNORECASE
)

# Every text node and label-like attribute on the page, through shadow roots.
PAGE_TEXT_JS: Final = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) out.push(text);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      for (const name of ["label", "title", "heading", "placeholder", "helper"]) {
        const value = node.getAttribute(name);
        if (value) out.push(value);
      }
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return out;
}"""
# Reads one attribute of an entity through the frontend's own hass object.
ATTRIBUTE_JS: Final = """([entity, attribute]) => {
  const hass = document.querySelector("home-assistant")?.hass;
  const state = hass?.states[entity];
  return state ? (state.attributes[attribute] ?? null) : undefined;
}"""
STATE_JS: Final = """([entity]) =>
  document.querySelector("home-assistant")?.hass?.states[entity]?.state ?? null"""
STAGED_JS: Final = """([entity, version]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  return state?.attributes.latest_version === version;
}"""
PROGRESSING_JS: Final = """([entity]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  const percent = state?.attributes.update_percentage;
  return state?.attributes.in_progress === true && percent >= 20 && percent < 90;
}"""
INSTALLED_JS: Final = """([entity, version]) => {
  const state = document.querySelector("home-assistant")?.hass?.states[entity];
  return state?.attributes.installed_version === version
    && state.attributes.in_progress === false && state.state === "off";
}"""
DIALOG_CLOSED_JS: Final = "() => !history.state?.dialog"
FIRE_EVENT_JS: Final = """([eventType]) => document.querySelector("home-assistant")
  .hass.callWS({type: "fire_event", event_type: eventType})"""


def slug(name: str) -> str:
    """Return the entity id part Home Assistant makes of a device name."""
    return name.replace("-", "_").replace(".", "_")


ESP8266_ENTITY: Final = f"update.{slug(ESP8266_BOARD.hostname)}_firmware"
WEB_ENTITY: Final = f"update.{slug(WEB_BOARD.device)}_firmware"


def assert_clean(page: Any, where: str) -> None:
    """Fail if the page shows a string the frontend could not translate."""
    broken = [text for text in page.evaluate(PAGE_TEXT_JS) if BROKEN_TEXT.search(text)]
    assert not broken, f"{where}: {broken}"


def attribute(page: Any, entity: str, name: str) -> Any:
    """Return one attribute of an entity as the frontend has it."""
    return page.evaluate(ATTRIBUTE_JS, [entity, name])


def flow_dialog(page: Any) -> Any:
    """Return the config, options or repair flow dialog."""
    return page.locator("dialog-data-entry-flow")


def goto(page: Any, target: str) -> None:
    """Open ``target`` unless the page shows it already.

    A load can race the app's own client-side navigation (a closing dialog
    steps back in the history), and Chromium aborts the load
    (net::ERR_ABORTED): the app's navigation has happened then, so the load
    is tried again, at most twice more.
    """
    from playwright.sync_api import Error  # optional dependency

    if page.url.split("?", 1)[0] == target:
        return
    for attempt in range(3):
        try:
            page.goto(target)
        except Error as err:
            if "ERR_ABORTED" not in str(err) or attempt == 2:
                raise
            page.wait_for_load_state()
        else:
            return


def close_flow(page: Any) -> None:
    """Close the flow dialog with its close button."""
    from playwright.sync_api import expect  # optional dependency

    flow = flow_dialog(page)
    flow.get_by_role("button", name="Close").first.click()
    expect(flow).to_be_hidden()
    wait_dialog_history(page)


def wait_dialog_history(page: Any) -> None:
    """Wait until a closed dialog's step back in the history has happened.

    The frontend's dialog manager pushes a history state ``{dialog: tag}``
    when a dialog opens and calls ``history.back()`` when it closes; a page
    loaded before that step would be left again at once.
    """
    page.wait_for_function(DIALOG_CLOSED_JS)


def entry_row(page: Any, url: str, title: str) -> Any:
    """Open esp_ota's integration page; return the row of the entry ``title``."""
    from playwright.sync_api import expect  # optional dependency

    goto(page, f"{url}/config/integrations/integration/esp_ota")
    row = page.locator("ha-md-list-item").filter(has_text=title)
    expect(row).to_be_visible(timeout=30_000)
    return row


def add_web_board_by_hand(page: Any, url: str) -> None:
    """Add integration → esp_ota → "web updater" → address → credentials."""
    from playwright.sync_api import expect  # optional dependency

    goto(page, f"{url}/config/integrations/dashboard/add?domain=esp_ota")
    page.get_by_role("button", name="OK").click()
    flow = flow_dialog(page)
    host = flow.get_by_role("textbox", name="Host")
    another = page.get_by_text("Setup another instance")
    expect(host.or_(another)).to_be_visible()
    if another.is_visible():
        # A board is waiting under "Discovered"; the person sets up another.
        another.click()
    expect(host).to_be_visible()
    assert_clean(page, "config flow: user")
    host.fill(WEB_BOARD.host)
    flow.get_by_role("checkbox", name=re.compile("web updater")).check()
    flow.get_by_role("button", name="Submit").click()
    path = flow.get_by_role("textbox", name="Update path")
    expect(path).to_be_visible()
    assert_clean(page, "config flow: web")
    flow.get_by_role("spinbutton", name="Port").fill(str(WEB_BOARD.port))
    flow.get_by_role("button", name="Submit").click()
    # The board answers 401: the next step asks for its credentials.
    expect(flow.get_by_text("asks for a user name and password")).to_be_visible()
    assert_clean(page, "config flow: web_credentials")
    flow.get_by_role("textbox", name="Username").fill(WEB_BOARD.username)
    flow.get_by_role("textbox", name="Password").fill(WEB_BOARD.password)
    flow.get_by_role("button", name="Submit").click()
    expect(
        flow.get_by_text(f"Created configuration for {WEB_BOARD.device}")
    ).to_be_visible()
    flow.get_by_role("button", name="Finish").click()
    expect(flow).to_be_hidden()


def open_board_options(page: Any, url: str, title: str) -> Any:
    """Press Configure on a board's entry; return the flow dialog at its menu."""
    from playwright.sync_api import expect  # optional dependency

    entry_row(page, url, title).get_by_role("button", name="Configure").click()
    flow = flow_dialog(page)
    expect(flow.get_by_text(f"Stage a firmware image for {title}")).to_be_visible()
    assert_clean(page, "options flow: init (menu)")
    return flow


def stage_by_upload(
    page: Any, url: str, *, refused: Path, accepted: Path, version: str, shots: Path
) -> None:
    """Upload a file the board cannot take, read why, then upload the right one."""
    from playwright.sync_api import expect  # optional dependency

    title = ESP8266_BOARD.hostname
    flow = open_board_options(page, url, title)
    flow.get_by_text(f"Stage a firmware image for {title}").click()
    upload = flow.locator("input[type=file]")
    expect(flow.get_by_role("textbox", name="Version")).to_be_visible()
    assert_clean(page, "options flow: upload")
    upload.set_input_files(refused)
    expect(flow.get_by_text(refused.name)).to_be_visible()
    flow.get_by_role("button", name="Submit").click()
    error = flow.get_by_text("built for ESP32, but the board is an ESP8266")
    expect(error).to_be_visible()
    assert_clean(page, "options flow: upload refused")
    # Tall enough for the whole form: the dialog would scroll in 800 px.
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1100})
    flow.locator(".mdc-dialog__surface").screenshot(path=shots / "upload-refused.png")
    page.set_viewport_size(size)
    # As the error advises: pick the right file and submit again.
    upload.set_input_files(accepted)
    expect(flow.get_by_text(accepted.name)).to_be_visible()
    flow.get_by_role("textbox", name="Version").fill(version)
    flow.get_by_role("button", name="Submit").click()
    # The result names the version and the board.
    expect(
        flow.get_by_text(re.compile(rf"{re.escape(version)}.*{title}"))
    ).to_be_visible()
    assert_clean(page, "options flow: upload done")
    close_flow(page)
    page.wait_for_function(STAGED_JS, arg=[ESP8266_ENTITY, version], timeout=10_000)


def read_pull_url(page: Any, url: str) -> str:
    """Open the settings step of the options; return the pull server URL shown."""
    from playwright.sync_api import expect  # optional dependency

    flow = open_board_options(page, url, ESP8266_BOARD.hostname)
    flow.get_by_text("Settings for all boards").click()
    expect(flow.get_by_text("Boards flashed at the same time")).to_be_visible()
    assert_clean(page, "options flow: settings")
    shown = flow.get_by_text(re.compile(r"http://\S+/api/esp_ota/pull/\S+")).first
    found = re.search(r"http://\S+/api/esp_ota/pull/[^\s`]+", shown.inner_text())
    assert found is not None
    close_flow(page)
    return found.group(0)


def open_confirmation_repair(page: Any, url: str, version: str) -> None:
    """Let an automation try an install nobody confirmed; read the repair."""
    from playwright.sync_api import expect  # optional dependency

    # The demo's automation installs on the ESP8266 when this event fires.
    page.evaluate(FIRE_EVENT_JS, ["esp_ota_demo_install_workshop"])
    goto(page, f"{url}/config/repairs")
    issue = page.get_by_text(f"Confirm firmware {version} for {ESP8266_BOARD.hostname}")
    expect(issue).to_be_visible()
    issue.click()
    dialog = page.locator("dialog-repairs-issue")
    expect(dialog.get_by_text("no person has confirmed this image")).to_be_visible()
    assert_clean(page, "repairs: install_needs_confirmation")
    # Left open: the next chapter loads another page. Closing it steps back
    # in the history, which would race that load.


def reconfigure_password(page: Any, url: str, password: str) -> None:
    """Entry menu → Reconfigure: change the board's OTA password."""
    from playwright.sync_api import expect  # optional dependency

    row = entry_row(page, url, ESP8266_BOARD.hostname)
    row.get_by_role("button", name="Menu").click()
    page.get_by_role("menuitem", name="Reconfigure").click()
    flow = flow_dialog(page)
    field = flow.get_by_role("textbox", name="Password")
    expect(field).to_be_visible()
    assert_clean(page, "config flow: reconfigure")
    field.fill(password)
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("Re-configuration was successful")).to_be_visible()
    close_flow(page)


def fix_password_by_reauth(page: Any, url: str, password: str) -> None:
    """Enter the right password in the re-authentication the refusal started."""
    from playwright.sync_api import expect  # optional dependency

    goto(page, f"{url}/config/integrations/dashboard")
    card = page.locator("ha-config-flow-card").filter(has_text=ESP8266_BOARD.hostname)
    card.get_by_role("button", name="Reconfigure").click()
    flow = flow_dialog(page)
    field = flow.get_by_role("textbox", name="Password")
    expect(field).to_be_visible()
    assert_clean(page, "config flow: reauth_confirm")
    field.fill(password)
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text("Re-authentication was successful")).to_be_visible()
    close_flow(page)


def open_update_dialog(page: Any, url: str, name: str) -> Any:
    """Open a board's update dialog from the demo dashboard; return it."""
    goto(page, f"{url}/lovelace/boards")
    page.locator("hui-entities-card").get_by_text(f"{name} Firmware").click()
    return page.locator("ha-more-info-dialog")


def press_install(dialog: Any, installed_before: str) -> None:
    """Check the installed version, then press Install (Update)."""
    from playwright.sync_api import expect  # optional dependency

    install = dialog.get_by_role("button", name=INSTALL_BUTTON)
    expect(installed_row(dialog)).to_have_text(installed_before)
    expect(install).to_be_enabled()
    install.click()


def installed_row(dialog: Any) -> Any:
    """Return the dialog's "Installed version" value."""
    return dialog.locator(".row", has_text="Installed version").locator(".value")


def watch_progress(page: Any, dialog: Any, entity: str, shot: Path) -> None:
    """See the entity's percentage and the dialog's bar move mid-install."""
    from playwright.sync_api import expect  # optional dependency

    # Waiting for a fifth of the image gives a screenshot with a visible bar.
    page.wait_for_function(PROGRESSING_JS, arg=[entity], timeout=60_000)
    bar = dialog.locator("mwc-linear-progress:not([indeterminate])")
    expect(bar).to_be_visible()
    shown = bar.evaluate("bar => bar.progress")
    assert 0 < shown < 1
    dialog.locator(".mdc-dialog__surface").screenshot(path=shot)
    first = attribute(page, entity, "update_percentage")
    page.wait_for_function(
        "([entity, first]) => { const s = document.querySelector('home-assistant')"
        "?.hass?.states[entity]; return s?.attributes.update_percentage > first"
        " || s?.attributes.in_progress === false; }",
        arg=[entity, first],
        timeout=60_000,
    )


def wait_installed(
    page: Any, dialog: Any, entity: str, version: str, shot: Path | None = None
) -> None:
    """Wait until the board runs ``version`` and the dialog says so."""
    from playwright.sync_api import expect  # optional dependency

    page.wait_for_function(INSTALLED_JS, arg=[entity, version], timeout=60_000)
    expect(dialog.locator("mwc-linear-progress")).to_be_hidden()
    expect(installed_row(dialog)).to_have_text(version)
    # Up to date: nothing left to install.
    expect(dialog.get_by_role("button", name=INSTALL_BUTTON)).to_be_disabled()
    assert_clean(page, f"update dialog of {entity}")
    if shot is not None:
        dialog.locator(".mdc-dialog__surface").screenshot(path=shot)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def add_checked_in_pull_board(page: Any, url: str, mac: str, name: str) -> None:
    """Add a pull board from its "New board checked in" discovery."""
    from playwright.sync_api import expect  # optional dependency

    # Under "Discovered" on esp_ota's page, named by its MAC.
    entry_row(page, url, mac.lower()).get_by_role("button", name="Add").click()
    flow = flow_dialog(page)
    expect(flow.get_by_text(f"A board with STA MAC {mac.lower()}")).to_be_visible()
    assert_clean(page, "config flow: pull_confirm")
    flow.get_by_role("textbox", name="Name").fill(name)
    flow.get_by_role("button", name="Submit").click()
    expect(flow.get_by_text(f"Created configuration for {name}")).to_be_visible()
    flow.get_by_role("button", name="Finish").click()
    expect(flow).to_be_hidden()
