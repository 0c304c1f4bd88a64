"""The espota-compatible command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from custom_components.esp_ota.espota.cli import build_parser, main
from tests.helpers import free_port
from tools.esp_emulator import Core, Fault, build_esp8266_image


def test_option_letters_match_espota() -> None:
    args = build_parser().parse_args(
        [
            "upload",
            "-i",
            "10.0.0.5",
            "-p",
            "8266",
            "-a",
            "pw",
            "-s",
            "-r",
            "-f",
            "fs.bin",
            "-t",
            "3",
        ]
    )

    assert (args.host, args.port, args.password, args.image) == (
        "10.0.0.5",
        8266,
        "pw",
        "fs.bin",
    )
    assert args.spiffs
    assert args.progress
    assert args.timeout == 3


async def test_cli_upload_succeeds_with_exit_code_0(
    make_board, tmp_path: Path, capsys
) -> None:
    board = make_board(core=Core.ESP8266, password="pw")
    await board.start()
    image = build_esp8266_image(20_000)
    (tmp_path / "fw.bin").write_bytes(image)
    argv = [
        "upload",
        "-i",
        "127.0.0.1",
        "-p",
        str(board.port),
        "-a",
        "pw",
        "-r",
        "-f",
        str(tmp_path / "fw.bin"),
    ]

    code = await asyncio.to_thread(main, argv)
    await board.session_ended.wait()  # the board records after closing

    assert code == 0
    assert board.received_images == [image]
    err = capsys.readouterr().err
    assert "100%" in err
    assert "pw" not in err.replace("Uploading", "")


async def test_cli_filesystem_flag_sends_command_100(
    make_board, tmp_path: Path
) -> None:
    board = make_board(core=Core.ESP32)
    await board.start()
    (tmp_path / "fs.bin").write_bytes(b"fs" * 5000)

    code = await asyncio.to_thread(
        main,
        [
            "upload",
            "-i",
            "127.0.0.1",
            "-p",
            str(board.port),
            "-s",
            "-f",
            str(tmp_path / "fs.bin"),
        ],
    )

    assert code == 0
    assert board.received_filesystems == [b"fs" * 5000]


async def test_cli_listens_where_minus_i_and_minus_p_say(
    make_board, tmp_path: Path
) -> None:
    board = make_board(core=Core.ESP8266)
    await board.start()
    image = build_esp8266_image(20_000)
    (tmp_path / "fw.bin").write_bytes(image)
    port = free_port()

    code = await asyncio.to_thread(
        main,
        [
            "-i",
            "127.0.0.1",
            "-p",
            str(board.port),
            "-I",
            "127.0.0.1",
            "-P",
            str(port),
            "-f",
            str(tmp_path / "fw.bin"),
        ],
    )
    await board.session_ended.wait()

    assert code == 0
    assert board.received_images == [image]
    assert board.invitations[0].split()[1] == str(port).encode()


async def test_cli_failure_exits_1_with_a_readable_reason(
    make_board, tmp_path: Path, capsys
) -> None:
    board = make_board(core=Core.ESP8266, fault=Fault.REFUSE)
    await board.start()
    (tmp_path / "fw.bin").write_bytes(build_esp8266_image(1000))

    code = await asyncio.to_thread(
        main,
        [
            "upload",
            "-i",
            "127.0.0.1",
            "-p",
            str(board.port),
            "-f",
            str(tmp_path / "fw.bin"),
            "-d",
        ],
    )

    assert code == 1
    assert "refused the upload: ERROR[4]: Not Enough Space" in capsys.readouterr().err


def test_cli_requires_host_and_file() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["upload", "-p", "3232"])
