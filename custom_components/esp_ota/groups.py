"""Groups of boards: stage (and confirm) one image for many boards at once.

A group is named ``<kind>:<value>`` (``<kind>=<value>`` is the same group, for
folder names, where some file systems refuse a colon):

- ``chip:esp32s3``: every board whose board id maps to that chip family;
- ``board:d1_mini``: every board announcing that board id;
- ``project:garden-valve``: every board whose running image (the one esp_ota
  last installed, from the ledger) or one of whose staged images names that
  project in its app descriptor;
- ``label:garden``: every board whose device, or one of its entities, carries
  that Home Assistant label (by label id or by name).

A group is resolved when it is used, among the boards whose entry is loaded, so
a board labelled later belongs to the group from then on. Staging for a group
stages the image for each member through ``staging.async_stage_for_entry``,
the one path every image takes: a board it does not fit (chip, size, target)
gets nothing and is listed with the reason. Confirming for a group records a
confirmation per board in the ledger, naming the group, so each card shows it.
Nothing here installs anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)

from .board import board_key, ledger_key
from .confirm import async_confirm
from .const import CONF_BOARD, DOMAIN
from .firmware import ChipFamily, ImageKind, family_for_board
from .ledger import DATA_LEDGER
from .staging import async_stage_for_entry
from .store import StagedFirmware, get_store
from .translate import async_translate

# Group values are short names (a chip, a board id, a project, a label).
MAX_GROUP_VALUE: Final = 64


class GroupKind(StrEnum):
    """What the boards of a group share."""

    CHIP = "chip"
    BOARD = "board"
    PROJECT = "project"
    LABEL = "label"


@dataclass(frozen=True)
class Group:
    """A set of boards named by what they share."""

    kind: GroupKind
    value: str

    @property
    def key(self) -> str:
        """Return the group's name as actions take it, ``kind:value``."""
        return f"{self.kind.value}:{self.value}"

    @property
    def folder_name(self) -> str:
        """Return the name of the group's watched folder, ``kind=value``."""
        return f"{self.kind.value}={self.value}"


def parse_group(text: str) -> Group:
    """Read ``kind:value`` (or ``kind=value``); raise ServiceValidationError."""
    kind, sep, value = text.strip().partition(":")
    if not sep:
        kind, sep, value = text.strip().partition("=")
    value = value.strip()
    try:
        group_kind = GroupKind(kind.strip().casefold())
    except ValueError:
        group_kind = None
    if (
        group_kind is None
        or not value
        or len(value) > MAX_GROUP_VALUE
        or not value.isprintable()
        or (group_kind is GroupKind.CHIP and _family(value) is None)
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="group_invalid",
            translation_placeholders={"group": text[:80]},
        )
    if group_kind is GroupKind.CHIP:
        value = _family(value).value  # type: ignore[union-attr]
    return Group(group_kind, value)


def _family(value: str) -> ChipFamily | None:
    wanted = value.strip().casefold().replace("-", "")
    for family in ChipFamily:
        if wanted in (
            family.value.casefold(),
            family.label.casefold().replace("-", ""),
        ):
            return family
    return None


def loaded_boards(hass: HomeAssistant) -> list[ConfigEntry]:
    """Return the boards whose entry is loaded, by title."""
    return sorted(
        hass.config_entries.async_loaded_entries(DOMAIN),
        key=lambda entry: entry.title.casefold(),
    )


def board_chip(entry: ConfigEntry) -> ChipFamily | None:
    """Return a board's chip family from its board id, None when unknown."""
    return family_for_board(entry.data.get(CONF_BOARD))


def board_projects(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Return the projects named by the board's staged and running images.

    Running: the image esp_ota last installed (the ledger keeps its project,
    also after the store pruned the image).
    """
    projects = {
        image.project
        for image in get_store(hass).images(board_key(entry), ImageKind.APP)
        if image.project
    }
    installed = hass.data[DATA_LEDGER].installed(ledger_key(entry, ImageKind.APP))
    if installed is not None and installed.project:
        projects.add(installed.project)
    return projects


def board_labels(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Return the label ids of the board's devices and entities."""
    labels: set[str] = set()
    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        labels |= device.labels
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        labels |= entity.labels
    return labels


def is_member(hass: HomeAssistant, entry: ConfigEntry, group: Group) -> bool:
    """Tell whether a board belongs to a group now."""
    match group.kind:
        case GroupKind.CHIP:
            chip = board_chip(entry)
            return chip is not None and chip.value == group.value
        case GroupKind.BOARD:
            board_id: str = entry.data.get(CONF_BOARD) or ""
            return board_id.casefold() == group.value.casefold()
        case GroupKind.PROJECT:
            return group.value in board_projects(hass, entry)
        case GroupKind.LABEL:
            return bool(_label_ids(hass, group.value) & board_labels(hass, entry))


def _label_ids(hass: HomeAssistant, value: str) -> set[str]:
    """Return the label ids a group value names (an id, or a label's name)."""
    registry = lr.async_get(hass)
    ids = {value} if registry.async_get_label(value) else set()
    if (label := registry.async_get_label_by_name(value)) is not None:
        ids.add(label.label_id)
    return ids


def members(hass: HomeAssistant, group: Group) -> list[ConfigEntry]:
    """Return the loaded boards of a group; refuse an empty group."""
    found = [entry for entry in loaded_boards(hass) if is_member(hass, entry, group)]
    if not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="group_empty",
            translation_placeholders={"group": group.key},
        )
    return found


