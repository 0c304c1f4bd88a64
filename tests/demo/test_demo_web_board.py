"""The demo's web updater board, its automation and its last-install card."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from custom_components.esp_ota.store import safe_name
from demo.boards import ESP8266_BOARD, WEB_BOARD, password_file, web_board_command
from demo.haconfig import place_demo_firmware, write_config
from tools.esp_emulator.__main__ import build_parser
from tools.esp_emulator.config import Core


def test_web_board_runs_the_emulators_web_updater_with_credentials() -> None:
    command = web_board_command(WEB_BOARD)

    assert command[1:3] == ["-m", "tools.esp_emulator"]
    args = build_parser().parse_args(command[3:])
    assert args.web
    assert args.core is Core.ESP32
    assert (args.port, args.username, args.password) == (
        WEB_BOARD.port,
        WEB_BOARD.username,
        WEB_BOARD.password,
    )
    assert args.board_version == WEB_BOARD.version
    assert args.free_space == WEB_BOARD.free_space


def test_web_board_firmware_waits_in_the_folder_of_the_name_it_gets(
    tmp_path: Path,
) -> None:
    # Added by address, the board is known to esp_ota by that address.
    assert WEB_BOARD.device == WEB_BOARD.host
    path = place_demo_firmware(tmp_path, WEB_BOARD.device)
    assert path.parent.name == safe_name(WEB_BOARD.device)


def test_dashboard_shows_the_last_install_of_the_pushed_boards(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        8123,
        [ESP8266_BOARD.hostname, WEB_BOARD.device, "esp-240ac4000001"],
        [ESP8266_BOARD.hostname, WEB_BOARD.device],
    )

    stored = json.loads((tmp_path / ".storage" / "lovelace").read_text())
    cards = stored["data"]["config"]["views"][0]["cards"]
    firmware = next(card for card in cards if card.get("title") == "Firmware")
    assert "update.127_0_0_2_firmware" in firmware["entities"]
    last = next(card for card in cards if card.get("title") == "Last install")
    assert last["entities"] == [
        "sensor.esp8266_workshop_last_install",
        "sensor.127_0_0_2_last_install",
    ]


def test_the_automation_installs_on_the_esp8266_without_a_person(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, 8123, [ESP8266_BOARD.hostname])

    config = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    (automation,) = config["automation"]
    assert automation["triggers"] == [
        {"trigger": "event", "event_type": "esp_ota_demo_install_workshop"}
    ]
    assert automation["actions"] == [
        {
            "action": "update.install",
            "target": {"entity_id": "update.esp8266_workshop_firmware"},
        }
    ]


def test_the_demo_web_board_reads_its_password_from_a_file_it_can_change(
    tmp_path: Path,
) -> None:
    secret = password_file(tmp_path, WEB_BOARD)
    args = build_parser().parse_args(web_board_command(WEB_BOARD, secret)[3:])

    assert secret.parent == tmp_path
    assert (args.username, args.password, args.password_file) == (
        WEB_BOARD.username,
        None,
        secret,
    )
