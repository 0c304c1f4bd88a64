"""Reading mDNS announcements of boards, including hostile ones."""

from __future__ import annotations

from ipaddress import ip_address

from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest

from custom_components.esp_ota.announcement import (
    MAX_TXT_ENTRIES,
    MAX_TXT_KEY_LEN,
    MAX_TXT_VALUE_LEN,
    announcement_from_service_info,
    is_ip_address,
    normalize_hostname,
    parse_auth,
    parse_version,
    sanitize_txt,
    valid_port,
)

from .helpers import ARDUINO_TXT, make_zeroconf_info


def test_arduino_announcement_gives_hostname_address_port_and_board() -> None:
    announcement = announcement_from_service_info(make_zeroconf_info())
    assert announcement is not None
    assert announcement.hostname == "esp32-garden"
    assert announcement.host == "192.168.1.50"
    assert announcement.port == 3232
    assert announcement.board_id == "esp32"
    assert announcement.auth_required is False
    assert announcement.version is None
    assert dict(announcement.txt) == ARDUINO_TXT


def test_hostname_is_lowercased_and_loses_its_local_suffix() -> None:
    assert normalize_hostname("ESP8266-1A2B3C.local.") == "esp8266-1a2b3c"
    assert normalize_hostname("esp32-garden.local") == "esp32-garden"
    assert normalize_hostname("board.lan") == "board.lan"
    assert normalize_hostname("192.168.1.50") == "192.168.1.50"


@pytest.mark.parametrize(
    "name", ["", ".local.", "bad name.local.", "a/b", "-x", "x" * 64, "é.local."]
)
def test_names_that_are_not_host_names_are_refused(name: str) -> None:
    assert normalize_hostname(name) is None


def test_bad_hostname_falls_back_on_the_instance_name() -> None:
    info = make_zeroconf_info(
        hostname="not a host!", name="ESP-Kitchen._arduino._tcp.local."
    )
    announcement = announcement_from_service_info(info)
    assert announcement is not None
    assert announcement.hostname == "esp-kitchen"


def test_announcement_without_any_usable_name_is_refused() -> None:
    info = make_zeroconf_info(hostname="??", name="?? ._arduino._tcp.local.")
    assert announcement_from_service_info(info) is None


@pytest.mark.parametrize("port", [0, -1, 65536, 10**9])
def test_announcement_with_an_impossible_port_is_refused(port: int) -> None:
    assert announcement_from_service_info(make_zeroconf_info(port=port)) is None


def test_valid_port_accepts_the_range_and_refuses_non_integers() -> None:
    assert valid_port(1) == 1
    assert valid_port(65535) == 65535
    assert valid_port(True) is None
    assert valid_port("3232") is None
    assert valid_port(None) is None


def test_link_local_and_unspecified_addresses_are_never_used() -> None:
    info = ZeroconfServiceInfo(
        ip_address=ip_address("169.254.3.4"),
        ip_addresses=[ip_address("169.254.3.4"), ip_address("0.0.0.0")],  # noqa: S104 (an address, not a bind),
        hostname="esp32-garden.local.",
        name="esp32-garden._arduino._tcp.local.",
        port=3232,
        properties={},
        type="_arduino._tcp.local.",
    )
    assert announcement_from_service_info(info) is None


def test_ipv4_is_preferred_over_ipv6_and_ipv6_is_used_alone() -> None:
    both = ZeroconfServiceInfo(
        ip_address=ip_address("2001:db8::5"),
        ip_addresses=[ip_address("2001:db8::5"), ip_address("10.0.0.5")],
        hostname="esp32-garden.local.",
        name="esp32-garden._arduino._tcp.local.",
        port=3232,
        properties={},
        type="_arduino._tcp.local.",
    )
    announcement = announcement_from_service_info(both)
    assert announcement is not None
    assert announcement.host == "10.0.0.5"

    only_v6 = make_zeroconf_info(host="2001:db8::5")
    announcement = announcement_from_service_info(only_v6)
    assert announcement is not None
    assert announcement.host == "2001:db8::5"


def test_huge_values_are_cut_and_long_keys_dropped() -> None:
    txt = sanitize_txt({"board": "x" * 10_000, "k" * (MAX_TXT_KEY_LEN + 1): "v"})
    assert txt == {"board": "x" * MAX_TXT_VALUE_LEN}


def test_control_characters_are_stripped_from_keys_and_values() -> None:
    txt = sanitize_txt({"Board\x00": "esp\x1b[31m32\r\n", "\x07": "bell"})
    assert txt == {"board": "esp[31m32"}


def test_text_that_was_not_utf8_is_ignored() -> None:
    txt = sanitize_txt(
        {
            "board": b"\xff\xfe",
            "version": "1.0\ufffd",
            b"\xc3\x28": "x",
            "auth_upload": b"yes",
            "fw_version": None,
            7: "not a key",
        }
    )
    assert txt == {"auth_upload": "yes"}


def test_a_flood_of_keys_is_cut_to_the_first_ones() -> None:
    txt = sanitize_txt({f"key{i}": str(i) for i in range(1000)})
    assert len(txt) == MAX_TXT_ENTRIES
    assert txt["key0"] == "0"


def test_hostile_txt_record_still_gives_a_usable_announcement() -> None:
    info = make_zeroconf_info(
        properties={"board": None, "auth_upload": "maybe", "version": "\x00" * 100}
    )
    announcement = announcement_from_service_info(info)
    assert announcement is not None
    assert announcement.board_id is None
    assert announcement.auth_required is None
    assert announcement.version is None


def test_auth_upload_is_read_as_yes_no_or_unknown() -> None:
    assert parse_auth({"auth_upload": "yes"}) is True
    assert parse_auth({"auth_upload": "no"}) is False
    assert parse_auth({"auth_upload": "YES!"}) is None
    assert parse_auth({}) is None


def test_version_keys_are_tried_in_order() -> None:
    assert parse_version({"sw_version": "3", "fw_version": "2", "version": "1"}) == "1"
    assert parse_version({"sw_version": "3", "fw_version": "2"}) == "2"
    assert parse_version({"sw_version": "3", "version": ""}) == "3"
    assert parse_version({}) is None


def test_ip_literals_are_told_apart_from_names() -> None:
    assert is_ip_address("10.0.0.1")
    assert is_ip_address("fe80::1")
    assert not is_ip_address("esp32-garden.local")
