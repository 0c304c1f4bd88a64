"""Live progress: from the board's counts and from what its TCP stack acknowledged."""

from __future__ import annotations

import itertools
import time

import pytest

from custom_components.esp_ota.espota import transport, upload
from custom_components.esp_ota.espota.progress import FALLBACK_SEND_BUFFER
from tests.espota.helpers import FAST
from tools.esp_emulator import Core, build_esp32_image, build_esp8266_image

LWIP_WINDOW = 5840


@pytest.mark.parametrize("core", [Core.ESP8266, Core.ESP32])
async def test_progress_rises_while_the_board_flashes(make_board, core) -> None:
    board = make_board(
        core=core,
        recv_window=LWIP_WINDOW,
        sector_erase_s=0.02,
        end_delay_s=0.2,
    )
    await board.start()
    image = (
        build_esp8266_image(240_000)
        if core is Core.ESP8266
        else build_esp32_image("1.0", 240_000)
    )
    total = len(image)
    seen: list[tuple[float, int, int]] = []

    def on_progress(sent: int, size: int) -> None:
        assert size == total
        seen.append((time.monotonic(), sent, board.bytes_received()))

    result = await upload(
        "127.0.0.1", board.port, image, progress=on_progress, timeouts=FAST
    )

    assert result.message == "OK"
    sents = [sent for _, sent, _ in seen]
    assert sents == sorted(sents)
    assert sents[-1] == total
    assert sents.count(total) == 1
    # Never more than the board's TCP stack can have taken in.
    assert all(sent <= received for _, sent, received in seen)
    during = [sent for sent in sents if 0 < sent < total]
    assert len(during) >= 8
    # At least every 2 % or every 0.5 s while the board receives.
    for (t0, s0, _), (t1, s1, _) in itertools.pairwise(seen[:-1]):
        assert s1 - s0 <= total // 50 or t1 - t0 <= 0.5


async def test_progress_without_siocoutq_comes_from_a_small_send_buffer(
    make_board, monkeypatch
) -> None:
    """Where the kernel does not report unacknowledged bytes (not Linux)."""
    monkeypatch.setattr(transport, "siocoutq_available", lambda: False)
    monkeypatch.setattr(transport, "unacknowledged", lambda _sock: None)
    buffers: list[int] = []
    connected = transport.BoardStream.connection_made

    def note_buffer(stream: transport.BoardStream, sock: object) -> None:
        connected(stream, sock)  # type: ignore[arg-type]
        buffers.append(stream._send_buffer)

    monkeypatch.setattr(transport.BoardStream, "connection_made", note_buffer)
    board = make_board(core=Core.ESP8266, recv_window=LWIP_WINDOW, sector_erase_s=0.02)
    await board.start()
    image = build_esp8266_image(240_000)
    total = len(image)
    seen: list[tuple[int, int]] = []

    result = await upload(
        "127.0.0.1",
        board.port,
        image,
        progress=lambda sent, _total: seen.append((sent, board.bytes_received())),
        timeouts=FAST,
    )

    assert result.message == "OK"
    # Linux doubles SO_SNDBUF for its bookkeeping.
    assert len(buffers) == 1
    assert buffers[0] <= 2 * FALLBACK_SEND_BUFFER
    sents = [sent for sent, _ in seen]
    assert sents == sorted(sents)
    assert sents[-1] == total
    assert all(sent <= received for sent, received in seen)
    assert len([sent for sent in sents if 0 < sent < total]) >= 8
