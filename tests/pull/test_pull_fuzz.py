"""Hostile requests at the pull view: never a 5xx, never an error in the log."""

from __future__ import annotations

import logging
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from tools.esp_emulator import Core

from .helpers import PullServer, board

_VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120
)
_NAMES = [
    "User-Agent",
    "x-ESP32-STA-MAC",
    "X-ESP32-AP-MAC",
    "x-esp32-free-space",
    "x-ESP32-sketch-size",
    "x-ESP32-sketch-md5",
    "x-ESP32-chip-size",
    "x-ESP32-sdk-version",
    "x-ESP32-mode",
    "x-ESP32-version",
    "x-ESP8266-STA-MAC",
    "x-ESP8266-mode",
    "x-ESP8266-free-space",
]


def _collect() -> list[tuple[str | None, dict[str, str]]]:
    """Draw requests with hypothesis (derandomised: the same cases every run)."""
    cases: list[tuple[str | None, dict[str, str]]] = []

    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        token=st.one_of(st.none(), _VALUE),
        base=st.sampled_from([{}, board().headers(), board(Core.ESP8266).headers()]),
        extra=st.dictionaries(st.sampled_from(_NAMES), _VALUE, max_size=6),
    )
    def draw(token: str | None, base: dict[str, str], extra: dict[str, str]) -> None:
        cases.append((token, {**base, **extra}))

    draw()
    return cases


async def test_fuzzed_headers_and_paths_never_cause_a_server_error(
    pull_server: PullServer, caplog: pytest.LogCaptureFixture
) -> None:
    await pull_server.add_board()
    await pull_server.add_board(mac="aa:bb:cc:dd:ee:ff", title="other")
    statuses: set[int] = set()
    with caplog.at_level(logging.WARNING):
        for token, headers in _collect():
            path = (
                f"/api/esp_ota/pull/{pull_server.token}"
                if token is None
                else f"/api/esp_ota/pull/{quote(token, safe='')}"
            )
            response = await pull_server.client.get(path, headers=headers)
            await response.read()
            assert 200 <= response.status < 500, (path, headers)
            statuses.add(response.status)
    # The corpus reached the view's every kind of answer.
    assert {304, 400, 403, 404} <= statuses
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors
