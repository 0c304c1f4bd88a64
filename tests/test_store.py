"""The firmware store: atomic staging, pruning, and what survives a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest

from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.store import KEEP_PER_BOARD, FirmwareStore, StageRequest
from tools.esp_images import build_esp32_app

BOARD = "entry-1"


def _request(version: str | None = None) -> StageRequest:
    return StageRequest(board=BOARD, source="test", version=version)


async def _restarted(hass: HomeAssistant) -> FirmwareStore:
    """Load a new store from what the old one saved, as after a restart."""
    store = FirmwareStore(hass)
    await store.async_load()
    return store


def _files(store: FirmwareStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


@pytest.mark.usefixtures("config_dir")
async def test_staged_image_and_metadata_survive_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    store = await _restarted(hass)
    image = build_esp32_app(version="3.1.0")
    staged = await store.async_stage(image, _request())

    assert "esp_ota.firmware" in hass_storage
    again = await _restarted(hass)
    assert again.latest(BOARD) == staged
    assert again.path_for(staged).read_bytes() == image


@pytest.mark.usefixtures("config_dir")
async def test_only_the_newest_images_of_a_board_are_kept(hass: HomeAssistant) -> None:
    store = await _restarted(hass)
    staged = [
        await store.async_stage(build_esp32_app(version=f"1.{n}", seed=n), _request())
        for n in range(KEEP_PER_BOARD + 2)
    ]
    kept = store.images(BOARD, ImageKind.APP)
    assert [image.version for image in kept] == [
        image.version for image in reversed(staged[-KEEP_PER_BOARD:])
    ]
    assert len(_files(store)) == KEEP_PER_BOARD
    assert not store.path_for(staged[0]).exists()


@pytest.mark.usefixtures("config_dir")
async def test_staging_the_same_image_again_makes_it_the_newest_once(
    hass: HomeAssistant,
) -> None:
    store = await _restarted(hass)
    first = build_esp32_app(version="1.0", seed=1)
    await store.async_stage(first, _request())
    await store.async_stage(build_esp32_app(version="2.0", seed=2), _request())
    await store.async_stage(first, _request())
    assert [image.version for image in store.images(BOARD)] == ["1.0", "2.0"]


@pytest.mark.usefixtures("config_dir")
async def test_image_missing_on_disk_is_dropped_on_load(hass: HomeAssistant) -> None:
    store = await _restarted(hass)
    staged = await store.async_stage(build_esp32_app(), _request())
    store.path_for(staged).unlink()
    assert (await _restarted(hass)).latest(BOARD) is None


# Every step of staging that writes to disk, in order. A crash at any of them
# must leave the old image (and only it) staged after a restart.
_CRASH_POINTS = ["write", "fsync", "replace", "dir-fsync", "save"]


@pytest.mark.usefixtures("config_dir")
@pytest.mark.parametrize("crash_at", _CRASH_POINTS)
async def test_staging_killed_at_any_write_leaves_the_old_image_whole(
    hass: HomeAssistant, crash_at: str
) -> None:
    store = await _restarted(hass)
    old_image = build_esp32_app(version="1.0", seed=1)
    old = await store.async_stage(old_image, _request())
    new_image = build_esp32_app(version="2.0", seed=2)

    class Killed(BaseException):
        """Stands for the process dying: nothing after it runs."""

    real_fsync, real_replace = os.fsync, Path.replace
    fsyncs = 0

    def fsync(fd: int) -> None:
        nonlocal fsyncs
        fsyncs += 1
        if (crash_at == "fsync" and fsyncs == 1) or (
            crash_at == "dir-fsync" and fsyncs == 2
        ):
            raise Killed
        real_fsync(fd)

    def replace(self: Path, target: Path) -> Path:
        if crash_at == "replace":
            raise Killed
        return real_replace(self, target)

    real_fdopen = os.fdopen

    class HalfWriter:
        """A file whose first write reaches the disk half-way, then dies."""

        def __init__(self, fd: int, mode: str) -> None:
            self._file = real_fdopen(fd, mode)

        def __enter__(self) -> Self:
            return self

        def __exit__(self, *exc_info: object) -> None:
            self._file.close()

        def write(self, data: bytes) -> int:
            self._file.write(data[: len(data) // 2])
            self._file.flush()
            raise Killed

    async def save(*args: Any) -> None:
        raise Killed

    patches = {
        "write": patch("os.fdopen", HalfWriter),
        "fsync": patch("os.fsync", fsync),
        "replace": patch.object(Path, "replace", replace),
        "dir-fsync": patch("os.fsync", fsync),
        "save": patch.object(store._store, "async_save", save),
    }
    with patches[crash_at], pytest.raises(Killed):
        await store.async_stage(new_image, _request())

    after = await _restarted(hass)
    assert after.latest(BOARD) == old
    assert after.path_for(old).read_bytes() == old_image
    # Temporary files and an image whose metadata was never saved are gone.
    assert _files(after) == [after.path_for(old)]


@pytest.mark.usefixtures("config_dir")
async def test_removing_a_board_removes_its_files(hass: HomeAssistant) -> None:
    store = await _restarted(hass)
    await store.async_stage(build_esp32_app(), _request())
    other = StageRequest(board="entry-2", source="test")
    kept = await store.async_stage(build_esp32_app(seed=9), other)

    await store.async_remove_board(BOARD)
    await store.async_remove_board(BOARD)  # nothing left: a no-op

    assert store.images(BOARD) == []
    assert _files(store) == [store.path_for(kept)]
