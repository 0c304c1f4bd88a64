"""Missing files and full disks speak the person's language (point 5)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.store import FirmwareStore, get_store
from custom_components.esp_ota.watched_folder import SCAN_INTERVAL
from tests.helpers import HOSTNAME, BoardFactory, install, stage
from tools.esp_images import build_esp32_app


def _full_disk(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_installing_an_image_deleted_from_disk_is_a_translated_error(
    hass: HomeAssistant, add_board: BoardFactory, person: Context
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    staged = get_store(hass).latest(board.entry.entry_id)
    assert staged is not None
    path = get_store(hass).path_for(staged)
    path.unlink()

    with pytest.raises(HomeAssistantError) as err:
        await install(hass, board, person)
    assert err.value.translation_key == "image_missing"
    assert str(path.parent) not in str(err.value)
    assert "1.1.0" in str(err.value)
    assert board.emulator.invitations == []


async def test_an_image_that_vanished_is_reported_at_the_next_start(
    hass: HomeAssistant, add_board: BoardFactory
) -> None:
    board = await add_board()
    await stage(hass, board, build_esp32_app(version="1.1.0"))
    staged = get_store(hass).latest(board.entry.entry_id)
    assert staged is not None
    get_store(hass).path_for(staged).unlink()

    restarted = FirmwareStore(hass)
    await restarted.async_load()

    assert restarted.latest(board.entry.entry_id) is None
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"image_vanished_{board.entry.entry_id}_{staged.sha256[:12]}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["board"] == board.entry.title
    assert issue.translation_placeholders["version"] == "1.1.0"


@pytest.mark.parametrize(
    ("code", "key"),
    [
        (errno.ENOSPC, "staging_disk_full"),
        (errno.EACCES, "staging_permission_denied"),
        (errno.EROFS, "staging_read_only"),
        (errno.EIO, "staging_storage_failed"),
    ],
    ids=["full", "permission", "read-only", "other"],
)
async def test_a_disk_error_while_staging_is_a_translated_error_without_paths(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    config_dir: Path,
    code: int,
    key: str,
) -> None:
    folder = config_dir / "builds"
    folder.mkdir()
    source = folder / "garden.bin"
    source.write_bytes(build_esp32_app(version="2.0.0"))
    hass.config.allowlist_external_dirs = {str(folder)}

    def _fail(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    with patch("os.fsync", _fail), pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "stage_firmware",
            {"config_entry_id": init_integration.entry_id, "path": str(source)},
            blocking=True,
        )
    # The cause by errno; the placeholders hold data only, never the OS's English.
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == {
        "file": "garden.bin",
        # OSError(code) is the errno's subclass, e.g. PermissionError.
        "error": type(OSError(code, "")).__name__,
        "errno": str(code),
    }
    assert os.strerror(code) not in str(err.value)
    assert str(config_dir) not in str(err.value)
    assert get_store(hass).latest(init_integration.entry_id) is None
    # Nothing half-written is left behind.
    store_files = [p for p in get_store(hass).root.rglob("*") if p.is_file()]
    assert store_files == []


async def test_a_full_disk_in_the_watched_folder_is_reported_and_keeps_the_file(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    inbox = config_dir / "esp_ota" / "inbox" / HOSTNAME
    (inbox / "2.0.0.bin").write_bytes(
        build_esp32_app(project_name="arduino-lib-builder")
    )

    async def scan() -> None:
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    await scan()
    with patch("os.fsync", _full_disk):
        await scan()
    texts: list[Any] = [
        n["message"] for n in _async_get_or_create_notifications(hass).values()
    ]
    assert any(
        "disk" in text and "is full" in text and "2.0.0.bin" in text for text in texts
    )
    assert not any(os.strerror(errno.ENOSPC) in text for text in texts)
    assert not any(str(config_dir) in text for text in texts)
    assert (inbox / "2.0.0.bin").exists()

    # Space again: the file is taken on a later scan.
    await scan()
    await scan()
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "2.0.0"
