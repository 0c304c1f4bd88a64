"""Setting a board's firmware source in its options, as a person does in the UI."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.sources.config import OPTION_KEY
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app

from .helpers import SourceServer, set_source

pytestmark = pytest.mark.usefixtures("init_integration")


async def _source_step(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert "source" in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "source"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "source"
    return dict(result)


async def _submit(
    hass: HomeAssistant, entry: MockConfigEntry, **user_input: Any
) -> dict[str, Any]:
    form = await _source_step(hass, entry)
    user_input.setdefault("interval", 360)
    return dict(
        await hass.config_entries.options.async_configure(form["flow_id"], user_input)
    )


async def test_a_source_saved_in_the_options_is_checked_once_then_staged(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    source_server.put("/a.bin", build_esp32_app(version="1.4.0"))
    url = source_server.put("/m.json", {"version": "1.4.0", "url": "a.bin"})

    result = await _submit(hass, init_integration, url=url, interval=30)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[OPTION_KEY] == {"url": url, "interval": 30}
    # One GET checked the URL; the check after saving used what it found.
    assert source_server.asked("/m.json") == 1
    staged = get_store(hass).latest(init_integration.entry_id)
    assert staged is not None
    assert staged.version == "1.4.0"


@pytest.mark.parametrize(
    ("status", "error"), [(404, "source_http_status"), (401, "source_unauthorized")]
)
async def test_a_source_that_does_not_answer_is_not_saved(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    status: int,
    error: str,
) -> None:
    source_server.status["/m.json"] = status

    result = await _submit(hass, init_integration, url=source_server.url("/m.json"))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"]["status"] == str(status)
    assert OPTION_KEY not in init_integration.options


async def test_a_url_that_is_not_http_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _submit(hass, init_integration, url="ftp://example.invalid/m.json")

    assert result["errors"] == {"base": "source_invalid_url"}


async def test_the_form_keeps_secrets_hidden_and_unchanged_when_left_empty(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    source_server.auth = "Bearer s3cret-token"
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a.bin"})
    source_server.status["/a.bin"] = 404
    await set_source(hass, init_integration, url, token="s3cret-token")

    form = await _source_step(hass, init_integration)
    assert "s3cret-token" not in str(form["data_schema"].schema)
    form = await hass.config_entries.options.async_configure(
        form["flow_id"], {"url": url, "interval": 60}
    )

    assert form["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[OPTION_KEY] == {
        "url": url,
        "interval": 60,
        "token": "s3cret-token",
    }


async def test_basic_credentials_are_set_and_an_empty_url_removes_the_source(
    hass: HomeAssistant, init_integration: MockConfigEntry, source_server: SourceServer
) -> None:
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a.bin"})
    source_server.status["/a.bin"] = 404

    await _submit(hass, init_integration, url=url, username="ci", password="pw")
    assert init_integration.options[OPTION_KEY]["username"] == "ci"
    await hass.async_block_till_done()
    # A new user name without a password drops the saved password.
    await _submit(hass, init_integration, url=url, username="other")
    assert "password" not in init_integration.options[OPTION_KEY]
    await hass.async_block_till_done()

    result = await _submit(hass, init_integration, url="")

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert OPTION_KEY not in init_integration.options


@pytest.mark.parametrize("interval", [0, 14, 10081])
async def test_the_form_refuses_an_interval_out_of_bounds(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    interval: int,
) -> None:
    url = source_server.put("/m.json", {"version": "1.0.0", "url": "a.bin"})
    form = await _source_step(hass, init_integration)

    with pytest.raises(InvalidData) as caught:
        await hass.config_entries.options.async_configure(
            form["flow_id"], {"url": url, "interval": interval}
        )

    assert "interval" in caught.value.schema_errors
    assert OPTION_KEY not in init_integration.options
    assert source_server.requests == []
