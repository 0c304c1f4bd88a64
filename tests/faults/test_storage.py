"""Corrupt, malformed and newer store files: nothing lost, nothing fatal, a repair."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.history import DATA_HISTORY
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.settings import (
    DATA_SETTINGS,
    DEFAULT_PARALLEL_UPLOADS,
    Settings,
)
from custom_components.esp_ota.source_manager import DATA_SOURCES
from custom_components.esp_ota.store import FirmwareStore, StageRequest
from tools.esp_images import build_esp32_app

BOARD = "entry-1"
KEYS = [
    "esp_ota.firmware",
    "esp_ota.ledger",
    "esp_ota.settings",
    "esp_ota.pull",
    "esp_ota.history",
    "esp_ota.sources",
]


def _issue(hass: HomeAssistant, key: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"store_{key}")


def _corrupt(config_dir: Path, hass_storage: dict[str, Any], key: str) -> None:
    """Leave the store's file as a crash mid-write would: truncated JSON."""
    hass_storage.pop(key, None)
    path = config_dir / ".storage" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"version": 1, "data": {"ima', encoding="utf-8")


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_a_corrupt_firmware_store_keeps_every_image_file(
    hass: HomeAssistant, config_dir: Path, hass_storage: dict[str, Any]
) -> None:
    store = FirmwareStore(hass)
    await store.async_load()
    staged = await store.async_stage(
        build_esp32_app(version="2.0"), StageRequest(board=BOARD, source="test")
    )
    _corrupt(config_dir, hass_storage, "esp_ota.firmware")

    again = FirmwareStore(hass)
    await again.async_load()

    assert again.path_for(staged).read_bytes() == build_esp32_app(version="2.0")
    issue = _issue(hass, "esp_ota.firmware")
    assert issue is not None
    assert issue.translation_key == "store_unreadable"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["file"] == ".storage/esp_ota.firmware"


async def test_a_corrupt_settings_store_is_reported_and_not_overwritten(
    hass: HomeAssistant, config_dir: Path, hass_storage: dict[str, Any]
) -> None:
    _corrupt(config_dir, hass_storage, "esp_ota.settings")
    settings = Settings(hass)
    await settings.async_load()

    issue = _issue(hass, "esp_ota.settings")
    assert issue is not None
    assert issue.translation_key == "store_unreadable"
    # A new pull token lives in memory only: restoring the file brings the
    # boards' address back.
    assert settings.pull_token
    assert "esp_ota.settings" not in hass_storage


@pytest.mark.parametrize("key", KEYS)
async def test_a_store_from_a_newer_version_does_not_stop_set_up(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
    key: str,
) -> None:
    hass_storage[key] = {"version": 99, "key": key, "data": {"future": True}}
    await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue = _issue(hass, key)
    assert issue is not None
    assert issue.translation_key == "store_newer_version"
    assert issue.translation_placeholders is not None
    copy = issue.translation_placeholders["copy"].removeprefix(".storage/")
    assert '"future": true' in (config_dir / ".storage" / copy).read_text()


@pytest.mark.parametrize(
    ("key", "data"),
    [
        ("esp_ota.firmware", {"images": "none"}),
        ("esp_ota.firmware", ["not", "a", "mapping"]),
        ("esp_ota.ledger", {"confirmations": [], "installed": {}}),
        ("esp_ota.settings", "parallel"),
        ("esp_ota.pull", ["check-ins"]),
        ("esp_ota.history", ["last", "installs"]),
        ("esp_ota.sources", "checked"),
    ],
)
async def test_a_store_of_the_wrong_shape_does_not_stop_set_up(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
    key: str,
    data: Any,
) -> None:
    hass_storage[key] = {"version": 1, "key": key, "data": data}
    await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue = _issue(hass, key)
    assert issue is not None
    assert issue.translation_key == "store_unreadable"


async def test_a_store_without_version_or_data_does_not_stop_set_up(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    hass_storage["esp_ota.ledger"] = {"key": "esp_ota.ledger", "data": {}}
    await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue = _issue(hass, "esp_ota.ledger")
    assert issue is not None
    assert issue.translation_key == "store_unreadable"


async def test_a_copy_that_cannot_be_written_does_not_stop_set_up(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    hass_storage["esp_ota.ledger"] = {"version": 1, "data": {"installed": []}}
    with patch(
        "custom_components.esp_ota.storage_checks._write_copy",
        side_effect=PermissionError(13, "Permission denied"),
    ):
        await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue = _issue(hass, "esp_ota.ledger")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["copy"] == "-"


async def test_one_malformed_record_is_skipped_and_the_others_load(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    good = {"sha256": "a" * 64, "version": "1.0", "user_id": "u", "confirmed_at": "t"}
    hass_storage["esp_ota.ledger"] = {
        "version": 1,
        "key": "esp_ota.ledger",
        "data": {
            "confirmations": {"good": good, "bad": {"sha256": 5}},
            "installed": {"odd": "text"},
        },
    }
    hass_storage["esp_ota.firmware"] = {
        "version": 1,
        "key": "esp_ota.firmware",
        "data": {"images": [{"board": BOARD, "sha256": "../../etc/passwd"}]},
    }
    await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.data[DATA_LEDGER].is_confirmed("good", "a" * 64)
    issue = _issue(hass, "esp_ota.ledger")
    assert issue is not None
    assert issue.translation_key == "store_records_skipped"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["count"] == "2"
    copy = issue.translation_placeholders["copy"].removeprefix(".storage/")
    assert '"odd": "text"' in (config_dir / ".storage" / copy).read_text()
    assert _issue(hass, "esp_ota.firmware") is not None


@pytest.mark.parametrize("value", ["many", 0, -1, 10_000, True, None])
async def test_an_invalid_fleet_limit_falls_back_to_the_default(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    value: Any,
) -> None:
    hass_storage["esp_ota.settings"] = {
        "version": 1,
        "key": "esp_ota.settings",
        "data": {"parallel_uploads": value, "pull_enabled": True, "pull_token": "t"},
    }
    settings = Settings(hass)
    await settings.async_load()

    assert settings.parallel_uploads == DEFAULT_PARALLEL_UPLOADS
    assert (settings.pull_enabled, settings.pull_token) == (True, "t")
    assert "parallel_uploads is not valid" in caplog.text


async def test_a_readable_store_clears_an_old_repair(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    hass_storage["esp_ota.settings"] = {
        "version": 1,
        "key": "esp_ota.settings",
        "data": {"parallel_uploads": 0},
    }
    await _set_up(hass, mock_config_entry)
    assert _issue(hass, "esp_ota.settings") is not None
    await hass.data[DATA_SETTINGS].async_set_parallel_uploads(2)

    settings = Settings(hass)
    await settings.async_load()
    assert settings.parallel_uploads == 2
    assert _issue(hass, "esp_ota.settings") is None


async def test_a_malformed_history_or_source_record_is_skipped(
    hass: HomeAssistant,
    config_dir: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    good = {
        "at": "2026-01-01T00:00:00+00:00",
        "version": "1.0",
        "target": "app",
        "method": "espota",
        "outcome": "succeeded",
        "reason": None,
        "seconds": 12.5,
    }
    hass_storage["esp_ota.history"] = {
        "version": 1,
        "key": "esp_ota.history",
        "data": {
            "good": good,
            "extra": {**good, "colour": "red"},
            "missing": {"at": "t"},
            "outcome": {**good, "outcome": "exploded"},
            "text": "succeeded",
        },
    }
    hass_storage["esp_ota.sources"] = {
        "version": 1,
        "key": "esp_ota.sources",
        "data": {
            "good": {"last_check": "t", "result": "staged", "failures": 0},
            "failures": {"failures": "many"},
            "list": ["staged"],
        },
    }
    await _set_up(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    history = hass.data[DATA_HISTORY]
    last = history.last("good")
    assert last is not None
    assert (last.version, last.outcome, last.seconds) == ("1.0", "succeeded", 12.5)
    # A field this version does not know (a newer esp_ota's) is ignored.
    assert history.last("extra") == last
    sources = hass.data[DATA_SOURCES]
    checked = sources.state("good")
    assert checked is not None
    assert checked.result == "staged"
    assert sources.state("failures") is None
    for key, skipped in (("esp_ota.history", "3"), ("esp_ota.sources", "2")):
        issue = _issue(hass, key)
        assert issue is not None
        assert issue.translation_key == "store_records_skipped"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["count"] == skipped
