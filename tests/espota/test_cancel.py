"""Cancelling an upload closes every socket at once and leaves no task behind."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from custom_components.esp_ota.espota import ImageRejectedError, upload
from tests.espota.helpers import FAST
from tools.esp_emulator import Core, Fault, build_esp32_image


async def _cancel_when(task: asyncio.Task[object], ready: asyncio.Event) -> None:
    await ready.wait()
    task.cancel()


async def test_cancel_during_transfer_closes_all_sockets_and_tasks(
    make_board, open_fds
) -> None:
    board = make_board(
        core=Core.ESP32, fault=Fault.STALL, fault_at=0.5, recv_window=5840
    )
    await board.start()
    before_fds = open_fds()
    before_tasks = asyncio.all_tasks()
    halfway = asyncio.Event()

    def progress(sent: int, total: int) -> None:
        if sent >= total // 4:
            halfway.set()

    task = asyncio.create_task(
        upload(
            "127.0.0.1",
            board.port,
            build_esp32_image("1", 200_000),
            progress=progress,
            timeouts=FAST,
        )
    )
    await _cancel_when(task, halfway)
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:  # pragma: no cover - the test fails here
        raise AssertionError("upload was not cancelled")

    # At once: only the stalled board's own TCP socket is still open.
    assert open_fds() == before_fds + 1
    # The board's side (its socket) is not ours: count only after the board is
    # stopped too, so both sides are checked.
    await board.stop()
    assert open_fds() <= before_fds - 1  # the board's UDP socket is gone as well
    assert asyncio.all_tasks() - before_tasks == set()


async def test_cancel_while_waiting_for_the_invitation_answer_closes_the_udp_socket(
    make_board, open_fds
) -> None:
    board = make_board(core=Core.ESP8266, fault=Fault.SILENT)
    await board.start()
    before = open_fds()

    task = asyncio.create_task(
        upload("127.0.0.1", board.port, b"\xe9" * 100, timeouts=FAST)
    )
    await board.datagram_seen.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    assert open_fds() == before


async def test_failed_upload_leaves_no_socket_open(make_board, open_fds) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.MD5_MISMATCH)
    await board.start()
    before = open_fds()

    with pytest.raises(ImageRejectedError):
        await upload(
            "127.0.0.1", board.port, build_esp32_image("1", 10_000), timeouts=FAST
        )
    await board.session_ended.wait()

    assert open_fds() == before
