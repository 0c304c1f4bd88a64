"""The demo's configuration, firmware, boards and namespace guard."""

from __future__ import annotations

import json
from pathlib import Path
import socket

from awesomeversion import AwesomeVersion
import pytest
import yaml

from custom_components.esp_ota.firmware import ChipFamily, ImageKind, inspect_file
from custom_components.esp_ota.pull.checkins import RATE_PERIOD
from custom_components.esp_ota.pull.config_flow import pull_hostname
from custom_components.esp_ota.pull.protocol import normalize_mac
from demo import haconfig
from demo.boards import (
    ESP32_BOARD,
    ESP8266_BOARD,
    LOFT_BOARD,
    PULL_BOARD,
    PULL_URL_VARIABLE,
    emulator_command,
    pull_board_command,
)
from demo.haconfig import (
    DEMO_FIRMWARE_SIZE,
    DEMO_FIRMWARE_VERSION,
    INTEGRATION,
    place_demo_firmware,
    write_config,
)
from demo.netns import NotInPrivateNetworkError, assert_private_network
from tools.esp_emulator.__main__ import build_parser
from tools.esp_emulator.config import Core


def test_demo_config_serves_home_assistant_on_loopback_with_esp_ota(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, 18123, ["esp32-garden"])

    config = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    assert config["http"] == {"server_host": "127.0.0.1", "server_port": 18123}
    assert {"frontend", "config", "zeroconf", "update"} <= set(config)
    assert "default_config" not in config
    link = tmp_path / "custom_components" / "esp_ota"
    assert link.resolve() == INTEGRATION
    assert (link / "manifest.json").is_file()


def test_demo_config_can_be_written_again_over_itself(tmp_path: Path) -> None:
    write_config(tmp_path, 1, ["a"])
    write_config(tmp_path, 2, ["a"])

    assert "server_port: 2" in (tmp_path / "configuration.yaml").read_text()


def test_only_the_owner_step_of_onboarding_is_left_to_do(tmp_path: Path) -> None:
    from homeassistant.components.onboarding import STEPS

    write_config(tmp_path, 8123, ["esp32-garden"])

    stored = json.loads((tmp_path / ".storage" / "onboarding").read_text())
    assert set(STEPS) - set(stored["data"]["done"]) == {"user"}


def test_dashboard_lists_the_firmware_update_of_every_board(tmp_path: Path) -> None:
    write_config(tmp_path, 8123, ["esp8266-workshop", "esp32-garden"])

    stored = json.loads((tmp_path / ".storage" / "lovelace").read_text())
    cards = stored["data"]["config"]["views"][0]["cards"]
    firmware = next(card for card in cards if card.get("title") == "Firmware")
    assert firmware["entities"] == [
        "update.esp8266_workshop_firmware",
        "update.esp32_garden_firmware",
    ]


def test_demo_firmware_is_a_valid_esp32_image_newer_than_the_board(
    tmp_path: Path,
) -> None:
    path = place_demo_firmware(tmp_path, ESP32_BOARD.hostname)

    assert path == tmp_path / "esp_ota" / "inbox" / "esp32-garden" / "2.0.0.bin"
    image = inspect_file(path)
    assert image.kind is ImageKind.APP
    assert image.chip is ChipFamily.ESP32
    assert image.version == DEMO_FIRMWARE_VERSION
    assert AwesomeVersion(image.version) > AwesomeVersion(ESP32_BOARD.version)
    assert "2.0.0" in path.with_suffix(".md").read_text()


def test_emulator_command_runs_the_board_as_specified() -> None:
    command = emulator_command(ESP8266_BOARD, 1234.0)

    assert command[1:3] == ["-m", "tools.esp_emulator"]
    args = build_parser().parse_args(command[3:])
    assert args.core is Core.ESP8266
    assert args.hostname == ["esp8266-workshop"]
    assert args.password == ESP8266_BOARD.password
    assert args.board_version == "1.0.0"
    assert args.flash_speed == 1234.0
    assert args.announce is True


def test_board_without_a_password_gets_no_password_option() -> None:
    assert "--password" not in emulator_command(ESP32_BOARD, 1.0)


def test_pull_board_runs_the_emulators_pull_mode_with_the_url_from_its_env() -> None:
    command = pull_board_command(PULL_BOARD)

    assert command[1:3] == ["-m", "tools.esp_emulator"]
    args = build_parser().parse_args(command[3:])
    assert args.pull == f"@{PULL_URL_VARIABLE}"
    assert args.core is Core.ESP32
    assert args.mac == PULL_BOARD.mac
    assert args.board_version == PULL_BOARD.version
    assert args.interval == PULL_BOARD.interval
    assert not any("/api/esp_ota/pull/" in part for part in command)


def test_the_cramped_pull_board_reports_less_room_than_the_demo_firmware() -> None:
    args = build_parser().parse_args(pull_board_command(LOFT_BOARD)[3:])

    assert args.free_space == LOFT_BOARD.free_space
    assert LOFT_BOARD.free_space is not None
    assert LOFT_BOARD.free_space < DEMO_FIRMWARE_SIZE
    assert LOFT_BOARD.mac != PULL_BOARD.mac
    assert LOFT_BOARD.interval >= RATE_PERIOD
    assert "--free-space" not in pull_board_command(PULL_BOARD)


def test_pull_board_is_known_to_esp_ota_by_its_mac() -> None:
    assert PULL_BOARD.unique_id == normalize_mac(PULL_BOARD.mac)
    assert PULL_BOARD.device == pull_hostname(PULL_BOARD.unique_id)


def test_pull_board_checks_in_no_faster_than_the_server_allows() -> None:
    assert PULL_BOARD.interval >= RATE_PERIOD


def test_dashboard_and_firmware_cover_the_pull_board(tmp_path: Path) -> None:
    write_config(tmp_path, 8123, [PULL_BOARD.device])
    path = place_demo_firmware(tmp_path, PULL_BOARD.device)

    stored = json.loads((tmp_path / ".storage" / "lovelace").read_text())
    cards = stored["data"]["config"]["views"][0]["cards"]
    firmware = next(card for card in cards if card.get("title") == "Firmware")
    assert firmware["entities"] == ["update.esp_240ac4000001_firmware"]
    assert path.parent.name == PULL_BOARD.device


def test_internal_url_is_where_the_demo_serves_home_assistant(tmp_path: Path) -> None:
    write_config(tmp_path, 18123, [])

    config = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    assert config["homeassistant"]["internal_url"] == "http://127.0.0.1:18123"


def test_namespace_guard_refuses_a_network_with_more_than_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "if_nameindex", lambda: [(1, "lo"), (2, "eth0")])

    with pytest.raises(NotInPrivateNetworkError, match="eth0"):
        assert_private_network()


def test_namespace_guard_accepts_loopback_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "if_nameindex", lambda: [(1, "lo")])

    assert_private_network()


def test_haconfig_points_at_this_checkout() -> None:
    assert haconfig.REPO / "custom_components" / "esp_ota" == INTEGRATION
