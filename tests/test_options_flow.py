"""Staging firmware by uploading a .bin in the board's options (the UI path)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.settings import DATA_SETTINGS, Settings
from custom_components.esp_ota.store import MAX_IMAGE_SIZE, get_store
from tools.esp_images import build_esp32_app, build_filesystem_image
from tools.esp_layouts import build_esp32_bootloader

from .helpers import submit_upload, upload_file


async def test_uploaded_image_is_staged_with_version_and_notes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(
        hass_client, "garden.bin", build_esp32_app(project_name="arduino-lib-builder")
    )
    result = await submit_upload(
        hass,
        init_integration,
        firmware=file_id,
        version="1.6.0",
        release_notes="Quieter valve.",
    )
    # The dialog says what was staged for which board; no options are saved.
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "firmware_staged"
    assert result["description_placeholders"] == {
        "board": init_integration.title,
        "version": "1.6.0",
    }
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert (staged.version, staged.release_notes) == ("1.6.0", "Quieter valve.")
    assert (staged.source, staged.filename) == ("upload", "garden.bin")
    # The options of the entry are left as they were.
    assert init_integration.options == {}


async def test_uploaded_filesystem_image_is_staged_for_the_filesystem(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "littlefs.bin", build_filesystem_image())
    result = await submit_upload(
        hass, init_integration, firmware=file_id, target="filesystem"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "filesystem_staged"
    store = get_store(hass)
    assert store.latest(init_integration.entry_id, ImageKind.FILESYSTEM) is not None


async def test_wrong_chip_upload_shows_the_reason_on_the_form(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "s3.bin", build_esp32_app(chip="esp32s3"))
    result = await submit_upload(hass, init_integration, firmware=file_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "wrong_chip"}
    assert result["description_placeholders"] == {
        "board": init_integration.title,
        "image_chip": "ESP32-S3",
        "board_chip": "ESP32",
    }
    assert get_store(hass).latest(init_integration.entry_id) is None


async def test_a_refused_upload_can_be_followed_by_another_file(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    refused = await upload_file(hass_client, "s3.bin", build_esp32_app(chip="esp32s3"))
    result = await submit_upload(
        hass, init_integration, firmware=refused, version="2.0"
    )
    assert result["errors"] == {"base": "wrong_chip"}
    # file_upload deleted the refused file: the form does not offer it again.
    suggested = {
        str(key): key.description.get("suggested_value") if key.description else None
        for key in result["data_schema"].schema
    }
    assert suggested["firmware"] is None
    assert suggested["version"] == "2.0"

    # Sending the used file again (an old form) asks for the file anew.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"firmware": refused}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"firmware": "upload_gone"}

    good = await upload_file(hass_client, "garden.bin", build_esp32_app(version="2.1"))
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"firmware": good}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["description_placeholders"] == {
        "board": init_integration.title,
        "version": "2.1",
    }
    assert init_integration.options == {}


async def test_upload_that_is_not_an_image_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "notes.bin", b"hello, world")
    result = await submit_upload(hass, init_integration, firmware=file_id)
    assert result["errors"] == {"base": "firmware_not_an_esp_image_first_byte"}
    # The upload form shows the fact, not an English sentence from the check.
    assert result["description_placeholders"]["first_byte"] == "0x68"


async def test_upload_larger_than_any_flash_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "huge.bin", b"\xe9" * (MAX_IMAGE_SIZE + 1))
    result = await submit_upload(hass, init_integration, firmware=file_id)
    assert result["errors"] == {"base": "file_too_large"}


async def test_fleet_limit_is_set_in_the_settings_and_kept(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"parallel_uploads": 2}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert hass.data[DATA_SETTINGS].parallel_uploads == 2

    # After a restart the limit is what the person set.
    restarted = Settings(hass)
    await restarted.async_load()
    assert restarted.parallel_uploads == 2
    assert hass_storage["esp_ota.settings"]["data"]["parallel_uploads"] == 2


async def test_bootloader_upload_says_what_the_file_is(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "bootloader.bin", build_esp32_bootloader())
    result = await submit_upload(hass, init_integration, firmware=file_id)
    assert result["errors"] == {"base": "firmware_bootloader_image"}
    assert get_store(hass).latest(init_integration.entry_id) is None
