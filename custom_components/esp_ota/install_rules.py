"""The install rules: what must hold before a byte of an image is sent.

Rules 1 to 3 of ``install.py`` (``check_rules``), asked by every push install
and by the pull server at every check-in; a person's Install is the
confirmation (``async_check_install``); and the check of the bytes read from
disk just before they are sent (``read_checked``, executor only).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .board import ledger_key
from .const import DOMAIN
from .firmware import (
    ChipFamily,
    FirmwareError,
    check_fit,
    check_image,
    family_for_board,
)
from .ledger import DATA_LEDGER
from .staging import staging_error
from .transport import translated_error

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .store import FirmwareStore, StagedFirmware


class InstallError(HomeAssistantError):
    """An install was refused or failed; the message is translated."""


class NotConfirmedError(InstallError):
    """No person confirmed the image for this board."""


def confirmation_issue_id(board: str) -> str:
    """Return the repair issue id that asks for a confirmation."""
    return f"confirm_{board}"


def check_rules(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    *,
    free_space: int | None = None,
    board_family: ChipFamily | None = None,
) -> None:
    """Rules 1 to 3 on what is known without a person or the bytes at hand.

    The switch is on, a person confirmed this exact image (ledger), and the
    staged image fits the board (chip family from the board id unless given,
    free space when known). Push installs and the pull server both ask this.
    """
    board = entry.runtime_data
    if not board.updates_allowed:
        raise translated_error(InstallError, "updates_not_allowed", board=entry.title)
    if not hass.data[DATA_LEDGER].is_confirmed(
        ledger_key(entry, staged.kind), staged.sha256
    ):
        raise translated_error(
            NotConfirmedError,
            "not_confirmed",
            board=entry.title,
            version=staged.version,
        )
    try:
        check_fit(
            staged,
            board_family=board_family or family_for_board(board.board_id),
            free_space=free_space,
            target=staged.kind,
        )
    except FirmwareError as err:
        raise staging_error(err) from err


async def async_check_install(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    *,
    context: Context | None,
    free_space: int | None = None,
) -> None:
    """Take a person's Install as the confirmation, then check the rules.

    A person pressing Install on this exact image confirms it (only while the
    switch allows installs); an automation's install without an earlier
    confirmation raises a repair issue that says what to confirm.
    """
    ledger = hass.data[DATA_LEDGER]
    key = ledger_key(entry, staged.kind)
    if (
        context is not None
        and context.user_id is not None
        and entry.runtime_data.updates_allowed
        and not ledger.is_confirmed(key, staged.sha256)
    ):
        await ledger.async_confirm(
            key, sha256=staged.sha256, version=staged.version, user_id=context.user_id
        )
    try:
        check_rules(hass, entry, staged, free_space=free_space)
    except NotConfirmedError:
        ir.async_create_issue(
            hass,
            DOMAIN,
            confirmation_issue_id(key),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="install_needs_confirmation",
            translation_placeholders={
                "board": entry.title,
                "version": staged.version,
                "sha256": staged.short_hash,
            },
        )
        raise


def read_checked(
    store: FirmwareStore,
    staged: StagedFirmware,
    board: str,
    family: ChipFamily | None,
) -> bytes:
    """Read the staged bytes; refuse them if changed or unfit (executor only)."""
    data = store.read(staged)
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        raise translated_error(InstallError, "image_changed_on_disk", board=board)
    try:
        check_image(data, target=staged.kind, board_family=family)
    except FirmwareError as err:
        raise staging_error(err) from err
    return data
