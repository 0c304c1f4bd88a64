"""Firmware update entity: one per board, on the dashboard's update card."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityFeature,
)
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_platform
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .arming import ArmingMixin
from .board import EspOtaConfigEntry, board_key, ledger_key
from .const import DOMAIN, is_pull_entry
from .entity import EspOtaEntity
from .firmware import ImageKind
from .history import async_record_install
from .install import async_install
from .ledger import DATA_LEDGER, Installed
from .pull.update_entity import PullUpdateMixin
from .redact import shown_source
from .store import StagedFirmware, get_store
from .transport import Transport, percent, translated_error
from .transport.factory import transport_for

# Installs are serialised per board by a lock and across boards by the fleet
# limit, not by the entity platform.
PARALLEL_UPDATES = 0
RELEASE_SUMMARY_LENGTH: Final = 255
UNKNOWN_VERSION: Final = "unknown"
SERVICE_CANCEL_WAITING_INSTALL: Final = "cancel_waiting_install"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the board's firmware update entity."""
    if is_pull_entry(entry):
        async_add_entities([EspOtaPullUpdateEntity(hass, entry)])
        return
    transport = transport_for(hass, entry)
    async_add_entities([EspOtaUpdateEntity(hass, entry, transport)])
    entity_platform.async_get_current_platform().async_register_entity_service(
        SERVICE_CANCEL_WAITING_INSTALL, None, "async_cancel_waiting_install"
    )

    # The filesystem card appears once a filesystem image is staged: most
    # sketches have no filesystem, and an empty card would only be noise.
    store = get_store(hass)
    key = board_key(entry)

    @callback
    def add_filesystem_entity() -> None:
        if store.latest(key, ImageKind.FILESYSTEM) is None:
            return
        remove_listener()
        async_add_entities(
            [EspOtaUpdateEntity(hass, entry, transport, ImageKind.FILESYSTEM)]
        )

    remove_listener = store.async_add_listener(key, add_filesystem_entity)
    entry.async_on_unload(remove_listener)
    add_filesystem_entity()


