"""The rules every install follows: confirmation, window, one at a time, fleet."""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import ATTR_IN_PROGRESS, ATTR_INSTALLED_VERSION
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.settings import DATA_SETTINGS
from tools.esp_emulator import Core, Fault
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import AUTOMATION, BoardFactory, install, stage


async def test_automation_install_without_confirmation_is_refused_with_a_repair(
    hass: HomeAssistant, add_board: BoardFactory, issue_registry: ir.IssueRegistry
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, AUTOMATION)

    assert err.value.translation_key == "not_confirmed"
    assert "was not confirmed by a person" in str(err.value)
    assert board.emulator.invitations == []
    issue = issue_registry.async_get_issue(DOMAIN, f"confirm_{board.entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "install_needs_confirmation"
    assert issue.translation_placeholders["version"] == "1.1.0"


async def test_a_person_confirming_with_the_button_lets_the_automation_install(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    issue_registry: ir.IssueRegistry,
) -> None:
    board = await add_board()
    image = build_esp32_app(version="1.1.0")
    await stage(hass, board, image)
    with pytest.raises(HomeAssistantError):
        await install(hass, board, AUTOMATION)

    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: board.button_entity},
        blocking=True,
        context=person,
    )
    assert (
        issue_registry.async_get_issue(DOMAIN, f"confirm_{board.entry.entry_id}")
        is None
    )

    await install(hass, board, AUTOMATION)
    assert board.emulator.received_images == [image]


async def test_an_automation_cannot_confirm_for_itself(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "button",
            "press",
            {ATTR_ENTITY_ID: board.button_entity},
            blocking=True,
            context=AUTOMATION,
        )
    assert err.value.translation_key == "confirmation_needs_person"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "confirm",
            {"config_entry_id": board.entry.entry_id},
            blocking=True,
            context=AUTOMATION,
        )
    assert err.value.translation_key == "confirmation_needs_person"
    with pytest.raises(HomeAssistantError):
        await install(hass, board, AUTOMATION)


async def test_confirm_action_by_a_person_confirms_a_chosen_version(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    older = build_esp32_app(version="1.1.0", seed=1)
    await stage(hass, board, older)
    await stage(hass, board, build_esp32_app(version="1.2.0", seed=2))
    response = await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": board.entry.entry_id, "version": "1.1.0"},
        blocking=True,
        context=person,
        return_response=True,
    )
    assert response is not None
    assert response["version"] == "1.1.0"
    assert len(str(response["sha256"])) == 64

    # The confirmation names 1.1.0 only: the newest (1.2.0) is still refused.
    with pytest.raises(HomeAssistantError):
        await install(hass, board, AUTOMATION)
    await install(hass, board, AUTOMATION, version="1.1.0")
    assert board.emulator.received_images == [older]


async def test_a_newly_staged_image_voids_the_confirmation(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0", seed=1))
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": board.entry.entry_id},
        blocking=True,
        context=person,
    )
    await stage(hass, board, build_esp32_app(version="1.2.0", seed=2))

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, AUTOMATION)
    assert err.value.translation_key == "not_confirmed"


async def test_install_from_the_ui_counts_as_confirmation_of_that_image(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await install(hass, board, person)
    # Someone flashes the old firmware back by cable; the board says so.
    board.emulator.version = "1.0.0"
    board.announce("1.0.0")
    assert hass.states.get(board.update_entity).state == "on"
    # The person's install confirmed this image: an automation may put it back.
    await install(hass, board, AUTOMATION)
    assert len(board.emulator.received_images) == 2


async def test_switch_off_refuses_installs_and_on_allows_them(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: board.switch_entity}, blocking=True
    )
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "updates_not_allowed"
    assert board.emulator.invitations == []

    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: board.switch_entity}, blocking=True
    )
    await install(hass, board, person)
    assert len(board.emulator.received_images) == 1


