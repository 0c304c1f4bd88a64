"""The check-in parser, the decision helpers and the rate limiter (no HA)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.esp_ota.pull.protocol import (
    MAX_HEADER_VALUE,
    CheckIn,
    Core,
    MalformedCheckInError,
    Mode,
    NotAnUpdaterError,
    PullProtocolError,
    RateLimiter,
    normalize_mac,
    parse_check_in,
    runs_image,
    update_due,
)
from tools.esp_emulator import Core as EmulatedCore
from tools.esp_emulator.pull_client import PullBoard

MD5 = "0123456789abcdef0123456789abcdef"


def headers(
    core: EmulatedCore = EmulatedCore.ESP32, **kwargs: object
) -> dict[str, str]:
    board = PullBoard(sta_mac="24:6F:28:AA:BB:CC", sketch=b"\xe9x", core=core)
    for name, value in kwargs.items():
        setattr(board, name, value)
    return board.headers()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("24:6F:28:AA:BB:CC", "24:6f:28:aa:bb:cc"),
        ("24-6f-28-aa-bb-cc", "24:6f:28:aa:bb:cc"),
        ("246F28AABBCC", "24:6f:28:aa:bb:cc"),
        (" 24:6f:28:aa:bb:cc ", "24:6f:28:aa:bb:cc"),
        ("24:6f:28-aa:bb:cc", None),
        ("24:6f:28:aa:bb", None),
        ("gg:6f:28:aa:bb:cc", None),
        ("", None),
    ],
)
def test_mac_addresses_are_normalised_or_refused(
    value: str, expected: str | None
) -> None:
    assert normalize_mac(value) == expected


@pytest.mark.parametrize("core", list(EmulatedCore))
def test_both_cores_headers_parse_into_a_check_in(core: EmulatedCore) -> None:
    check_in = parse_check_in(headers(core, version="1.2"))
    assert check_in.core is Core(core.value)
    assert check_in.sta_mac == "24:6f:28:aa:bb:cc"
    assert check_in.ap_mac == "aa:bb:cc:00:00:01"
    assert check_in.mode is Mode.SKETCH
    assert check_in.version == "1.2"
    assert check_in.sketch_size == 2
    assert check_in.sketch_md5 is not None


def test_optional_headers_may_be_missing() -> None:
    raw = headers(send_md5=False)
    del raw["x-ESP32-AP-MAC"]
    check_in = parse_check_in(raw)
    assert check_in.sketch_md5 is None
    assert check_in.ap_mac is None
    assert check_in.version is None


def test_a_missing_agent_or_header_is_not_an_updater() -> None:
    with pytest.raises(NotAnUpdaterError):
        parse_check_in({})
    raw = headers()
    del raw["x-ESP32-mode"]
    with pytest.raises(NotAnUpdaterError):
        parse_check_in(raw)


def test_non_printable_or_long_values_are_malformed() -> None:
    with pytest.raises(MalformedCheckInError):
        parse_check_in({**headers(), "x-ESP32-sdk-version": "a\x00b"})
    with pytest.raises(MalformedCheckInError):
        parse_check_in({**headers(), "x-ESP32-version": "v" * (MAX_HEADER_VALUE + 1)})


def _check_in(md5: str | None, version: str | None) -> CheckIn:
    return CheckIn(
        core=Core.ESP32,
        sta_mac="24:6f:28:aa:bb:cc",
        ap_mac=None,
        free_space=1,
        sketch_size=1,
        chip_size=1,
        sdk_version="x",
        mode=Mode.SKETCH,
        sketch_md5=md5,
        version=version,
    )


def test_an_update_is_due_only_when_the_board_runs_something_else() -> None:
    other = "f" * 32
    assert update_due(_check_in(other, None), md5=MD5, version="2")
    assert not update_due(_check_in(MD5, None), md5=MD5.upper(), version="2")
    assert not update_due(_check_in(other, "2"), md5=MD5, version="2")
    assert update_due(_check_in(None, "1"), md5=MD5, version="2")
    assert not update_due(_check_in(None, None), md5=MD5, version="2")
    assert runs_image(_check_in(None, "2"), md5=MD5, version="2")
    assert not runs_image(_check_in(None, None), md5=MD5, version="2")


def test_the_rate_limiter_allows_a_burst_then_one_per_period() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=2, period=10.0, max_keys=2, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    now[0] = 9.0
    assert not limiter.allow("a")
    now[0] = 10.5
    assert limiter.allow("a")
    assert limiter.allow("b")
    assert limiter.allow("c")
    # Only two keys are kept: "a" was the stalest and starts afresh.
    assert limiter.allow("a")
    assert limiter.allow("a")


_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=80
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from([{}, headers(), headers(EmulatedCore.ESP8266)]),
    extra=st.dictionaries(
        st.sampled_from(
            [
                "User-Agent",
                "x-ESP32-STA-MAC",
                "x-esp32-free-space",
                "X-ESP8266-MODE",
                "x-ESP8266-sketch-md5",
                "x-ESP32-chip-size",
                "x-ESP32-version",
            ]
        ),
        _TEXT,
    ),
)
def test_any_headers_give_a_check_in_or_a_protocol_error(
    base: dict[str, str], extra: dict[str, str]
) -> None:
    try:
        check_in = parse_check_in({**base, **extra})
    except PullProtocolError:
        return
    assert normalize_mac(check_in.sta_mac) == check_in.sta_mac
    assert check_in.free_space >= 0


def test_a_core_3_chip_without_wi_fi_is_known_by_its_base_mac() -> None:
    raw = headers(base_mac="30:ED:A0:01:02:03", wifi=False)
    assert "x-ESP32-STA-MAC" not in raw

    check_in = parse_check_in(raw)
    assert (check_in.sta_mac, check_in.base_mac, check_in.ap_mac) == (
        "30:ed:a0:01:02:03",
        "30:ed:a0:01:02:03",
        None,
    )
    # With Wi-Fi the STA MAC stays the identity.
    with_wifi = parse_check_in(headers(base_mac="30:ED:A0:01:02:03"))
    assert with_wifi.sta_mac == "24:6f:28:aa:bb:cc"
    # Neither MAC: not an updater.
    del raw["x-ESP32-BASE-MAC"]
    with pytest.raises(NotAnUpdaterError):
        parse_check_in(raw)


def test_the_sketch_sha256_and_the_version_mode_are_read() -> None:
    sha = "AB" * 32
    check_in = parse_check_in({**headers(sketch_sha256=sha), "x-ESP32-mode": "version"})
    assert (check_in.sketch_sha256, check_in.mode) == (sha.lower(), Mode.VERSION)
    with pytest.raises(MalformedCheckInError):
        parse_check_in(headers(sketch_sha256="AB" * 31))


@pytest.mark.parametrize(
    ("header", "value", "error"),
    [
        ("x-ESP32-STA-MAC", "00:00:00:00:00:00", MalformedCheckInError),
        ("x-ESP32-STA-MAC", "FF:FF:FF:FF:FF:FF", MalformedCheckInError),
        ("x-ESP32-STA-MAC", "01:00:5E:00:00:01", MalformedCheckInError),
        ("x-ESP32-BASE-MAC", "33:33:00:00:00:01", MalformedCheckInError),
        ("x-ESP32-AP-MAC", "not a mac", MalformedCheckInError),
    ],
)
def test_no_board_has_a_zero_broadcast_or_multicast_mac(
    header: str, value: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_check_in({**headers(), header: value})


def test_a_zero_ap_mac_only_informs() -> None:
    check_in = parse_check_in({**headers(), "x-ESP32-AP-MAC": "00:00:00:00:00:00"})
    assert check_in.ap_mac is None
