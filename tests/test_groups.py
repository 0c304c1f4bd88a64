"""Stage once for many: an image staged (and confirmed) for a group of boards.

Groups are chips, board ids, projects and Home Assistant labels (groups.py).
The boards here: two ESP32 boards (esp32-garden, esp32-shed), an ESP8266
(d1-porch, board id d1_mini) and an ESP32-S3 (s3-attic); the garden label sits
on esp32-garden's and d1-porch's devices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.components.update import DOMAIN as UPDATE_DOMAIN
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.esp_ota.board import board_key, ledger_key
from custom_components.esp_ota.const import (
    CONF_BOARD,
    CONF_HOSTNAME,
    CONF_TRANSPORT,
    DOMAIN,
    TRANSPORT_ESPOTA,
)
from custom_components.esp_ota.firmware import ChipFamily, ImageKind
from custom_components.esp_ota.ledger import DATA_LEDGER
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_esp8266_app

from .helpers import AUTOMATION, scan_watched_folder, submit_upload, upload_file

pytestmark = pytest.mark.usefixtures("init_integration")

BOARDS = {
    "esp32-shed": "esp32",
    "d1-porch": "d1_mini",
    "s3-attic": "esp32s3",
}


@pytest.fixture
async def boards(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> dict[str, MockConfigEntry]:
    """Add three more boards beside esp32-garden; label two of them garden."""
    entries = {"esp32-garden": init_integration}
    for number, (hostname, board_id) in enumerate(BOARDS.items()):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=hostname,
            unique_id=hostname,
            source="zeroconf",
            data={
                CONF_HOST: f"192.168.1.{60 + number}",
                CONF_PORT: 8266 if board_id == "d1_mini" else 3232,
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
    for hostname in ("esp32-garden", "d1-porch"):
        for device in dr.async_entries_for_config_entry(
            devices, entries[hostname].entry_id
        ):
            devices.async_update_device(device.id, labels={label.label_id})
    return entries


async def _stage_group(hass: HomeAssistant, group: str, **data: Any) -> Any:
    folder = Path(hass.config.path("builds"))
    hass.config.allowlist_external_dirs = {str(folder)}
    image: bytes = data.pop("image")

    def write() -> Path:
        folder.mkdir(exist_ok=True)
        path = folder / f"{len(list(folder.iterdir()))}.bin"
        path.write_bytes(image)
        return path

    path = await hass.async_add_executor_job(write)
    return await hass.services.async_call(
        DOMAIN,
        "stage_firmware",
        {"group": group, "path": str(path), **data},
        blocking=True,
        return_response=True,
    )


def _versions(hass: HomeAssistant, entries: dict[str, MockConfigEntry]) -> dict:
    store = get_store(hass)
    return {
        name: (latest.version if (latest := store.latest(board_key(entry))) else None)
        for name, entry in entries.items()
    }


async def test_a_chip_group_stages_one_image_for_every_board_of_that_chip(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    response = await _stage_group(
        hass, "chip:esp32", image=build_esp32_app(version="2.0.0")
    )

    assert response["group"] == "chip:esp32"
    assert sorted(board["board"] for board in response["staged"]) == [
        "esp32-garden",
        "esp32-shed",
    ]
    assert response["not_staged"] == []
    assert _versions(hass, boards) == {
        "esp32-garden": "2.0.0",
        "esp32-shed": "2.0.0",
        "d1-porch": None,
        "s3-attic": None,
    }
    # Each card offers it.
    for entity_id in ("update.esp32_garden_firmware", "update.esp32_shed_firmware"):
        assert hass.states.get(entity_id).attributes["latest_version"] == "2.0.0"


async def test_a_label_group_lists_the_boards_the_image_does_not_fit_with_the_reason(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    response = await _stage_group(
        hass, "label:Garden", image=build_esp32_app(version="3.1.0")
    )

    assert [board["board"] for board in response["staged"]] == ["esp32-garden"]
    [left_out] = response["not_staged"]
    assert left_out["board"] == "d1-porch"
    assert left_out["config_entry_id"] == boards["d1-porch"].entry_id
    # The translated sentence of the wrong-chip refusal, not a key.
    assert "ESP8266" in left_out["reason"]
    assert "ESP32" in left_out["reason"]
    assert _versions(hass, boards)["d1-porch"] is None


async def test_a_label_on_the_update_entity_counts_too(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    label = lr.async_get(hass).async_create("Attic")
    er.async_get(hass).async_update_entity(
        "update.s3_attic_firmware", labels={label.label_id}
    )
    response = await _stage_group(
        hass, f"label:{label.label_id}", image=build_esp32_app(chip=ChipFamily.ESP32S3)
    )
    assert [board["board"] for board in response["staged"]] == ["s3-attic"]


async def test_a_board_id_group_takes_an_esp8266_image(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    response = await _stage_group(
        hass, "board=d1_mini", image=build_esp8266_app(), version="5.0"
    )
    assert [board["board"] for board in response["staged"]] == ["d1-porch"]
    assert _versions(hass, boards)["d1-porch"] == "5.0"


async def test_a_project_group_follows_the_images_boards_were_given(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    for name in ("esp32-shed", "s3-attic"):
        chip = ChipFamily.ESP32S3 if name == "s3-attic" else ChipFamily.ESP32
        await hass.services.async_call(
            DOMAIN,
            "stage_firmware",
            {
                "config_entry_id": boards[name].entry_id,
                "path": str(await _write(hass, f"{name}.bin", chip)),
            },
            blocking=True,
        )

    response = await _stage_group(
        hass,
        "project:garden-valve",
        image=build_esp32_app(version="1.1.0", project_name="garden-valve"),
    )

    assert [board["board"] for board in response["staged"]] == ["esp32-shed"]
    # The S3 board runs the same project, but an ESP32 image does not fit it.
    [left_out] = response["not_staged"]
    assert left_out["board"] == "s3-attic"


async def _write(hass: HomeAssistant, name: str, chip: ChipFamily) -> Path:
    folder = Path(hass.config.path("builds"))
    hass.config.allowlist_external_dirs = {str(folder)}
    image = build_esp32_app(version="1.0.0", project_name="garden-valve", chip=chip)

    def write() -> Path:
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(image)
        return folder / name

    return await hass.async_add_executor_job(write)


@pytest.mark.parametrize(
    ("group", "key"),
    [
        ("garden", "group_invalid"),
        ("colour:red", "group_invalid"),
        ("chip:z80", "group_invalid"),
        ("label:", "group_invalid"),
        ("board:nodemcuv2", "group_empty"),
        ("label:nowhere", "group_empty"),
    ],
)
async def test_unknown_and_empty_groups_are_refused_before_anything_is_read(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry], group: str, key: str
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _stage_group(hass, group, image=build_esp32_app())
    assert caught.value.translation_key == key


async def test_an_image_that_fits_no_board_of_the_group_is_refused_with_every_reason(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    with pytest.raises(HomeAssistantError) as caught:
        await _stage_group(hass, "chip:esp32", image=build_esp8266_app())
    assert caught.value.translation_key == "group_nothing_staged"
    reasons = caught.value.translation_placeholders["reasons"]
    assert "- esp32-garden:" in reasons
    assert "- esp32-shed:" in reasons


async def test_one_persons_confirmation_for_a_group_is_recorded_per_board_and_shown(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    hass_admin_user: Any,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await _stage_group(hass, "chip:esp32", image=build_esp32_app(version="2.0.0"))
    person = Context(user_id=hass_admin_user.id)

    response = await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"group": "chip:esp32"},
        blocking=True,
        context=person,
        return_response=True,
    )

    assert sorted(board["board"] for board in response["confirmed"]) == [
        "esp32-garden",
        "esp32-shed",
    ]
    ledger = hass.data[DATA_LEDGER]
    staged = get_store(hass).latest(board_key(boards["esp32-shed"]))
    for name in ("esp32-garden", "esp32-shed"):
        key = ledger_key(boards[name], ImageKind.APP)
        assert ledger.is_confirmed(key, staged.sha256)
        confirmation = ledger.confirmation(key)
        assert confirmation.user_id == hass_admin_user.id
        assert confirmation.group == "chip:esp32"
    assert ledger.confirmation(ledger_key(boards["d1-porch"], ImageKind.APP)) is None

    # Each card's release notes say who confirmed it, and for which group.
    client = await hass_ws_client(hass)
    for number, entity_id in enumerate(
        ("update.esp32_garden_firmware", "update.esp32_shed_firmware"), start=1
    ):
        await client.send_json(
            {"id": number, "type": "update/release_notes", "entity_id": entity_id}
        )
        notes = (await client.receive_json())["result"]
        assert f"**Confirmed:** by {hass_admin_user.name}" in notes
        assert "for the group `chip:esp32`" in notes


async def test_the_card_says_when_its_image_is_not_confirmed_yet(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    hass_ws_client: WebSocketGenerator,
) -> None:
    await _stage_group(hass, "chip:esp32", image=build_esp32_app(version="2.0.0"))
    client = await hass_ws_client(hass)
    await client.send_json(
        {
            "id": 1,
            "type": "update/release_notes",
            "entity_id": "update.esp32_shed_firmware",
        }
    )
    assert "**Confirmed:** not yet" in (await client.receive_json())["result"]


async def test_an_automation_cannot_confirm_for_a_group(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    await _stage_group(hass, "chip:esp32", image=build_esp32_app(version="2.0.0"))
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "confirm",
            {"group": "chip:esp32"},
            blocking=True,
            context=AUTOMATION,
        )
    assert caught.value.translation_key == "confirmation_needs_person"
    ledger = hass.data[DATA_LEDGER]
    assert ledger.confirmation(ledger_key(boards["esp32-shed"], ImageKind.APP)) is None


async def test_confirming_for_a_group_lists_boards_without_that_version(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry], hass_admin_user: Any
) -> None:
    await _stage_group(hass, "label:garden", image=build_esp32_app(version="2.0.0"))
    response = await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"group": "label:garden", "version": "2.0.0"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
        return_response=True,
    )
    assert [board["board"] for board in response["confirmed"]] == ["esp32-garden"]
    assert [board["board"] for board in response["not_confirmed"]] == ["d1-porch"]


async def test_a_group_confirmation_lets_an_automation_install_on_each_board(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry], hass_admin_user: Any
) -> None:
    """The install rules see the per-board confirmation (the switch is closed here)."""
    await _stage_group(hass, "chip:esp32", image=build_esp32_app(version="2.0.0"))
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"group": "chip:esp32"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": "switch.esp32_shed_ota_updates_allowed"},
        blocking=True,
    )
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            UPDATE_DOMAIN,
            "install",
            {"entity_id": "update.esp32_shed_firmware"},
            blocking=True,
            context=AUTOMATION,
        )
    # Refused for the closed window, not for a missing confirmation.
    assert caught.value.translation_key == "updates_not_allowed"


async def test_an_image_dropped_into_a_group_folder_is_staged_for_its_boards(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    folder = config_dir / "esp_ota" / "inbox" / "label=garden"
    folder.mkdir(parents=True)
    (folder / "4.2.0.bin").write_bytes(
        build_esp32_app(project_name="arduino-lib-builder")
    )
    (folder / "4.2.0.md").write_text("Waters on time.")

    await scan_watched_folder(hass, freezer, times=2)

    assert _versions(hass, boards)["esp32-garden"] == "4.2.0"
    staged = get_store(hass).latest(board_key(boards["esp32-garden"]))
    assert staged.release_notes == "Waters on time."
    assert staged.source == "folder:4.2.0.bin (label:garden)"
    assert not (folder / "4.2.0.bin").exists()
    # The board it did not fit is named, with the reason, in one notification.
    [notice] = [
        n
        for n in _async_get_or_create_notifications(hass).values()
        if "label:garden" in n["message"]
    ]
    assert "staged for 1 boards" in notice["message"]
    assert "- d1-porch:" in notice["message"]


async def test_a_group_folder_whose_image_fits_no_board_refuses_it(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    folder = config_dir / "esp_ota" / "inbox" / "chip=esp8266"
    folder.mkdir(parents=True)
    (folder / "v9.bin").write_bytes(build_esp32_app())

    await scan_watched_folder(hass, freezer, times=2)

    assert (folder / "v9.bin.rejected").exists()
    assert _versions(hass, boards)["d1-porch"] is None


async def test_a_folder_that_names_no_group_is_left_alone(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    folder = config_dir / "esp_ota" / "inbox" / "colour=red"
    folder.mkdir(parents=True)
    (folder / "v9.bin").write_bytes(build_esp32_app())
    await scan_watched_folder(hass, freezer, times=2)
    assert (folder / "v9.bin").exists()


async def test_the_upload_form_offers_the_boards_groups_and_stages_for_one(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    hass_client: ClientSessionGenerator,
) -> None:
    entry = boards["esp32-garden"]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "upload"}
    )
    offered = {
        option["value"]: option["label"]
        for option in _select_options(result["data_schema"], "group")
    }
    assert offered == {
        "chip:esp32": "chip:ESP32",
        "board:esp32": "board:esp32",
        "label:garden": "label:Garden",
    }
    hass.config_entries.options.async_abort(result["flow_id"])

    file_id = await upload_file(
        hass_client, "garden.bin", build_esp32_app(version="7.0.0")
    )
    result = await submit_upload(
        hass, entry, firmware=file_id, group="label:garden", release_notes="Night mode"
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "group_staged"
    placeholders = result["description_placeholders"]
    assert placeholders["group"] == "label:Garden"
    assert placeholders["version"] == "7.0.0"
    assert placeholders["staged"] == "- esp32-garden"
    assert placeholders["left_out"].startswith("- d1-porch: ")
    assert _versions(hass, boards)["esp32-garden"] == "7.0.0"
    assert entry.options == {}


async def test_an_upload_that_fits_no_board_of_the_group_says_why_in_the_form(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    hass_client: ClientSessionGenerator,
) -> None:
    file_id = await upload_file(hass_client, "d1.bin", build_esp8266_app())
    result = await submit_upload(
        hass, boards["esp32-garden"], firmware=file_id, group="chip:esp32"
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "group_nothing_staged"}
    assert "- esp32-shed:" in result["description_placeholders"]["reasons"]


def _select_options(schema: Any, name: str) -> list[dict[str, str]]:
    for key, selector in schema.schema.items():
        if key == name:
            return list(selector.config["options"])
    raise AssertionError(f"no field {name}")


async def test_diagnostics_name_the_group_a_confirmation_was_given_for(
    hass: HomeAssistant,
    boards: dict[str, MockConfigEntry],
    hass_admin_user: Any,
    hass_client: ClientSessionGenerator,
) -> None:
    await _stage_group(hass, "chip:esp32", image=build_esp32_app(version="2.0.0"))
    await hass.services.async_call(
        DOMAIN,
        "confirm",
        {"group": "chip:esp32"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, boards["esp32-shed"]
    )
    assert diagnostics["confirmation"]["group"] == "chip:esp32"
    assert hass_admin_user.id not in str(diagnostics)


async def test_a_project_group_finds_a_board_by_the_image_it_runs(
    hass: HomeAssistant, boards: dict[str, MockConfigEntry]
) -> None:
    """No image of that project is staged: the ledger's installed record names it."""
    await hass.data[DATA_LEDGER].async_record_install(
        ledger_key(boards["esp32-shed"], ImageKind.APP),
        sha256="0" * 64,
        md5="0" * 32,
        version="1.0.0",
        project="pump",
    )
    response = await _stage_group(
        hass,
        "project:pump",
        image=build_esp32_app(version="1.1.0", project_name="pump"),
    )
    assert [board["board"] for board in response["staged"]] == ["esp32-shed"]
