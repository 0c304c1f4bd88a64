"""Installing through a board's web updater, with the emulated board."""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_UPDATE_PERCENTAGE,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_ON
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.transport import translate_error
from custom_components.esp_ota.transport.web_updater import ERRORS
from custom_components.esp_ota.webupdate import (
    FilesystemNotSupportedError,
    UnexpectedAnswerError,
    UploadInterruptedError,
    WebTimeoutError,
    WebUpdateError,
)
from tools.esp_emulator import Core
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import (
    WebBoardFactory,
    assert_progress_moved,
    install,
    install_watching_progress,
    stage,
)


def _posts(board: Any) -> int:
    return sum(1 for method, _ in board.emulator.requests if method == "POST")


async def test_install_from_the_ui_posts_the_image_with_progress_and_waits_for_the_board(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board(version_for_image=lambda image: "porch-2")
    image = build_esp8266_app(size=256 * 1024)
    await stage(hass, board, image, version="porch-2")

    percentages = await install_watching_progress(hass, board, person)

    assert board.emulator.received_images == [image]
    # It came back: the rebooted board answered its update page again.
    assert board.emulator.rebooted.is_set()
    assert board.emulator.requests[-1] == ("GET", "/update")
    assert board.runtime.last_seen is not None
    assert_progress_moved(percentages)
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_INSTALLED_VERSION] == "porch-2"


async def test_an_esp32_board_with_credentials_passes_the_origin_check(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board(
        "esp32-shed", core=Core.ESP32, credentials=("admin", "s3cret")
    )
    image = build_esp32_app(version="2.0.0")
    await stage(hass, board, image)
    await install(hass, board, person)
    assert board.emulator.received_images == [image]


async def test_wrong_credentials_fail_before_the_upload_and_start_reauthentication(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board(
        credentials=("admin", "old"), username="admin", password="new"
    )
    await stage(hass, board, build_esp8266_app(), version="2")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "web_authentication_failed"
    assert "old" not in str(err.value)
    assert _posts(board) == 0
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_web"


@pytest.mark.parametrize(
    ("options", "key", "text"),
    [
        ({"free_space": 1024}, "web_not_enough_space", "ERROR[4]: Not Enough Space"),
        (
            {"board_error": "ERROR[9]: MD5 Failed: expected:a, calculated:b\n"},
            "web_md5_failed",
            "MD5 Failed",
        ),
        ({"board_error": "Flash Write Failed\r\n"}, "web_board_error", "Flash Write"),
    ],
)
async def test_the_boards_error_text_becomes_a_translated_error(
    hass: HomeAssistant,
    add_web_board: WebBoardFactory,
    person: Context,
    options: dict[str, Any],
    key: str,
    text: str,
) -> None:
    board = await add_web_board(**options)
    await stage(hass, board, build_esp8266_app(), version="2")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == key
    assert text in err.value.translation_placeholders["message"]
    assert text in str(err.value)
    assert board.emulator.received_images == []
    assert hass.states.get(board.update_entity).attributes[ATTR_IN_PROGRESS] is False


async def test_an_automation_cannot_install_an_unconfirmed_image(
    hass: HomeAssistant, add_web_board: WebBoardFactory
) -> None:
    board = await add_web_board()
    await stage(hass, board, build_esp8266_app(), version="2")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, None)
    assert err.value.translation_key == "not_confirmed"
    assert board.emulator.requests == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"confirm_{board.entry.entry_id}")


async def test_an_interrupted_upload_fails_cleanly_and_the_retry_works(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board(interrupt_after=64 * 1024)
    image = build_esp8266_app(size=256 * 1024)
    await stage(hass, board, image, version="2")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "transfer_failed"
    assert board.emulator.received_images == []
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_UPDATE_PERCENTAGE] is None
    assert not board.runtime.install_lock.locked()

    await install(hass, board, person)
    assert board.emulator.received_images == [image]


async def test_a_board_that_never_answers_again_raises_the_repair_issue(
    hass: HomeAssistant,
    add_web_board: WebBoardFactory,
    person: Context,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    board = await add_web_board(reboot_delay=3600.0)
    await stage(hass, board, build_esp8266_app(), version="2")
    monkeypatch.setattr("custom_components.esp_ota.install.COMEBACK_TIMEOUT", 0.3)
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "board_did_not_return"
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"no_return_{board.entry.entry_id}"
    )


async def test_a_board_whose_updater_went_away_gets_a_clear_error(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board(path="/elsewhere")
    await stage(hass, board, build_esp8266_app(), version="2")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "web_not_an_updater"
    assert _posts(board) == 0


async def test_a_board_that_is_off_is_reported_not_responding(
    hass: HomeAssistant, add_web_board: WebBoardFactory, person: Context
) -> None:
    board = await add_web_board()
    await stage(hass, board, build_esp8266_app(), version="2")
    await board.emulator.stop()
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "web_not_responding"


async def test_a_discovered_web_board_is_available_without_an_ota_announcement(
    hass: HomeAssistant, add_web_board: WebBoardFactory
) -> None:
    board = await add_web_board(source="zeroconf")
    await stage(hass, board, build_esp8266_app(), version="2")
    assert board.runtime.available
    # No version before esp_ota's first install (web boards announce none):
    # the card says "unknown" and offers the staged image.
    state = hass.states.get(board.update_entity)
    assert state.state == STATE_ON
    assert state.attributes["installed_version"] == "unknown"
    assert hass.states.get("binary_sensor.esp8266_porch_online").state == STATE_ON


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (WebTimeoutError("slow"), "web_timeout"),
        (FilesystemNotSupportedError("old"), "web_no_filesystem"),
        (UnexpectedAnswerError(500), "web_unexpected_answer"),
        (UploadInterruptedError(0, 0), "transfer_failed"),
        (WebUpdateError("odd"), "upload_failed"),
    ],
)
async def test_every_client_error_has_a_translated_message(
    hass: HomeAssistant,
    add_web_board: WebBoardFactory,
    error: WebUpdateError,
    key: str,
) -> None:
    board = await add_web_board()
    translated = translate_error(hass, board.entry, error, ERRORS)
    assert translated.translation_key == key
    assert translated.translation_placeholders["board"] == board.entry.title
    assert "{" not in str(translated)
    if key == "upload_failed":
        # The library's English never reaches the text: the catch-all names the type.
        assert translated.translation_placeholders["error"] == "WebUpdateError"
        assert "odd" not in str(translated)


async def test_diagnostics_of_a_web_board_redact_its_credentials(
    hass: HomeAssistant, add_web_board: WebBoardFactory, hass_client: Any
) -> None:
    board = await add_web_board(credentials=("admin", "hunter2"))
    result = await get_diagnostics_for_config_entry(hass, hass_client, board.entry)
    assert result["entry"]["data"]["username"] == "**REDACTED**"
    assert result["entry"]["data"]["password"] == "**REDACTED**"
    assert "hunter2" not in str(result)
