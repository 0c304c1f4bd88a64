"""Every fault of the emulated board ends in the error a user can act on."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial

import pytest

from custom_components.esp_ota.espota import (
    AuthenticationError,
    BoardNotRespondingError,
    BoardRefusedError,
    ConnectBackTimeoutError,
    EspOtaError,
    ImageRejectedError,
    TransferError,
    TransferTimeoutError,
    upload,
)
from tests.espota.helpers import FAST, image_for
from tools.esp_emulator import AuthVariant, Core, Fault

CORES = [Core.ESP8266, Core.ESP32]


# The image these tests send: version 9.9.9, 60 kB unless a size is given.
fault_image = partial(image_for, size=60_000, version="9.9.9")


@pytest.mark.parametrize("core", CORES)
async def test_silent_board_raises_board_not_responding_after_every_attempt(
    make_board, core
) -> None:
    board = make_board(core=core, fault=Fault.SILENT)
    await board.start()
    timeouts = replace(FAST, invitation=0.1, invitation_attempts=3)

    with pytest.raises(BoardNotRespondingError, match="did not answer 3 invitation"):
        await upload("127.0.0.1", board.port, fault_image(core), timeouts=timeouts)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("variant", [AuthVariant.MD5, AuthVariant.PBKDF2_SHA256])
async def test_wrong_password_raises_authentication_error_without_the_password(
    make_board, core, variant
) -> None:
    board = make_board(core=core, password="right-one", auth_variant=variant)
    await board.start()

    with pytest.raises(AuthenticationError) as caught:
        await upload(
            "127.0.0.1",
            board.port,
            fault_image(core),
            password="wrong-one",
            timeouts=FAST,
        )

    assert "wrong-one" not in str(caught.value)
    assert "right-one" not in str(caught.value)
    assert board.received_images == []
    assert "AUTH" in board.errors


async def test_wrong_password_fault_rejects_even_the_right_password(make_board) -> None:
    board = make_board(core=Core.ESP32, password="pw", fault=Fault.WRONG_PASSWORD)
    await board.start()

    with pytest.raises(AuthenticationError, match="rejected the password"):
        await upload(
            "127.0.0.1",
            board.port,
            fault_image(Core.ESP32),
            password="pw",
            timeouts=FAST,
        )


async def test_board_with_password_and_none_given_raises_authentication_error(
    make_board,
) -> None:
    board = make_board(core=Core.ESP8266, password="pw")
    await board.start()

    with pytest.raises(AuthenticationError, match="requires a password"):
        await upload("127.0.0.1", board.port, fault_image(Core.ESP8266), timeouts=FAST)


async def test_esp8266_refusal_raises_board_refused_with_the_reason(make_board) -> None:
    board = make_board(core=Core.ESP8266, free_space=10_000)
    await board.start()

    with pytest.raises(BoardRefusedError) as caught:
        await upload("127.0.0.1", board.port, fault_image(Core.ESP8266), timeouts=FAST)

    assert "Not Enough Space" in caught.value.reason
    assert "Not Enough Space" in str(caught.value)


async def test_esp32_refusal_raises_connect_back_timeout(make_board) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.REFUSE)
    await board.start()

    with pytest.raises(ConnectBackTimeoutError, match="did not connect back"):
        await upload(
            "127.0.0.1",
            board.port,
            fault_image(Core.ESP32),
            timeouts=replace(FAST, connect_back=0.3),
        )

    assert board.errors == ["BEGIN"]


@pytest.mark.parametrize("core", CORES)
async def test_drop_at_half_raises_transfer_error_saying_how_far_it_got(
    make_board, core
) -> None:
    board = make_board(core=core, fault=Fault.DROP, fault_at=0.5, recv_window=5840)
    await board.start()
    image = fault_image(core, size=200_000)

    with pytest.raises(TransferError) as caught:
        await upload("127.0.0.1", board.port, image, timeouts=FAST)

    assert not isinstance(caught.value, TransferTimeoutError)
    assert caught.value.total == len(image)
    assert 0 < caught.value.sent < len(image)
    assert f"of {len(image)} bytes" in str(caught.value)


@pytest.mark.parametrize("core", CORES)
async def test_stall_raises_transfer_timeout_with_progress(make_board, core) -> None:
    board = make_board(core=core, fault=Fault.STALL, fault_at=0.3, recv_window=5840)
    await board.start()
    image = fault_image(core, size=200_000)

    with pytest.raises(TransferTimeoutError) as caught:
        await upload("127.0.0.1", board.port, image, timeouts=replace(FAST, ack=0.3))

    assert isinstance(caught.value, TimeoutError)
    assert 0 < caught.value.sent < len(image)
    assert "stopped acknowledging" in str(caught.value)


@pytest.mark.parametrize(
    ("core", "text"),
    [(Core.ESP8266, "ERROR[7]: MD5 Check Failed"), (Core.ESP32, "MD5 Check Failed")],
)
async def test_md5_mismatch_raises_image_rejected_with_the_board_text(
    make_board, core, text
) -> None:
    board = make_board(core=core, fault=Fault.MD5_MISMATCH)
    await board.start()

    with pytest.raises(ImageRejectedError) as caught:
        await upload("127.0.0.1", board.port, fault_image(core), timeouts=FAST)

    assert caught.value.board_message == text
    assert board.received_images == []


async def test_esp8266_rejects_a_flash_image_without_magic_byte_at_the_end(
    make_board,
) -> None:
    board = make_board(core=Core.ESP8266)
    await board.start()

    with pytest.raises(ImageRejectedError, match="Magic byte"):
        await upload("127.0.0.1", board.port, b"\x00" * 9000, timeouts=FAST)


async def test_esp32_stops_acknowledging_an_image_without_magic_byte(
    make_board,
) -> None:
    board = make_board(core=Core.ESP32, ota_timeout_s=0.05)
    await board.start()

    with pytest.raises(TransferError) as caught:
        await upload("127.0.0.1", board.port, b"\x00" * 9000, timeouts=FAST)

    assert caught.value.written == 0
    assert board.errors == ["RECEIVE"]


async def test_slow_board_times_out_when_acks_come_slower_than_allowed(
    make_board,
) -> None:
    board = make_board(
        core=Core.ESP32, fault=Fault.SLOW, flash_speed=50_000, slow_factor=20
    )
    await board.start()

    with pytest.raises(TransferTimeoutError):
        await upload(
            "127.0.0.1",
            board.port,
            fault_image(Core.ESP32, size=20_000),
            timeouts=replace(FAST, ack=0.2),
        )


async def test_slow_board_succeeds_when_the_timeouts_allow_it(make_board) -> None:
    board = make_board(
        core=Core.ESP32, fault=Fault.SLOW, flash_speed=2_000_000, slow_factor=4
    )
    await board.start()
    image = fault_image(Core.ESP32, size=20_000)

    result = await upload("127.0.0.1", board.port, image, timeouts=FAST)

    assert result.message == "OK"


async def test_busy_board_ignores_a_second_invitation(make_board) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.STALL, fault_at=0.2)
    await board.start()
    first = asyncio.create_task(
        upload(
            "127.0.0.1",
            board.port,
            fault_image(Core.ESP32, size=100_000),
            timeouts=replace(FAST, ack=5),
        )
    )
    await board.busy.wait()

    with pytest.raises(BoardNotRespondingError):
        await upload(
            "127.0.0.1",
            board.port,
            fault_image(Core.ESP32),
            timeouts=replace(FAST, invitation=0.1),
        )

    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first


def test_every_error_derives_from_one_base() -> None:
    for error in (
        BoardNotRespondingError,
        AuthenticationError,
        ConnectBackTimeoutError,
        ImageRejectedError,
    ):
        assert issubclass(error, EspOtaError)
    assert issubclass(TransferTimeoutError, TransferError)
    assert issubclass(TransferTimeoutError, TimeoutError)


async def test_a_gone_board_takes_the_image_then_never_reboots_or_answers(
    make_board,
) -> None:
    board = make_board(core=Core.ESP32, fault=Fault.GONE, version="1.0.0")
    gone = asyncio.Event()
    board.config.on_gone.append(lambda _version: gone.set())
    rebooted: list[str | None] = []
    board.config.on_reboot.append(rebooted.append)
    await board.start()

    await upload("127.0.0.1", board.port, fault_image(Core.ESP32), timeouts=FAST)
    await gone.wait()

    assert len(board.received_images) == 1
    assert board.state == "gone"
    assert rebooted == []
    assert board.version == "1.0.0"
    # No answer to a new invitation: the uploader gives up.
    with pytest.raises(BoardNotRespondingError):
        await upload("127.0.0.1", board.port, fault_image(Core.ESP32), timeouts=FAST)
