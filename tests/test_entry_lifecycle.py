"""Unload, set-up and reload of a board after every way of staging firmware.

A staged filesystem image adds the filesystem card, whose store listener is
removed both by the card's platform and by the entry's unload: that must not
fail, whichever kind of image was staged and however (action, upload, watched
folder), nor after reauthentication or reconfiguration reloaded the entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_filesystem_image

from .helpers import HOSTNAME, scan_watched_folder, submit_upload, upload_file

FIRMWARE_CARD = "update.esp32_garden_firmware"
FILESYSTEM_CARD = "update.esp32_garden_filesystem"

type Stager = Callable[[HomeAssistant, MockConfigEntry, bytes, str], Awaitable[None]]


async def _stage_by_action(
    hass: HomeAssistant, entry: MockConfigEntry, image: bytes, target: str
) -> None:
    folder = Path(hass.config.path("builds"))
    hass.config.allowlist_external_dirs = {str(folder)}
    path = folder / f"{target}.bin"
    await hass.async_add_executor_job(lambda: folder.mkdir(exist_ok=True))
    await hass.async_add_executor_job(path.write_bytes, image)
    await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"config_entry_id": entry.entry_id, "path": str(path), "target": target},
        blocking=True,
    )


def _stage_byupload_file(hass_client: ClientSessionGenerator) -> Stager:
    async def stage(
        hass: HomeAssistant, entry: MockConfigEntry, image: bytes, target: str
    ) -> None:
        file_id = await upload_file(hass_client, f"{target}.bin", image)
        target_option = "app" if target == "flash" else "filesystem"
        result = await submit_upload(
            hass, entry, firmware=file_id, target=target_option
        )
        assert result["type"] is FlowResultType.ABORT

    return stage


def _stage_from_folder(config_dir: Path, freezer: FrozenDateTimeFactory) -> Stager:
    async def stage(
        hass: HomeAssistant, entry: MockConfigEntry, image: bytes, target: str
    ) -> None:
        name = "littlefs.bin" if target == "filesystem" else "1.2.0.bin"
        inbox = config_dir / "esp_ota" / "inbox" / HOSTNAME
        await hass.async_add_executor_job((inbox / name).write_bytes, image)
        await scan_watched_folder(hass, freezer)
        await scan_watched_folder(hass, freezer)

    return stage


@pytest.fixture(params=["action", "upload", "folder"])
def stage(
    request: pytest.FixtureRequest,
    hass_client: ClientSessionGenerator,
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> Stager:
    """Stage an image the way the parameter says."""
    if request.param == "action":
        return _stage_by_action
    if request.param == "upload":
        return _stage_byupload_file(hass_client)
    return _stage_from_folder(config_dir, freezer)


def _image(target: str) -> bytes:
    if target == "filesystem":
        return build_filesystem_image()
    return build_esp32_app(version="1.2.0")


async def _assert_cycles(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload, set up again and reload; the cards come back each time."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(FIRMWARE_CARD) is not None


@pytest.mark.parametrize("target", ["flash", "filesystem"])
async def test_unload_setup_and_reload_after_staging(
    hass: HomeAssistant, init_integration: MockConfigEntry, stage: Stager, target: str
) -> None:
    await stage(hass, init_integration, _image(target), target)
    kind = ImageKind.FILESYSTEM if target == "filesystem" else ImageKind.APP
    assert get_store(hass).latest(init_integration.entry_id, kind) is not None
    await _assert_cycles(hass, init_integration)
    assert (hass.states.get(FILESYSTEM_CARD) is not None) == (target == "filesystem")
    # Staging again after the reloads reaches the new cards, not the old ones.
    await stage(hass, init_integration, _image("filesystem"), "filesystem")
    assert hass.states.get(FILESYSTEM_CARD) is not None
    await _assert_cycles(hass, init_integration)


async def test_reauth_and_reconfigure_reload_a_board_with_a_filesystem_image(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _stage_by_action(hass, init_integration, _image("filesystem"), "filesystem")
    init_integration.async_start_reauth(hass)
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "new-secret"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED

    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "192.168.1.77", CONF_PORT: 3232}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get(FILESYSTEM_CARD) is not None
    await _assert_cycles(hass, init_integration)
