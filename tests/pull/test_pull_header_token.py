"""The token in the Authorization header, at the pull path without it.

``ESPhttpUpdate.setAuthorization(user, password)`` / ``httpUpdate.
setAuthorization(...)`` make the cores' HTTPClient send ``Authorization:
Basic`` on the first request; the board then calls ``/api/esp_ota/pull`` and
the secret never appears in a path or a log. Same answers, same 404s.
"""

from __future__ import annotations

import base64
import logging

from homeassistant.core import Context, HomeAssistant
import pytest

from custom_components.esp_ota.pull.protocol import header_token
from custom_components.esp_ota.pull.settings_form import pull_placeholders
from custom_components.esp_ota.settings import DATA_SETTINGS
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullBoard, PullResult
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import MAC, PullServer, board, press_install, slug

PLAIN_PATH = "/api/esp_ota/pull"


def basic(user: str, password: str) -> dict[str, str]:
    """Return the header HTTPClient::setAuthorization(user, password) sends."""
    value = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def test_the_emulated_board_sends_basic_as_httpclient_does() -> None:
    emulated = PullBoard(
        sta_mac=MAC.upper(), sketch=b"\xe9", user="esp_ota", password="s3cret"
    )
    lines = emulated.request("ha.local", 8123, PLAIN_PATH).decode().split("\r\n")
    assert lines[:5] == [
        f"GET {PLAIN_PATH} HTTP/1.0",
        "Host: ha.local:8123",
        "User-Agent: ESP32-http-Update",
        "Connection: close",
        "Authorization: Basic " + base64.b64encode(b"esp_ota:s3cret").decode(),
    ]
    # handleUpdate passes the credentials on only when both are set.
    emulated.password = ""
    assert b"Authorization" not in emulated.request("ha.local", 80, PLAIN_PATH)


def test_the_header_token_is_the_basic_password_or_the_bearer_value() -> None:
    assert header_token(basic("esp_ota", "abc")["Authorization"]) == "abc"
    assert header_token(basic("anyone", "a:b")["Authorization"]) == "a:b"
    assert header_token("Bearer abc") == "abc"
    assert header_token(basic("esp_ota", "")["Authorization"]) is None
    assert header_token("Basic not-base64!") is None
    assert header_token("Basic " + base64.b64encode(b"nocolon").decode()) is None
    assert header_token("Bearer ") is None
    assert header_token("Digest abc") is None
    assert header_token("") is None


@pytest.mark.parametrize("core", [Core.ESP8266, Core.ESP32])
async def test_a_board_with_basic_credentials_gets_what_the_token_path_gets(
    hass: HomeAssistant,
    pull_server: PullServer,
    person: Context,
    caplog: pytest.LogCaptureFixture,
    core: Core,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = pull_server.token
    plain = str(pull_server.client.make_url(PLAIN_PATH))
    old, new = (
        (
            build_esp8266_app(size=64 * 1024, seed=1),
            build_esp8266_app(size=128 * 1024, seed=2),
        )
        if core is Core.ESP8266
        else (
            build_esp32_app(version="1.0.0", size=64 * 1024),
            build_esp32_app(version="2.0.0", size=128 * 1024),
        )
    )
    emulated = board(core, sketch=old, version="1.0.0", user="esp_ota", password=token)
    entry = await pull_server.add_board()
    await pull_server.stage(entry, new, version="2.0.0")
    assert (await emulated.update(plain)).result is PullResult.NO_UPDATES
    await press_install(hass, person)
    outcome = await emulated.update(plain)
    assert (outcome.result, outcome.status) == (PullResult.UPDATED, 200)
    assert emulated.flashed == [new]
    emulated.version = "2.0.0"
    assert (await emulated.update(plain)).result is PullResult.NO_UPDATES
    assert hass.states.get(f"update.{slug(MAC)}_firmware").attributes[
        "installed_version"
    ] == ("2.0.0")
    # The secret was in no path and in no log line (HA's own included).
    assert token not in plain
    assert token not in caplog.text


async def test_wrong_or_missing_credentials_get_the_token_paths_404(
    pull_server: PullServer,
) -> None:
    headers = board().headers()
    token = pull_server.token
    client = pull_server.client
    wrong = pull_server.get(headers, token="wrong")
    reference = await wrong
    assert reference.status == 404
    for extra in (
        {},
        basic("esp_ota", "wrong"),
        basic("esp_ota", token[:-1]),
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic !!!"},
        {"Authorization": f"Token {token}"},
    ):
        response = await client.get(PLAIN_PATH, headers={**headers, **extra})
        assert (response.status, await response.read()) == (404, b"")
    for method in ("post", "put", "delete", "patch", "head"):
        response = await getattr(client, method)(
            PLAIN_PATH, headers={**headers, **basic("esp_ota", token)}
        )
        assert response.status == 404
    # A path token is not overridden by the header, right or wrong.
    response = await client.get(
        f"{PLAIN_PATH}/wrong", headers={**headers, **basic("esp_ota", token)}
    )
    assert response.status == 404


async def test_bearer_works_a_new_secret_voids_the_old_and_off_means_404(
    pull_server: PullServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = board().headers()
    token = pull_server.token
    client = pull_server.client
    response = await client.get(
        PLAIN_PATH, headers={**headers, "Authorization": f"Bearer {token}"}
    )
    assert response.status == 304
    response = await client.get(PLAIN_PATH, headers={**headers, **basic("x", token)})
    assert response.status == 304
    assert token not in caplog.text
    settings = pull_server.hass.data[DATA_SETTINGS]
    await settings.async_set_pull(enabled=True, rotate_token=True)
    response = await client.get(PLAIN_PATH, headers={**headers, **basic("x", token)})
    assert response.status == 404
    token = pull_server.token
    response = await client.get(PLAIN_PATH, headers={**headers, **basic("x", token)})
    assert response.status == 304
    await settings.async_set_pull(enabled=False, rotate_token=False)
    for extra in (basic("esp_ota", token), {"Authorization": f"Bearer {token}"}):
        response = await client.get(PLAIN_PATH, headers={**headers, **extra})
        assert (response.status, await response.read()) == (404, b"")


async def test_the_settings_step_shows_the_header_form(
    hass: HomeAssistant, pull_server: PullServer
) -> None:
    entry = await pull_server.add_board()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    shown = result["description_placeholders"]
    token = pull_server.token
    assert shown == pull_placeholders(hass, hass.data[DATA_SETTINGS])
    assert shown["pull_url_header"].endswith(PLAIN_PATH)
    assert token not in shown["pull_url_header"]
    assert shown["pull_snippet_header_esp8266"] == (
        f'ESPhttpUpdate.setAuthorization("esp_ota", "{token}"); '
        f'ESPhttpUpdate.update(client, "{shown["pull_url_header"]}", "<version>");'
    )
    assert shown["pull_snippet_header_esp32"].startswith(
        f'httpUpdate.setAuthorization("esp_ota", "{token}"); httpUpdate.update('
    )
