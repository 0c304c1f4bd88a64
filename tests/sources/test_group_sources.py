"""A firmware source for a group of boards: one manifest, each board its chip's build."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, label_registry as lr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import (
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
)
from custom_components.esp_ota.sources.config import OPTION_KEY
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import SourceServer, check_sources, next_check

pytestmark = pytest.mark.usefixtures("init_integration")


@pytest.fixture
async def garden(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> dict[str, MockConfigEntry]:
    """esp32-garden, d1-porch (ESP8266) and s3-attic (ESP32-S3), all labelled garden."""
    entries = {"esp32-garden": init_integration}
    for number, (hostname, board_id) in enumerate(
        (("d1-porch", "d1_mini"), ("s3-attic", "esp32s3"))
    ):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=hostname,
            unique_id=hostname,
            source="user",
            data={
                CONF_HOST: f"192.168.1.{70 + number}",
                CONF_PORT: 8266,
                CONF_HOSTNAME: hostname,
                CONF_BOARD: board_id,
                CONF_TRANSPORT: TRANSPORT_ESPOTA,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        entries[hostname] = entry
    await hass.async_block_till_done()
    label = lr.async_get(hass).async_create("Garden")
    devices = dr.async_get(hass)
    for entry in entries.values():
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
            devices.async_update_device(device.id, labels={label.label_id})
    return entries


def _manifest(server: SourceServer) -> str:
    server.put("/fw/esp32.bin", build_esp32_app(version="2.1.0", project_name="garden"))
    server.put("/fw/esp8266.bin", build_esp8266_app())
    return server.put(
        "/fw/manifest.json",
        {
            "name": "Garden",
            "version": "2.1.0",
            "builds": [
                {
                    "chipFamily": "ESP8266",
                    "parts": [{"path": "esp8266.bin", "offset": 0}],
                },
                {
                    "chipFamily": "ESP32",
                    "parts": [{"path": "esp32.bin", "offset": 65536}],
                },
            ],
        },
    )


async def test_a_group_source_gives_each_board_its_chips_build_from_one_manifest(
    hass: HomeAssistant,
    garden: dict[str, MockConfigEntry],
    source_server: SourceServer,
) -> None:
    url = _manifest(source_server)

    response = await hass.services.async_call(
        DOMAIN,
        "set_firmware_source",
        {"group": "label:garden", "url": url, "interval": 60},
        blocking=True,
        return_response=True,
    )

    assert response["group"] == "label:garden"
    assert {b["board"]: (b["result"], b["version"]) for b in response["set"]} == {
        "esp32-garden": ("staged", "2.1.0"),
        "d1-porch": ("staged", "2.1.0"),
    }
    [left_out] = response["not_set"]
    assert left_out["board"] == "s3-attic"
    assert "no build for this board's chip, esp32s3" in left_out["reason"]
    # One GET of the manifest for the group, then one per board's check.
    assert source_server.asked("/fw/manifest.json") == 1
    store = get_store(hass)
    assert store.latest(garden["d1-porch"].entry_id).chip.value == "esp8266"
    assert store.latest(garden["esp32-garden"].entry_id).chip.value == "esp32"
    assert store.latest(garden["s3-attic"].entry_id) is None
    for name in ("esp32-garden", "d1-porch"):
        assert garden[name].options[OPTION_KEY] == {"url": url, "interval": 60}
    assert OPTION_KEY not in garden["s3-attic"].options

    checked = await check_sources(hass, group="label:garden")
    assert set(checked) == {
        garden["esp32-garden"].entry_id,
        garden["d1-porch"].entry_id,
    }
    assert {state["result"] for state in checked.values()} == {"up_to_date"}

    removed = await hass.services.async_call(
        DOMAIN,
        "set_firmware_source",
        {"group": "label:garden", "url": ""},
        blocking=True,
        return_response=True,
    )
    assert len(removed["set"]) == 3
    assert all(OPTION_KEY not in entry.options for entry in garden.values())


async def test_a_group_source_with_no_build_for_any_board_is_refused(
    hass: HomeAssistant,
    garden: dict[str, MockConfigEntry],
    source_server: SourceServer,
) -> None:
    url = _manifest(source_server)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "set_firmware_source",
            {"group": "chip:esp32s3", "url": url},
            blocking=True,
        )
    assert caught.value.translation_key == "group_source_fits_none"
    assert "- s3-attic:" in caught.value.translation_placeholders["reasons"]
    assert OPTION_KEY not in garden["s3-attic"].options


async def test_the_source_form_sets_the_source_for_a_group(
    hass: HomeAssistant,
    garden: dict[str, MockConfigEntry],
    source_server: SourceServer,
) -> None:
    url = _manifest(source_server)
    porch_checked = next_check(hass, garden["d1-porch"])
    result = await hass.config_entries.options.async_init(
        garden["esp32-garden"].entry_id
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "source"}
    )
    assert result["step_id"] == "source"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"url": url, "interval": 360, "group": "label:garden"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_source_set"
    placeholders = result["description_placeholders"]
    assert placeholders["set"] == "- d1-porch\n- esp32-garden"
    assert placeholders["left_out"].startswith("- s3-attic: ")
    await porch_checked.wait()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert get_store(hass).latest(garden["d1-porch"].entry_id).version == "2.1.0"
