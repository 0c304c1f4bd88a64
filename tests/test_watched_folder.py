"""The watched folder: images dropped into a board's inbox get staged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota import translate
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_filesystem_image

from .helpers import INTEGRATION, scan_watched_folder


async def test_dropped_image_is_staged_once_it_stops_changing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    (inbox / "1.5.0.bin").write_bytes(
        build_esp32_app(project_name="arduino-lib-builder")
    )
    (inbox / "1.5.0.md").write_text("Waters the roses too.")
    store = get_store(hass)

    await scan_watched_folder(hass, freezer)  # first sight: maybe still being copied
    assert store.latest(init_integration.entry_id) is None

    await scan_watched_folder(hass, freezer)  # unchanged since: take it
    staged = store.latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "1.5.0"
    assert staged.release_notes == "Waters the roses too."
    assert staged.source == "folder:1.5.0.bin"
    assert sorted(inbox.iterdir()) == []


async def test_a_file_still_growing_is_not_taken(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    image = build_esp32_app()
    target = inbox / "garden.bin"
    target.write_bytes(image[:1000])
    await scan_watched_folder(hass, freezer)
    target.write_bytes(image[:5000])
    await scan_watched_folder(hass, freezer)
    assert get_store(hass).latest(init_integration.entry_id) is None
    target.write_bytes(image)
    await scan_watched_folder(hass, freezer)
    await scan_watched_folder(hass, freezer)
    assert get_store(hass).latest(init_integration.entry_id) is not None


async def test_filesystem_images_are_recognised_by_name(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    (inbox / "littlefs.bin").write_bytes(build_filesystem_image())
    await scan_watched_folder(hass, freezer)
    await scan_watched_folder(hass, freezer)
    store = get_store(hass)
    assert store.latest(init_integration.entry_id, ImageKind.FILESYSTEM) is not None


async def test_refused_image_is_renamed_and_the_person_is_told_why(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    (inbox / "s3.bin").write_bytes(build_esp32_app(chip="esp32s3"))
    await scan_watched_folder(hass, freezer)
    await scan_watched_folder(hass, freezer)

    assert get_store(hass).latest(init_integration.entry_id) is None
    assert [p.name for p in inbox.iterdir()] == ["s3.bin.rejected"]
    texts = [n["message"] for n in _async_get_or_create_notifications(hass).values()]
    assert any("ESP32-S3" in text and "s3.bin" in text for text in texts)


async def test_the_refusal_notice_is_the_translated_text_with_its_placeholders(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    (inbox / "notes.bin").write_bytes(b"hello, world")
    await scan_watched_folder(hass, freezer)
    await scan_watched_folder(hass, freezer)

    texts = json.loads((INTEGRATION / "strings.json").read_text())["exceptions"]
    [notice] = _async_get_or_create_notifications(hass).values()
    assert notice["title"] == texts["inbox_refused_title"]["message"]
    message = texts["inbox_refused"]["message"]
    before, after = message.split("{reason}")
    assert notice["message"].startswith(
        before.format(file="notes.bin", board=init_integration.title)
    )
    assert notice["message"].endswith(after.format(rejected="notes.bin.rejected"))
    # The reason is the refusal's own text, not an untranslated exception string.
    reason = texts["firmware_not_an_esp_image_first_byte"]["message"]
    assert reason.format(first_byte="0x68") in notice["message"]
    assert "{" not in notice["message"]


async def test_the_refusal_notice_is_in_home_assistants_language(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    real = translate.async_get_translations
    asked: list[str] = []

    async def translations(hass: HomeAssistant, language: str, *args: Any) -> Any:
        asked.append(language)
        texts = dict(await real(hass, "en", *args))
        texts["component.esp_ota.exceptions.inbox_refused_title.message"] = "Abgelehnt"
        texts["component.esp_ota.exceptions.inbox_refused.message"] = "{file}: {reason}"
        return texts

    hass.config.language = "de"
    (inbox / "notes.bin").write_bytes(b"hello, world")
    with patch.object(translate, "async_get_translations", translations):
        await scan_watched_folder(hass, freezer)
        await scan_watched_folder(hass, freezer)
    [notice] = _async_get_or_create_notifications(hass).values()
    assert set(asked) == {"de"}
    assert notice["title"] == "Abgelehnt"
    assert notice["message"].startswith(
        "notes.bin: This is not an ESP8266/ESP32 app image: it starts with 0x68,"
    )
