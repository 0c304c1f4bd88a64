"""A person's confirmation of the staged firmware (button and action share it)."""

from __future__ import annotations

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .board import EspOtaConfigEntry, board_key, ledger_key
from .const import DOMAIN
from .firmware import ImageKind
from .install_rules import confirmation_issue_id
from .ledger import DATA_LEDGER
from .store import StagedFirmware, get_store


async def async_confirm(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    context: Context | None,
    version: str | None = None,
    kind: ImageKind = ImageKind.APP,
    *,
    group: str | None = None,
) -> StagedFirmware:
    """Record that the person in context confirmed a staged image of the board.

    Only a person can confirm: a call without a user (an automation, a script)
    is refused, so an automation can never approve its own install. ``group``
    names the group the person confirmed the image for (``groups.py``), kept
    with the confirmation so the board's card can say so.
    """
    if context is None or context.user_id is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="confirmation_needs_person",
            translation_placeholders={"board": entry.title},
        )
    images = get_store(hass).images(board_key(entry), kind)
    chosen = next(
        (image for image in images if version is None or image.version == version),
        None,
    )
    if chosen is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="nothing_staged"
            if version is None
            else "version_not_staged",
            translation_placeholders={"board": entry.title, "version": version or ""},
        )
    key = ledger_key(entry, kind)
    await hass.data[DATA_LEDGER].async_confirm(
        key,
        sha256=chosen.sha256,
        version=chosen.version,
        user_id=context.user_id,
        group=group,
    )
    ir.async_delete_issue(hass, DOMAIN, confirmation_issue_id(key))
    return chosen
