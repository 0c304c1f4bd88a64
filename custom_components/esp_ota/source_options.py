"""The firmware source step of a board's options: its form and what it saves.

Credentials are never shown back: the password and token fields start empty,
and leaving all three credential fields empty keeps the saved credentials
while the URL stays the same. An empty URL removes the source.
"""

from __future__ import annotations

from typing import Any, Final

import homeassistant.helpers.config_validation as cv
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol
from .sources.config import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    SourceConfig,
)

CONF_URL: Final = "url"
CONF_INTERVAL: Final = "interval"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - the field's name, no secret
CONF_TOKEN: Final = "token"  # noqa: S105 - the field's name, no secret
_SECRET: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def source_schema(current: SourceConfig | None) -> vol.Schema:
    """Return the form, filled in with the current URL, interval and user name."""
    return vol.Schema(
        {
            vol.Optional(
                CONF_URL,
                description={"suggested_value": current.url if current else None},
            ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
            vol.Required(
                CONF_INTERVAL,
                default=current.interval if current else DEFAULT_INTERVAL_MINUTES,
            ): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_INTERVAL_MINUTES,
                    max=MAX_INTERVAL_MINUTES,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="min",
                )
            ),
            vol.Optional(
                CONF_USERNAME,
                description={"suggested_value": current.username if current else None},
            ): TextSelector(),
            vol.Optional(CONF_PASSWORD): _SECRET,
            vol.Optional(CONF_TOKEN): _SECRET,
        }
    )


def config_from_form(
    user_input: dict[str, Any], current: SourceConfig | None
) -> SourceConfig | None:
    """Return the source the form describes (None: remove it).

    Raises ``vol.Invalid`` for a URL that is not http or https.
    """
    url = (user_input.get(CONF_URL) or "").strip()
    if not url:
        return None
    url = cv.url(url)
    username = (user_input.get(CONF_USERNAME) or "").strip() or None
    password = user_input.get(CONF_PASSWORD) or None
    token = (user_input.get(CONF_TOKEN) or "").strip() or None
    interval = int(user_input.get(CONF_INTERVAL, DEFAULT_INTERVAL_MINUTES))
    if current is not None and current.url == url and not (password or token):
        # The secrets are not shown back, so empty fields mean "unchanged".
        username = username or current.username
        password, token = current.password, current.token
        if username != current.username:
            password = None
    if token:
        username = password = None
    return SourceConfig(
        url=url, interval=interval, username=username, password=password, token=token
    )
