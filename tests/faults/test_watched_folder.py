"""Hostile files in the watched folder: links, long names, odd versions (point 6)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.store import get_store
from tests.helpers import scan_watched_folder
from tools.esp_images import build_esp32_app


def _notifications(hass: HomeAssistant) -> list[str]:
    return [n["message"] for n in _async_get_or_create_notifications(hass).values()]


async def test_a_link_out_of_the_folder_is_not_followed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    outside = config_dir / "private"
    outside.mkdir()
    (outside / "app.bin").write_bytes(build_esp32_app(version="6.6.6"))
    (outside / "secret.txt").write_text("Secret: hunter2")
    (inbox / "6.6.6.bin").symlink_to(outside / "app.bin")
    (inbox / "passwd.bin").symlink_to(outside / "secret.txt")

    await scan_watched_folder(hass, freezer, times=2)

    assert get_store(hass).latest(init_integration.entry_id) is None
    texts = _notifications(hass)
    assert len(texts) == 2
    assert all("link" in text for text in texts)
    # The target's bytes were never read: not even its first byte is quoted.
    assert not any("0x53" in text or "Secret" in text for text in texts)
    assert (outside / "app.bin").exists()
    assert (outside / "secret.txt").exists()


async def test_a_refused_file_with_a_very_long_name_does_not_block_later_files(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    long_name = "0" * 247 + ".bin"  # 251 bytes: no room for ".rejected"
    (inbox / long_name).write_bytes(b"not an image")
    (inbox / "1.6.0.bin").write_bytes(
        build_esp32_app(project_name="arduino-lib-builder")
    )

    await scan_watched_folder(hass, freezer, times=2)

    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "1.6.0"
    assert not (inbox / long_name).exists()
    assert [p.suffix for p in inbox.iterdir()] == [".rejected"]


@pytest.mark.parametrize(
    "name",
    ["v" * 200 + ".bin", "1.0\nrm -rf.bin", "**bold** [click](evil).bin"],
    ids=["long", "newline", "markdown"],
)
async def test_a_version_from_a_file_name_is_capped_like_the_actions(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
    name: str,
) -> None:
    (inbox / name).write_bytes(build_esp32_app(project_name="arduino-lib-builder"))

    await scan_watched_folder(hass, freezer, times=2)

    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    # Not a usable version: the image is named by its hash, as without one.
    assert staged.sha256.startswith(staged.version)


async def test_a_sidecar_link_out_of_the_folder_is_not_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    outside = config_dir / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret: hunter2")
    (inbox / "1.6.0.bin").write_bytes(
        build_esp32_app(project_name="arduino-lib-builder")
    )
    (inbox / "1.6.0.md").symlink_to(outside / "secret.txt")

    await scan_watched_folder(hass, freezer, times=2)

    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "1.6.0"
    assert staged.release_notes is None
    assert (outside / "secret.txt").read_text() == "Secret: hunter2"


async def test_a_sidecar_that_cannot_be_read_does_not_stop_the_scan(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    inbox: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Tests run as root, which any file mode lets read: the refusal is mocked.
    for seed, version in enumerate(("1.6.0", "1.7.0")):
        (inbox / f"{version}.bin").write_bytes(
            build_esp32_app(project_name="arduino-lib-builder", seed=seed)
        )
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES))
    with patch(
        "custom_components.esp_ota.watched_folder.read_sidecar_notes",
        side_effect=[denied, "Waters the roses too."],
    ):
        await scan_watched_folder(hass, freezer, times=2)

    store = get_store(hass)
    versions = [image.version for image in store.images(init_integration.entry_id)]
    assert versions == ["1.7.0", "1.6.0"]
    assert [
        image.release_notes for image in store.images(init_integration.entry_id)
    ] == [
        "Waters the roses too.",
        None,
    ]
    assert list(inbox.iterdir()) == []