class EspOtaUpdateEntity(ArmingMixin, EspOtaEntity, UpdateEntity):
    """Staged firmware for one board, installed when a person says so."""

    _attr_device_class: UpdateDeviceClass | None = UpdateDeviceClass.FIRMWARE
    _attr_translation_key = "firmware"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EspOtaConfigEntry,
        transport: Transport | None,
        kind: ImageKind = ImageKind.APP,
    ) -> None:
        """Create the flash (or filesystem) entity of a board.

        Pull boards have no transport: they fetch their image themselves.
        """
        super().__init__(
            entry.runtime_data, "firmware" if kind is ImageKind.APP else kind.value
        )
        self._kind = kind
        if kind is ImageKind.FILESYSTEM:
            # The filesystem is data, not firmware: no device class.
            self._attr_device_class = None
            self._attr_translation_key = kind.value
        self._entry = entry
        self._transport = transport
        self._last_percent: int | None = None

    async def async_added_to_hass(self) -> None:
        """Follow staged firmware as well as the board; take back a waiting install."""
        await super().async_added_to_hass()
        await self._async_restore_armed()
        if self.armed is not None:
            self._async_start_once_loaded()
        self.async_on_remove(
            get_store(self.hass).async_add_listener(
                board_key(self._entry), self._handle_board_update
            )
        )

    async def async_will_remove_from_hass(self) -> None:
        """End a waiting install with the entity (its restore data keeps it)."""
        self.async_disarm()
        await super().async_will_remove_from_hass()

    @property
    def available(self) -> bool:
        """Stay available while the board is away: Install then arms it."""
        return True

    @callback
    def _handle_board_update(self) -> None:
        """Start a waiting install once the board is back; write the state."""
        self._async_start_if_armed()
        super()._handle_board_update()

    async def async_cancel_waiting_install(self) -> None:
        """Cancel the install waiting for the board (esp_ota.cancel_waiting_install)."""
        if not self.async_disarm():
            raise translated_error(
                HomeAssistantError, "nothing_waiting", board=self._entry.title
            )
        self.async_write_ha_state()

    @property
    def _staged(self) -> list[StagedFirmware]:
        return get_store(self.hass).images(board_key(self._entry), self._kind)

    @property
    def supported_features(self) -> UpdateEntityFeature:
        """Pick a specific version only when there is more than one to pick."""
        features = (
            UpdateEntityFeature.INSTALL
            | UpdateEntityFeature.PROGRESS
            | UpdateEntityFeature.RELEASE_NOTES
        )
        if len(self._staged) > 1:
            features |= UpdateEntityFeature.SPECIFIC_VERSION
        return features

    @property
    def installed_version(self) -> str | None:
        """The version the board announces, else the last one esp_ota flashed.

        A sketch announces its own version only; a filesystem's is known from
        esp_ota's last install of one.
        """
        installed = self.hass.data[DATA_LEDGER].installed(
            ledger_key(self._entry, self._kind)
        )
        announced = self.board.version
        if self._kind is ImageKind.APP and announced is not None:
            return self._version_of_hash(announced, installed) or announced
        return self._or_unknown(installed.version if installed else None)

    def _version_of_hash(
        self, announced: str, installed: Installed | None
    ) -> str | None:
        """Return the version of a known image whose MD5 or SHA-256 was announced.

        A sketch that publishes ``ESP.getSketchMD5()`` (ESP8266 core,
        cores/esp8266/Esp.cpp) announces a hash, not a version: when it is the
        hash of an image esp_ota staged or installed for this board, that
        image's version is the one a person recognises.
        """
        value = announced.strip().lower()
        known: list[StagedFirmware | Installed] = [*self._staged]
        if installed is not None:
            known.append(installed)
        for image in known:
            if value in (image.md5, image.sha256):
                return image.version
        return None

    def _or_unknown(self, version: str | None) -> str | None:
        """Say "unknown" rather than nothing once there is something to install.

        With no installed version Home Assistant's state is unknown and the
        frontend greys out Install; "unknown" is no invented version (it never
        equals a staged one), so the card offers the staged image.
        """
        if version is None and self._staged:
            return UNKNOWN_VERSION
        return version

    @property
    def latest_version(self) -> str | None:
        """The newest staged firmware's version."""
        staged = self._staged
        return staged[0].version if staged else self.installed_version

    @property
    def title(self) -> str | None:
        """Name of the firmware: the project name from the image, if it has one."""
        staged = self._staged
        return staged[0].project if staged else None

    @property
    def release_url(self) -> str | None:
        """Where the newest staged firmware's release is described (from its source)."""
        staged = self._staged
        return staged[0].release_url if staged else None

    @property
    def release_summary(self) -> str | None:
        """The first lines of the staged firmware's release notes.

        While an install waits for the board, the card says so instead.
        """
        if self.armed is not None:
            return self.armed.summary[:RELEASE_SUMMARY_LENGTH]
        staged = self._staged
        if not staged or not staged[0].release_notes:
            return None
        return staged[0].release_notes[:RELEASE_SUMMARY_LENGTH]

    async def async_release_notes(self) -> str | None:
        """Release notes and facts of the newest staged image."""
        staged = self._staged
        if not staged:
            return None
        image = staged[0]
        chip = image.chip.label if image.chip else "unknown chip"
        staged_at = dt_util.parse_datetime(image.staged_at)
        when = (
            dt_util.as_local(staged_at).strftime("%Y-%m-%d %H:%M") if staged_at else ""
        )
        # Kept apart from the notes, which often end in a list of their own.
        facts = (
            f"**Image:** {chip}, {image.size:,} bytes, SHA-256 `{image.short_hash}…`  \n"
            f"**Staged:** {when} ({shown_source(image.source)})  \n"
            f"**Confirmed:** {await self._async_confirmation_text(image)}"
        )
        if image.release_notes:
            return f"{image.release_notes}\n\n---\n\n{facts}"
        return facts

    async def _async_confirmation_text(self, image: StagedFirmware) -> str:
        """Say who confirmed this image for the board, and for which group."""
        ledger = self.hass.data[DATA_LEDGER]
        key = ledger_key(self._entry, self._kind)
        confirmation = ledger.confirmation(key)
        if confirmation is None or confirmation.sha256 != image.sha256:
            return "not yet (a person confirms it before it can be installed)"
        user = await self.hass.auth.async_get_user(confirmation.user_id)
        confirmed_at = dt_util.parse_datetime(confirmation.confirmed_at)
        text = f"by {user.name if user and user.name else 'a person'}"
        if confirmed_at:
            text += f", {dt_util.as_local(confirmed_at).strftime('%Y-%m-%d %H:%M')}"
        if confirmation.group:
            text += f", for the group `{confirmation.group}`"
        return text

    async def async_install(
        self, version: str | None, backup: bool, **kwargs: Any
    ) -> None:
        """Flash the chosen staged image, if every rule allows it.

        A board that is away is armed instead (arming.py).
        """
        staged = self._pick(version)
        self.async_disarm()
        if not self.board.available:
            await self._async_arm(staged, self._context)
            return
        await self._async_install_now(staged, self._context)

    async def _async_install_now(
        self, staged: StagedFirmware, context: Context | None
    ) -> None:
        if self._transport is None:  # the pull mixin overrides async_install
            raise NotImplementedError
        self._attr_in_progress = True
        self._attr_update_percentage = None
        self._last_percent = None
        self.async_write_ha_state()
        try:
            async with async_record_install(
                self.hass, self._entry, staged, context
            ) as attempt:
                await async_install(
                    self.hass,
                    self._entry,
                    staged,
                    context=context,
                    transport=self._transport,
                    progress=self._async_progress,
                    on_started=attempt.started(self._async_started),
                    on_rollback=attempt.on_rollback,
                )
        finally:
            self._attr_in_progress = False
            self._attr_update_percentage = None

    def _pick(self, version: str | None) -> StagedFirmware:
        staged = self._staged
        if not staged:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="nothing_staged",
                translation_placeholders={"board": self._entry.title},
            )
        if version is None:
            return staged[0]
        for image in staged:
            if image.version == version:
                return image
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="version_not_staged",
            translation_placeholders={"board": self._entry.title, "version": version},
        )

    @callback
    def _async_started(self) -> None:
        self._async_progress(0, 1)

    @callback
    def _async_progress(self, sent: int, total: int) -> None:
        """Show progress in whole-percent steps (no state write per packet)."""
        now = percent(sent, total)
        if now != self._last_percent:
            self._last_percent = now
            self._attr_update_percentage = now
            self.async_write_ha_state()


class EspOtaPullUpdateEntity(PullUpdateMixin, EspOtaUpdateEntity):
    """The update entity of a pull board (``pull/update_entity.py``)."""

    def __init__(self, hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
        """Create the entity for one pull board: it has no transport."""
        super().__init__(hass, entry, transport=None)
