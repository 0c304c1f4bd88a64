"""What a person sees of a pull board: the card, the device, the repairs."""

from __future__ import annotations

from homeassistant.const import UnitOfInformation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)

from custom_components.esp_ota.board import ledger_key
from custom_components.esp_ota.compat import find_device
from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.firmware import ImageKind
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.pull.checkins import DATA_CHECK_INS
from custom_components.esp_ota.pull.config_flow import pull_hostname
from custom_components.esp_ota.pull.repairs import no_room_issue_id
from tools.esp_emulator import Core
from tools.esp_emulator.pull_client import PullResult
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import MAC, PullServer, board, card, press_install, slug, wait_until


async def test_the_image_the_board_runs_decides_the_installed_version(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0")
    await pull_server.stage(entry, image)
    await press_install(hass, person)
    emulated = board(sketch=image, version="v2-build17")

    # It runs the staged image (its MD5) but names it its own way.
    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert card(hass, MAC) == ("2.0.0", "2.0.0", False, None)
    assert hass.states.get(f"update.{slug(MAC)}_firmware").state == "off"
    # An image esp_ota does not know: its own word is all there is.
    emulated.sketch = build_esp32_app(version="3.0.0-local")
    await emulated.update(pull_server.url)
    assert card(hass, MAC)[0] == "v2-build17"


async def test_a_filesystem_confirmation_survives_a_board_that_took_nothing(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    entry = await pull_server.add_board()
    filesystem = bytes(range(256)) * 1024  # 256 KiB
    await pull_server.stage(entry, filesystem, target="filesystem", version="fs-1")
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"config_entry_id": entry.entry_id, "target": "filesystem"},
        blocking=True,
        context=person,
    )
    ledger = hass.data[DATA_LEDGER]
    key = ledger_key(entry, ImageKind.FILESYSTEM)
    # ESP8266 with a smaller filesystem: reads the headers, closes.
    small = board(Core.ESP8266, filesystem_size=64 * 1024)
    outcome = await small.update(pull_server.url, spiffs=True)
    assert (outcome.result, outcome.reason) == (PullResult.FAILED, "not enough space")
    checkins = hass.data[DATA_CHECK_INS]
    await wait_until(hass, entry, lambda: checkins.progress(entry) is None)
    assert ledger.confirmation(key) is not None

    large = board(Core.ESP8266, filesystem_size=1 << 20)
    assert (await large.update(pull_server.url, spiffs=True)).result is (
        PullResult.UPDATED
    )
    assert large.filesystem == filesystem
    # Used up once the board acknowledged the last byte.
    await wait_until(hass, entry, lambda: ledger.confirmation(key) is None)
    assert (await large.update(pull_server.url, spiffs=True)).result is (
        PullResult.NO_UPDATES
    )


