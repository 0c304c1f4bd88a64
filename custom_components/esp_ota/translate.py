"""Texts esp_ota shows outside a dialog, in the language Home Assistant is set to.

Persistent notifications take plain text, not a translation key. They are built
from the ``exceptions`` texts of the translation files (the same texts a raised
``HomeAssistantError`` shows), in ``hass.config.language`` with English where a
translation lacks a text (homeassistant/helpers/translation.py,
``async_get_translations``), so no English is written into the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN


class NoticeText(HomeAssistantError):  # noqa: N818  # never raised
    """A text of the ``exceptions`` section used for a notification, not raised."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Name the text and its placeholders."""
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=dict(placeholders),
        )


async def async_translate(hass: HomeAssistant, err: HomeAssistantError) -> str:
    """Return the message of a translated error in Home Assistant's language."""
    if err.translation_domain != DOMAIN or not err.translation_key:
        return str(err)
    texts = await async_get_translations(
        hass, hass.config.language, "exceptions", [DOMAIN]
    )
    template = texts.get(f"component.{DOMAIN}.exceptions.{err.translation_key}.message")
    if template is None:
        return str(err)
    return _fill(template, err.translation_placeholders or {})


def _fill(template: str, placeholders: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders; a missing one stays as written."""
    parts = []
    for literal, name, _, _ in Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(str(placeholders.get(name, f"{{{name}}}")))
    return "".join(parts)
