"""Options flow: stage a firmware image for a board by uploading it in the UI.

The upload may be for a group the board belongs to (its chip, board id,
projects and labels, groups.py): the image is then staged for every board of
the group it fits, and the closing message lists those it did not fit, with
the reason.

Staging changes no option of the entry: a staged upload ends with an abort that
says which version was staged for which board, and leaves the options alone.
HA's file_upload deletes an uploaded file once it has been read, so a refused file cannot be offered again: the form
comes back empty and asks for the file anew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.file_upload import process_uploaded_file
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.selector import (
    FileSelector,
    FileSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .compat import vol
from .espota import MAX_RETRIES
from .firmware import ImageKind
from .groups import (
    GroupResult,
    async_stage_for_group,
    group_title,
    groups_of,
    parse_group,
    reasons_text,
)
from .pull.settings_form import (
    async_apply_pull_settings,
    pull_placeholders,
    pull_schema,
)
from .settings import DATA_SETTINGS, MAX_ARM_HOURS, MAX_PARALLEL_UPLOADS
from .source_actions import async_set_group_source
from .source_manager import DATA_SOURCES, source_config
from .source_options import config_from_form, source_schema
from .sources.config import SourceConfig
from .sources.manifest import SourceError
from .staging import async_stage_for_entry, staging_error
from .store import MAX_IMAGE_SIZE, ImageTooLargeError, StagedFirmware

CONF_FIRMWARE = "firmware"
CONF_VERSION = "version"
CONF_RELEASE_NOTES = "release_notes"
CONF_TARGET = "target"
CONF_GROUP = "group"
CONF_PARALLEL = "parallel_uploads"
CONF_ARM_HOURS = "arm_hours"
CONF_CONNECT_BACK_PORT = "connect_back_port"
CONF_UPLOAD_RETRIES = "upload_retries"
MAX_PORT = 65535


class UploadGoneError(Exception):
    """The uploaded file was already used (or never existed)."""


def _read_upload(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_IMAGE_SIZE:
        raise ImageTooLargeError(size)
    return path.read_bytes()


def _box(low: int, high: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    )


class EspOtaOptionsFlow(OptionsFlow):
    """Upload a .bin for this board, or change settings shared by all boards."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer what can be done here."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["upload", "source", "settings"],
            description_placeholders={"board": self.config_entry.title},
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how many boards may be flashed at the same time; the pull server."""
        settings = self.hass.data[DATA_SETTINGS]
        if user_input is not None:
            await settings.async_set_parallel_uploads(int(user_input[CONF_PARALLEL]))
            await settings.async_set_uploads(
                connect_back_port=int(user_input[CONF_CONNECT_BACK_PORT]),
                retries=int(user_input[CONF_UPLOAD_RETRIES]),
                arm_hours=int(user_input[CONF_ARM_HOURS]),
            )
            await async_apply_pull_settings(settings, user_input)
            return self.async_create_entry(data=dict(self.config_entry.options))
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_PARALLEL, default=settings.parallel_uploads
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=MAX_PARALLEL_UPLOADS,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_CONNECT_BACK_PORT, default=settings.connect_back_port
                ): _box(0, MAX_PORT),
                vol.Required(
                    CONF_UPLOAD_RETRIES, default=settings.upload_retries
                ): _box(0, MAX_RETRIES),
                vol.Required(CONF_ARM_HOURS, default=settings.arm_hours): _box(
                    0, MAX_ARM_HOURS
                ),
                **pull_schema(settings),
            }
        )
        return self.async_show_form(
            step_id="settings",
            data_schema=schema,
            description_placeholders=pull_placeholders(self.hass, settings),
        )

    async def async_step_source(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set, change or remove the board's firmware source (one GET checks it)."""
        entry = self.config_entry
        manager = self.hass.data[DATA_SOURCES]
        current = source_config(entry)
        errors: dict[str, str] = {}
        placeholders = {"board": entry.title}
        if user_input is not None and user_input.get(CONF_GROUP):
            try:
                return await self._async_set_group_source(user_input, current)
            except vol.Invalid:
                errors["base"] = "source_invalid_url"
            except HomeAssistantError as err:
                errors["base"] = err.translation_key or "unknown"
                placeholders |= err.translation_placeholders or {}
        elif user_input is not None:
            try:
                config = config_from_form(user_input, current)
                release = (
                    await manager.async_validate(entry, config) if config else None
                )
            except vol.Invalid:
                errors["base"] = "source_invalid_url"
            except SourceError as err:
                # Its facts are data only (sources/errors.py): nothing to redact.
                errors["base"] = f"source_{err.cause}"
                placeholders |= err.facts
            else:
                await manager.async_set(entry, config)
                if release is not None:
                    # The download and staging go on after the form closes.
                    entry.async_create_task(
                        self.hass, manager.async_check(entry, release)
                    )
                return self.async_create_entry(data=dict(entry.options))
        return self.async_show_form(
            step_id="source",
            data_schema=self._with_group_choice(source_schema(current)),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_upload(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the upload form, then validate and stage the file."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"board": self.config_entry.title}
        if user_input is not None:
            try:
                staged = await self._async_stage(user_input)
            except UploadGoneError:
                errors[CONF_FIRMWARE] = "upload_gone"
            except HomeAssistantError as err:
                errors["base"] = err.translation_key or "unknown"
                placeholders.update(err.translation_placeholders or {})
            else:
                if isinstance(staged, GroupResult):
                    return self._group_staged(staged)
                return self.async_abort(
                    reason=(
                        "filesystem_staged"
                        if staged.kind is ImageKind.FILESYSTEM
                        else "firmware_staged"
                    ),
                    description_placeholders={
                        "board": self.config_entry.title,
                        "version": staged.version,
                    },
                )
            # The uploaded file is gone now (file_upload deletes it after use).
            user_input = {k: v for k, v in user_input.items() if k != CONF_FIRMWARE}
        schema = vol.Schema(
            {
                vol.Required(CONF_FIRMWARE): FileSelector(
                    FileSelectorConfig(
                        accept=".bin,.gz,application/octet-stream,application/gzip"
                    )
                ),
                vol.Optional(CONF_TARGET, default=ImageKind.APP.value): SelectSelector(
                    SelectSelectorConfig(
                        options=[ImageKind.APP.value, ImageKind.FILESYSTEM.value],
                        mode=SelectSelectorMode.LIST,
                        translation_key="target",
                    )
                ),
                vol.Optional(CONF_VERSION): TextSelector(),
                vol.Optional(CONF_RELEASE_NOTES): TextSelector(
                    TextSelectorConfig(multiline=True)
                ),
            }
        )
        return self.async_show_form(
            step_id="upload",
            data_schema=self.add_suggested_values_to_schema(
                self._with_group_choice(schema), user_input or {}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _with_group_choice(self, schema: vol.Schema) -> vol.Schema:
        """Add the choice of a group the board belongs to (empty: this board)."""
        if not (groups := groups_of(self.hass, self.config_entry)):
            return schema
        return schema.extend(
            {
                vol.Optional(CONF_GROUP): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(
                                value=group.key, label=group_title(self.hass, group)
                            )
                            for group in groups
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )

    async def _async_set_group_source(
        self, user_input: dict[str, Any], current: SourceConfig | None
    ) -> ConfigFlowResult:
        """Give the source to every board of the chosen group it has a build for."""
        group = parse_group(user_input[CONF_GROUP])
        config = config_from_form(user_input, current)
        outcomes = await async_set_group_source(self.hass, group, config, wait=False)
        return self.async_abort(
            reason="group_source_set" if config else "group_source_removed",
            description_placeholders={
                "group": group_title(self.hass, group),
                "set": "\n".join(
                    f"- {o.entry.title}" for o in outcomes if o.reason is None
                ),
                "left_out": "\n".join(
                    f"- {o.entry.title}: {o.reason}"
                    for o in outcomes
                    if o.reason is not None
                )
                or "-",
            },
        )

    def _group_staged(self, result: GroupResult) -> ConfigFlowResult:
        """Say for which boards of the group the image was staged, and why not."""
        image = result.done[0].image
        return self.async_abort(
            reason="group_staged",
            description_placeholders={
                "group": group_title(self.hass, result.group),
                "version": image.version if image else "-",
                "staged": "\n".join(f"- {o.entry.title}" for o in result.done),
                "left_out": reasons_text(result.not_done) or "-",
            },
        )

    async def _async_stage(
        self, user_input: dict[str, Any]
    ) -> StagedFirmware | GroupResult:
        file_id: str = user_input[CONF_FIRMWARE]
        # Checked first: a wrong group must not use up the uploaded file.
        group = (
            parse_group(user_input[CONF_GROUP]) if user_input.get(CONF_GROUP) else None
        )

        def read() -> tuple[bytes, str]:
            try:
                with process_uploaded_file(self.hass, file_id) as path:
                    return _read_upload(path), path.name
            except ValueError as err:  # "File does not exist": used or expired
                raise UploadGoneError from err

        try:
            data, filename = await self.hass.async_add_executor_job(read)
        except ImageTooLargeError as err:
            raise staging_error(err) from err
        if group is not None:
            result = await async_stage_for_group(
                self.hass,
                group,
                data,
                kind=ImageKind(user_input.get(CONF_TARGET, ImageKind.APP.value)),
                version=user_input.get(CONF_VERSION),
                release_notes=user_input.get(CONF_RELEASE_NOTES),
                origin="upload",
                filename=filename,
            )
            result.raise_if_nothing_done("group_nothing_staged")
            return result
        return await async_stage_for_entry(
            self.hass,
            self.config_entry,
            data,
            kind=ImageKind(user_input.get(CONF_TARGET, ImageKind.APP.value)),
            version=user_input.get(CONF_VERSION),
            release_notes=user_input.get(CONF_RELEASE_NOTES),
            origin="upload",
            filename=filename,
        )
