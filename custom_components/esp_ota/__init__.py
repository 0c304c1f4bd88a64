"""The esp_ota integration: keep ArduinoOTA boards up to date from Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .batch import async_track_batches
from .board import EspOtaBoard, EspOtaConfigEntry, board_key, ledger_key
from .const import DOMAIN, is_pull_entry, is_web_entry
from .firmware import ImageKind
from .history import (
    DATA_HISTORY,
    InstallHistory,
    async_clear_late_comeback,
    async_delete_board_issues,
)
from .identity import (
    async_adopt_identity,
    async_migrate_entry as async_migrate_entry,  # HA calls it from here
)
from .install_rules import confirmation_issue_id
from .ledger import DATA_LEDGER, Ledger
from .presence import async_get_presence, async_release_presence
from .pull.checkins import DATA_CHECK_INS, CheckInRegistry
from .pull.discovery import async_register_pull_services
from .pull.server import EspOtaPullView
from .services import async_setup_services
from .settings import DATA_SETTINGS, Settings
from .source_manager import DATA_SOURCES, SourceManager
from .store import DATA_STORE, FirmwareStore, get_store
from .watched_folder import WatchedFolder, async_start_group_folders

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.UPDATE,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Load what all boards share (staged firmware, confirmations, settings)."""
    store = FirmwareStore(hass)
    await store.async_load()
    hass.data[DATA_STORE] = store
    ledger = Ledger(hass)
    await ledger.async_load()
    hass.data[DATA_LEDGER] = ledger
    history = InstallHistory(hass)
    await history.async_load()
    hass.data[DATA_HISTORY] = history
    settings = Settings(hass)
    await settings.async_load()
    hass.data[DATA_SETTINGS] = settings
    checkins = CheckInRegistry(hass)
    await checkins.async_load()
    hass.data[DATA_CHECK_INS] = checkins
    sources = SourceManager(hass)
    await sources.async_load()
    hass.data[DATA_SOURCES] = sources
    # Always registered (views cannot be removed); it answers 404 while off.
    hass.http.register_view(EspOtaPullView(hass))
    async_register_pull_services(hass)
    async_setup_services(hass)
    async_track_batches(hass)
    async_start_group_folders(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EspOtaConfigEntry) -> bool:
    """Set up one board: runtime state, presence tracking, entities."""
    board = EspOtaBoard(hass, entry)
    entry.runtime_data = board
    async_adopt_identity(hass, entry, board.hostname)
    if is_pull_entry(entry):
        # No mDNS: presence comes from check-ins at the pull view.
        entry.async_on_unload(hass.data[DATA_CHECK_INS].async_register(entry))
    elif not is_web_entry(entry):
        # Web updater boards announce no _arduino._tcp service; an ArduinoOTA
        # announcement of the same host must not move them to the OTA port.
        presence = await async_get_presence(hass)
        presence.async_register(board)
    entry.async_on_unload(board.async_shutdown)
    entry.async_on_unload(
        board.async_add_listener(lambda: _async_update_device(hass, entry))
    )
    entry.async_on_unload(
        board.async_add_listener(lambda: async_clear_late_comeback(hass, entry))
    )
    entry.async_on_unload(
        get_store(hass).async_add_listener(
            board_key(entry), lambda: _async_staged_changed(hass, entry)
        )
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    watched_folder = WatchedFolder(hass, entry)
    entry.async_on_unload(await watched_folder.async_start())
    entry.async_on_unload(hass.data[DATA_SOURCES].async_start(entry))
    return True


@callback
def _async_staged_changed(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Void confirmations of other images, and their repair issue."""
    for kind in ImageKind:
        key = ledger_key(entry, kind)
        latest = get_store(hass).latest(board_key(entry), kind)
        ir.async_delete_issue(hass, DOMAIN, confirmation_issue_id(key))
        entry.async_create_task(
            hass,
            hass.data[DATA_LEDGER].async_drop_stale_confirmation(
                key, latest.sha256 if latest else None
            ),
        )


async def async_remove_entry(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Forget staged firmware, records and repairs of a board that was deleted."""
    key = board_key(entry)
    await get_store(hass).async_remove_board(key)
    await hass.data[DATA_LEDGER].async_forget(key)
    await hass.data[DATA_HISTORY].async_forget(key)
    async_delete_board_issues(hass, entry)
    hass.data[DATA_CHECK_INS].async_forget(entry)
    await hass.data[DATA_SOURCES].async_forget(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: EspOtaConfigEntry) -> bool:
    """Unload a board's config entry; the last one stops the mDNS browser."""
    if unload_ok := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await async_release_presence(hass, entry.runtime_data)
    return unload_ok


@callback
def _async_update_device(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Keep the device's firmware version and model in step with the TXT record."""
    if is_pull_entry(entry):
        return  # pull/checkins.py keeps a pull board's device in step with check-ins
    board = entry.runtime_data
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, board.hostname) not in device.identifiers:
            continue
        if device.sw_version != board.version or device.model != board.board_id:
            registry.async_update_device(
                device.id, sw_version=board.version, model=board.board_id
            )