def groups_of(hass: HomeAssistant, entry: ConfigEntry) -> list[Group]:
    """Return every group a board belongs to (for the upload form's choice)."""
    found: list[Group] = []
    if (chip := board_chip(entry)) is not None:
        found.append(Group(GroupKind.CHIP, chip.value))
    if board_id := entry.data.get(CONF_BOARD):
        found.append(Group(GroupKind.BOARD, board_id))
    found += [Group(GroupKind.PROJECT, p) for p in sorted(board_projects(hass, entry))]
    found += [Group(GroupKind.LABEL, lb) for lb in sorted(board_labels(hass, entry))]
    return found


def group_title(hass: HomeAssistant, group: Group) -> str:
    """Return a group's name for a person (a label by its name)."""
    if group.kind is GroupKind.LABEL:
        label = lr.async_get(hass).async_get_label(group.value)
        if label is not None:
            return f"{group.kind.value}:{label.name}"
    if group.kind is GroupKind.CHIP:
        return f"{group.kind.value}:{ChipFamily(group.value).label}"
    return group.key


@dataclass(frozen=True)
class BoardOutcome:
    """What a group action did for one board."""

    entry: ConfigEntry
    image: StagedFirmware | None
    reason: str | None = None
    """The translated reason the board got nothing (None: it got the image)."""

    def as_dict(self) -> dict[str, Any]:
        """Return the action's response form."""
        if self.image is None:
            return {
                "config_entry_id": self.entry.entry_id,
                "board": self.entry.title,
                "reason": self.reason,
            }
        return {
            "config_entry_id": self.entry.entry_id,
            "board": self.entry.title,
            "version": self.image.version,
            "sha256": self.image.sha256,
        }


@dataclass(frozen=True)
class GroupResult:
    """The outcome of a group action, board by board."""

    group: Group
    outcomes: list[BoardOutcome]

    @property
    def done(self) -> list[BoardOutcome]:
        """Return the boards the action was carried out for."""
        return [outcome for outcome in self.outcomes if outcome.image is not None]

    @property
    def not_done(self) -> list[BoardOutcome]:
        """Return the boards left out, each with its reason."""
        return [outcome for outcome in self.outcomes if outcome.image is None]

    def as_response(self, done_key: str) -> dict[str, Any]:
        """Return the action's response."""
        return {
            "group": self.group.key,
            done_key: [outcome.as_dict() for outcome in self.done],
            "not_" + done_key: [outcome.as_dict() for outcome in self.not_done],
        }

    def raise_if_nothing_done(self, key: str) -> None:
        """Refuse the whole action when no board of the group took part."""
        if self.done:
            return
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "group": self.group.key,
                "reasons": reasons_text(self.not_done),
            },
        )


def reasons_text(outcomes: Iterable[BoardOutcome]) -> str:
    """Return "board: reason" lines for a message."""
    return "\n".join(f"- {o.entry.title}: {o.reason}" for o in outcomes)


async def async_stage_for_group(
    hass: HomeAssistant,
    group: Group,
    source: Path | bytes,
    *,
    kind: ImageKind = ImageKind.APP,
    version: str | None = None,
    release_notes: str | None = None,
    origin: str,
    filename: str | None = None,
) -> GroupResult:
    """Stage one image for every board of a group it fits; list the others."""
    outcomes: list[BoardOutcome] = []
    for entry in members(hass, group):
        try:
            staged = await async_stage_for_entry(
                hass,
                entry,
                source,
                kind=kind,
                version=version,
                release_notes=release_notes,
                origin=f"{origin} ({group.key})",
                filename=filename,
            )
        except HomeAssistantError as err:
            reason = await async_translate(hass, err)
            outcomes.append(BoardOutcome(entry, None, reason))
        else:
            outcomes.append(BoardOutcome(entry, staged))
    return GroupResult(group, outcomes)


async def async_confirm_for_group(
    hass: HomeAssistant,
    group: Group,
    context: Context | None,
    version: str | None,
    kind: ImageKind = ImageKind.APP,
) -> GroupResult:
    """Record one person's confirmation for each board of the group."""
    outcomes: list[BoardOutcome] = []
    for entry in members(hass, group):
        try:
            confirmed = await async_confirm(
                hass, entry, context, version, kind, group=group.key
            )
        except HomeAssistantError as err:
            if err.translation_key == "confirmation_needs_person":
                raise
            outcomes.append(BoardOutcome(entry, None, await async_translate(hass, err)))
        else:
            outcomes.append(BoardOutcome(entry, confirmed))
    return GroupResult(group, outcomes)
