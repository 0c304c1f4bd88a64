"""The pull server's part of the options' settings step."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import BooleanSelector

from custom_components.esp_ota.compat import vol
from custom_components.esp_ota.settings import Settings

from .server import PULL_PATH, pull_url_path

CONF_PULL_ENABLED: Final = "pull_enabled"
CONF_ROTATE_TOKEN: Final = "rotate_token"  # noqa: S105 - a field name
# Shown when Home Assistant does not know its own address yet.
FALLBACK_BASE_URL: Final = "http://homeassistant.local:8123"
# The user name shown for the header form (the server checks only the password).
PULL_USER: Final = "esp_ota"


def pull_schema(settings: Settings) -> dict[Any, Any]:
    """Return the settings fields of the pull server."""
    return {
        vol.Required(CONF_PULL_ENABLED, default=settings.pull_enabled): (
            BooleanSelector()
        ),
        vol.Required(CONF_ROTATE_TOKEN, default=False): BooleanSelector(),
    }


async def async_apply_pull_settings(
    settings: Settings, user_input: dict[str, Any]
) -> None:
    """Store the switch; a ticked "rotate" makes a new secret URL."""
    await settings.async_set_pull(
        enabled=bool(user_input.get(CONF_PULL_ENABLED, settings.pull_enabled)),
        rotate_token=bool(user_input.get(CONF_ROTATE_TOKEN, False)),
    )


def _base_url(hass: HomeAssistant) -> str:
    """Return Home Assistant's own address (never the cloud)."""
    try:
        base = get_url(hass, allow_external=False, allow_cloud=False)
    except NoURLAvailableError:
        base = FALLBACK_BASE_URL
    return base.rstrip("/")


def pull_url(hass: HomeAssistant, settings: Settings) -> str:
    """Return the URL boards call, the token in its path."""
    return _base_url(hass) + pull_url_path(settings.pull_token)


def pull_placeholders(hass: HomeAssistant, settings: Settings) -> dict[str, str]:
    """Return the URLs and sketch lines to paste, for the step's description.

    Two forms: the token in the path, or (kept out of access logs) a URL
    without it and the token sent as Basic credentials.
    """
    url = pull_url(hass, settings)
    plain = _base_url(hass) + PULL_PATH
    auth = f'setAuthorization("{PULL_USER}", "{settings.pull_token}");'
    return {
        "pull_url": url,
        "pull_snippet_esp8266": (
            f'ESPhttpUpdate.update(client, "{url}", "<version>");'
        ),
        "pull_snippet_esp32": f'httpUpdate.update(client, "{url}", "<version>");',
        "pull_url_header": plain,
        "pull_snippet_header_esp8266": (
            f'ESPhttpUpdate.{auth} ESPhttpUpdate.update(client, "{plain}", "<version>");'
        ),
        "pull_snippet_header_esp32": (
            f'httpUpdate.{auth} httpUpdate.update(client, "{plain}", "<version>");'
        ),
        "pull_state": "on" if settings.pull_enabled else "off",
    }