async def test_an_image_that_does_not_fit_says_so_until_it_fits(
    hass: HomeAssistant,
    pull_server: PullServer,
    person: Context,
    issue_registry: ir.IssueRegistry,
) -> None:
    entry = await pull_server.add_board()
    image = build_esp32_app(version="2.0.0", size=256 * 1024)
    await pull_server.stage(entry, image)
    await press_install(hass, person)
    assert card(hass, MAC)[2] is True

    cramped = board(version="1.0.0", free_space=128 * 1024)
    assert (await cramped.update(pull_server.url)).result is PullResult.NO_UPDATES
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert state.attributes["in_progress"] is False
    assert state.attributes["release_summary"].startswith(
        "Does not fit: 262,144 bytes, the board has 131,072 bytes free."
    )
    issue = issue_registry.async_get_issue(DOMAIN, no_room_issue_id(entry))
    assert issue is not None
    assert issue.translation_placeholders == {
        "board": entry.title,
        "version": "2.0.0",
        "size": "262144",
        "free_space": "131072",
    }
    # Same image, same free space: still refused, still said.
    assert (await cramped.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert issue_registry.async_get_issue(DOMAIN, no_room_issue_id(entry))

    # After a partition change the board reports more room: it gets the image.
    roomy = board(version="1.0.0", free_space=1 << 20)
    assert (await roomy.update(pull_server.url)).result is PullResult.UPDATED
    assert issue_registry.async_get_issue(DOMAIN, no_room_issue_id(entry)) is None
    assert card(hass, MAC)[2] is True


async def test_another_image_confirmed_lifts_the_no_room_repair_at_once(
    hass: HomeAssistant,
    pull_server: PullServer,
    person: Context,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A sleeping board may check in days later: the repair goes with the image."""
    entry = await pull_server.add_board()
    await pull_server.stage(entry, build_esp32_app(version="2.0.0", size=256 * 1024))
    await press_install(hass, person)
    cramped = board(version="1.0.0", free_space=128 * 1024)
    assert (await cramped.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert issue_registry.async_get_issue(DOMAIN, no_room_issue_id(entry))

    await pull_server.stage(entry, build_esp32_app(version="2.0.1", size=64 * 1024))
    await press_install(hass, person)
    assert issue_registry.async_get_issue(DOMAIN, no_room_issue_id(entry)) is None
    state = hass.states.get(f"update.{slug(MAC)}_firmware")
    assert card(hass, MAC) == ("1.0.0", "2.0.1", True, None)
    assert not (state.attributes["release_summary"] or "").startswith("Does not fit")
    assert (await cramped.update(pull_server.url)).result is PullResult.UPDATED


async def test_the_pull_device_is_named_modelled_and_sized_for_people(
    hass: HomeAssistant,
    pull_server: PullServer,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = await pull_server.add_board(title="esp32-pull")
    device = find_device(device_registry, (DOMAIN, pull_hostname(MAC)), entry.entry_id)
    assert device is not None
    assert device.name == "esp32-pull"
    assert hass.states.get("update.esp32_pull_firmware") is not None

    assert (await board(version="1.0.0").update(pull_server.url)).result is (
        PullResult.NO_UPDATES
    )
    device = device_registry.async_get(device.id)
    assert (device.model, device.sw_version) == ("ESP32", "1.0.0")
    assert (await board(Core.ESP8266).update(pull_server.url)).result is (
        PullResult.NO_UPDATES
    )
    assert device_registry.async_get(device.id).model == "ESP8266"

    # The details are disabled by default; sizes are whole numbers with units.
    details = {
        "free_sketch_space": UnitOfInformation.KIBIBYTES,
        "sketch_size": UnitOfInformation.KIBIBYTES,
        "flash_chip_size": UnitOfInformation.MEBIBYTES,
        "sdk_version": None,
        "sketch_md5": None,
    }
    for name, unit in details.items():
        item = entity_registry.async_get(f"sensor.esp32_pull_{name}")
        assert item is not None
        assert item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        if unit is not None:
            assert (
                item.options["sensor.private"]["suggested_unit_of_measurement"] == unit
            )
    last = entity_registry.async_get("sensor.esp32_pull_last_check_in")
    assert last is not None
    assert last.disabled_by is None

    await pull_server.enable_details(entry)
    assert float(hass.states.get("sensor.esp32_pull_flash_chip_size").state) == 4
    free = hass.states.get("sensor.esp32_pull_free_sketch_space")
    assert float(free.state) == 1280
    assert free.attributes["unit_of_measurement"] == UnitOfInformation.KIBIBYTES
    item = entity_registry.async_get("sensor.esp32_pull_free_sketch_space")
    assert item.options["sensor"]["suggested_display_precision"] == 0


async def test_an_esp8266_image_on_a_board_that_runs_it_is_not_offered(
    hass: HomeAssistant, pull_server: PullServer, person: Context
) -> None:
    """The ESP8266 announces no version of its own: the MD5 alone decides."""
    entry = await pull_server.add_board()
    image = build_esp8266_app(seed=7)
    await pull_server.stage(entry, image, version="1.1.0")
    emulated = board(Core.ESP8266, sketch=image)
    assert (await emulated.update(pull_server.url)).result is PullResult.NO_UPDATES
    assert card(hass, MAC)[:3] == ("1.1.0", "1.1.0", False)