async def test_a_second_install_on_the_same_board_is_refused(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(flash_speed=500_000)
    await stage(hass, board, build_esp32_app(version="1.1.0", size=256 * 1024))
    first = hass.async_create_task(install(hass, board, person))
    await board.emulator.busy.wait()

    with pytest.raises(HomeAssistantError, match="already in progress"):
        await install(hass, board, person)
    # Past Home Assistant's own in-progress check, our lock says the same.
    entity = hass.data["update"].get_entity(board.update_entity)
    with pytest.raises(HomeAssistantError) as err:
        await entity.async_install(None, False)
    assert err.value.translation_key == "install_in_progress"

    await first
    assert len(board.emulator.received_images) == 1


async def test_the_fleet_limit_queues_installs_beyond_it(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    first = await add_board("esp32-a", flash_speed=500_000)
    second = await add_board("esp32-b")
    await hass.data[DATA_SETTINGS].async_set_parallel_uploads(1)
    for board in (first, second):
        await stage(hass, board, build_esp32_app(version="1.1.0", size=128 * 1024))

    one = hass.async_create_task(install(hass, first, person))
    await first.emulator.busy.wait()
    two = hass.async_create_task(install(hass, second, person))
    await first.emulator.flashed.wait()
    # The second board waited for the first to finish flashing.
    assert second.emulator.invitations == []
    state = hass.states.get(second.update_entity)
    assert state.attributes[ATTR_IN_PROGRESS] is True  # queued
    await one
    await two
    assert len(second.emulator.received_images) == 1


async def test_wrong_password_starts_reauthentication(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(password="right", fault=Fault.WRONG_PASSWORD)
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "authentication_failed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert "right" not in str(err.value)


async def test_board_dropping_mid_upload_fails_cleanly_and_the_next_install_works(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(fault=Fault.DROP, fault_at=0.5)
    image = build_esp32_app(version="1.1.0", size=128 * 1024)
    await stage(hass, board, image)
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "transfer_retries_failed"
    # Numbers only: how many attempts, how far the last one got.
    placeholders = err.value.translation_placeholders
    assert placeholders is not None
    assert placeholders["count"] == "2"
    assert int(placeholders["sent"]) <= int(placeholders["total"]) == len(image)
    assert set(placeholders) == {"board", "count", "sent", "total", "percent"}
    state = hass.states.get(board.update_entity)
    assert state.attributes[ATTR_IN_PROGRESS] is False
    assert state.attributes[ATTR_INSTALLED_VERSION] == "1.0.0"

    board.emulator.config.fault = Fault.NONE
    await install(hass, board, person)
    assert board.emulator.received_images == [image]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"fault": Fault.SILENT}, "board_not_responding"),
        ({"fault": Fault.MD5_MISMATCH}, "image_rejected"),
        ({"fault": Fault.REFUSE}, "board_never_connected"),
        ({"fault": Fault.REFUSE, "core": Core.ESP8266}, "board_refused"),
    ],
    ids=["silent", "md5", "esp32-refuse", "esp8266-refuse"],
)
async def test_board_errors_reach_the_person_as_translated_messages(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    options: dict[str, Any],
    key: str,
) -> None:
    if options.get("core") is Core.ESP8266:
        board = await add_board(
            "esp8266-porch", board="ESP8266_GENERIC", version_for_image=str, **options
        )
        image = build_esp8266_app()
    else:
        board = await add_board(**options)
        image = build_esp32_app(version="1.1.0")
    await stage(hass, board, image, version="1.1.0")
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == key
    assert board.entry.title in str(err.value)
    assert hass.states.get(board.update_entity).attributes[ATTR_IN_PROGRESS] is False


async def test_board_that_does_not_come_back_raises_a_repair_issue(
    hass: HomeAssistant,
    add_board: BoardFactory,
    person: Context,
    issue_registry: ir.IssueRegistry,
) -> None:
    board = await add_board(announce_after_reboot=False)
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "board_did_not_return"
    issue = issue_registry.async_get_issue(DOMAIN, f"no_return_{board.entry.entry_id}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR


async def test_unloading_during_an_upload_cancels_it(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board(flash_speed=200_000)
    await stage(hass, board, build_esp32_app(version="1.1.0", size=256 * 1024))
    task = hass.async_create_task(install(hass, board, person))
    await board.emulator.busy.wait()

    assert await hass.config_entries.async_unload(board.entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "install_cancelled"
    await board.emulator.session_ended.wait()
    assert board.emulator.received_images == []


async def test_image_for_another_chip_is_refused_before_any_byte_is_sent(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    # Staged while the board's chip was unknown; then it announced itself.
    board = await add_board(board="mystery-board")
    await stage(hass, board, build_esp32_app(version="1.1.0", chip="esp32s3"))
    board.runtime.board_id = "esp32"

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "wrong_chip"
    assert board.emulator.invitations == []


async def test_switch_state_survives_a_restart(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    mock_restore_cache(
        hass, [State("switch.esp32_garden_ota_updates_allowed", STATE_OFF)]
    )
    board = await add_board()
    assert hass.states.get(board.switch_entity).state == STATE_OFF
    assert board.runtime.updates_allowed is False
