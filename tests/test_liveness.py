"""Re-querying quiet boards: the schedule on its own, and through HA's zeroconf.

The schedule is checked over simulated time (100 boards, half an hour); the
presence tracker with Home Assistant's mocked zeroconf, frozen time and
``async_fire_time_changed``: nothing is multicast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import itertools
import random
import socket
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from zeroconf import DNSAddress, RecordUpdate, current_time_millis
from zeroconf.const import _CLASS_IN, _TYPE_A

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.liveness import (
    MAX_QUESTIONS_PER_TICK,
    OFFLINE_AFTER,
    QUERY_AFTER,
    TICK,
    QueryScheduler,
    is_silent,
)

from .helpers import ENTRY_DATA, HOST, HOSTNAME, ONLINE, announce


def simulate(
    boards: list[str],
    *,
    minutes: float,
    answers: Callable[[str, float], bool],
    busy: set[str] | None = None,
) -> tuple[dict[str, list[float]], list[int], dict[str, float]]:
    """Run the schedule over simulated time.

    Return each board's query times, the questions per tick, and when each
    board first counted as silent.
    """
    scheduler = QueryScheduler(random.Random(14))
    heard: dict[str, float | None] = dict.fromkeys(boards, 0.0)
    for board in boards:
        scheduler.add(board, 0.0)
    asked: dict[str, list[float]] = {board: [] for board in boards}
    per_tick: list[int] = []
    silent: dict[str, float] = {}
    now = 0.0
    while now < minutes * 60:
        now += TICK
        for board in boards:
            if board not in silent and is_silent(now, heard[board]):
                silent[board] = now
        due = scheduler.due(now, heard, busy or set())
        per_tick.append(len(due))
        for board in due:
            asked[board].append(now)
            if answers(board, now):
                heard[board] = now + 0.05
    return asked, per_tick, silent


def test_a_hundred_answering_boards_cause_no_storm_and_none_goes_offline() -> None:
    boards = [f"esp-{n:03}" for n in range(100)]
    asked, per_tick, silent = simulate(
        boards, minutes=30, answers=lambda board, now: True
    )
    assert silent == {}
    assert max(per_tick) <= MAX_QUESTIONS_PER_TICK
    for times in asked.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= QUERY_AFTER  # at most one query a minute
        assert len(times) >= 20  # asked all along, about every 67 s
    # Spread out: on average well under one question per board per minute.
    later = per_tick[len(per_tick) // 2 :]
    assert sum(later) / len(later) <= len(boards) * TICK / QUERY_AFTER


def test_a_board_that_stops_answering_is_silent_within_three_minutes() -> None:
    asked, _, silent = simulate(
        ["esp-a", "esp-b"], minutes=10, answers=lambda board, now: board == "esp-a"
    )
    assert "esp-a" not in silent
    assert OFFLINE_AFTER < silent["esp-b"] <= 180
    first, second = asked["esp-b"][:2]
    assert QUERY_AFTER <= first <= 80
    assert second - first >= QUERY_AFTER
    assert second < silent["esp-b"]  # asked twice before it counts as gone


def test_boards_never_heard_or_being_flashed_are_not_asked() -> None:
    scheduler = QueryScheduler(random.Random(1))
    for board in ("by-hand", "flashing", "chatty"):
        scheduler.add(board, 0.0)
    for now in range(5, 600, 5):
        heard = {"by-hand": None, "flashing": 0.0, "chatty": now - 1.0}
        assert scheduler.due(float(now), heard, {"flashing"}) == []
    scheduler.remove("chatty")
    assert scheduler.due(1000.0, {"flashing": 0.0}) == ["flashing"]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let TICK seconds pass."""
    freezer.tick(timedelta(seconds=TICK))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()


def questions(mock_async_zeroconf: MagicMock) -> list[list[tuple[str, int]]]:
    """Return the questions of every query sent through HA's zeroconf."""
    return [
        [(question.name, question.type) for question in call.args[0].questions]
        for call in mock_async_zeroconf.zeroconf.async_send.call_args_list
    ]


def answer(mock_async_zeroconf: MagicMock) -> None:
    """Deliver the board's address record, as HA's zeroconf does on an answer."""
    listener = mock_async_zeroconf.zeroconf.async_add_listener.call_args.args[0]
    record = DNSAddress(
        f"{HOSTNAME}.local.", _TYPE_A, _CLASS_IN, 120, socket.inet_aton(HOST)
    )
    listener.async_update_records(
        mock_async_zeroconf.zeroconf,
        current_time_millis(),
        [RecordUpdate(record, None)],
    )


@pytest.fixture
async def heard_board(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> MockConfigEntry:
    """Return the discovered esp32-garden, announced once, so online."""
    announce(mock_async_zeroconf, mock_browser)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(ONLINE).state == STATE_ON
    return init_integration


async def test_a_board_that_loses_power_is_offline_within_three_minutes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    heard_board: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
) -> None:
    elapsed = 0.0
    while hass.states.get(ONLINE).state == STATE_ON:
        await tick(hass, freezer)
        elapsed += TICK
        assert elapsed <= 180
    assert elapsed > OFFLINE_AFTER
    # Two queries for its address record went unanswered, a minute apart.
    assert questions(mock_async_zeroconf) == [[(f"{HOSTNAME}.local.", _TYPE_A)]] * 2


async def test_a_board_that_answers_stays_online_and_is_asked_once_a_minute(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    heard_board: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
) -> None:
    sent = 0
    for _ in range(int(15 * 60 / TICK)):  # a quarter of an hour
        await tick(hass, freezer)
        if len(questions(mock_async_zeroconf)) > sent:
            sent += 1
            answer(mock_async_zeroconf)
        assert hass.states.get(ONLINE).state == STATE_ON
    assert 12 <= sent <= 15


async def test_a_board_silent_for_a_while_is_back_once_it_answers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    heard_board: MockConfigEntry,
    mock_async_zeroconf: MagicMock,
) -> None:
    for _ in range(int(180 / TICK)):
        await tick(hass, freezer)
    assert hass.states.get(ONLINE).state == STATE_OFF
    # Still asked once a minute while offline; the next answer brings it back.
    asked = len(questions(mock_async_zeroconf))
    for _ in range(int(80 / TICK)):  # the jittered interval is at most 75 s
        await tick(hass, freezer)
        if len(questions(mock_async_zeroconf)) > asked:
            break
    assert len(questions(mock_async_zeroconf)) == asked + 1
    answer(mock_async_zeroconf)
    await hass.async_block_till_done()
    assert hass.states.get(ONLINE).state == STATE_ON


async def test_a_board_added_by_hand_and_never_announced_is_left_alone(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_async_zeroconf: MagicMock,
    mock_browser: MagicMock,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=HOSTNAME,
        unique_id=HOSTNAME,
        source=SOURCE_USER,
        data=dict(ENTRY_DATA),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(int(300 / TICK)):
        await tick(hass, freezer)
    assert hass.states.get(ONLINE).state == STATE_ON
    assert questions(mock_async_zeroconf) == []
