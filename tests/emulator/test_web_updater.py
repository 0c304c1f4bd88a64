"""The emulated web updater behaves like the cores' HTTPUpdateServer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import re

import aiohttp
import pytest

from tools.esp_emulator import Core
from tools.esp_emulator.__main__ import build_parser, run
from tools.esp_emulator.web_updater import (
    CHALLENGE,
    FORM_PAGE,
    WebUpdaterConfig,
    WebUpdaterEmulator,
)


@pytest.fixture
async def board(socket_enabled: None) -> AsyncIterator[WebUpdaterEmulator]:
    """Start an ESP32 web updater with credentials."""
    emulator = WebUpdaterEmulator(
        WebUpdaterConfig(core=Core.ESP32, username="u", password="p", reboot_delay=60)
    )
    await emulator.start()
    yield emulator
    await emulator.stop()


# "u:p" in base64, built by hand (aiohttp 3.13 deprecates BasicAuth).
AUTH = {"Authorization": "Basic dTpw"}


def _url(board: WebUpdaterEmulator) -> str:
    return f"http://127.0.0.1:{board.port}/update"


async def test_a_password_file_changes_the_credentials_while_the_board_runs(
    session: aiohttp.ClientSession, socket_enabled: None, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text("p\n", encoding="utf-8")
    emulator = WebUpdaterEmulator(
        WebUpdaterConfig(core=Core.ESP32, username="u", password_file=secret)
    )
    await emulator.start()
    try:
        async with session.get(_url(emulator), headers=AUTH) as response:
            assert response.status == 200
        # Flashed with new credentials: the old ones are refused from now on.
        secret.write_text("x", encoding="utf-8")
        async with session.get(_url(emulator), headers=AUTH) as response:
            assert response.status == 401
        async with session.get(
            _url(emulator), headers={"Authorization": "Basic dTp4"}
        ) as response:
            assert response.status == 200
    finally:
        await emulator.stop()


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic !!!", "Basic dTp4", "Digest username=u", "Bearer token"],
)
async def test_the_form_needs_the_sketchs_credentials(
    session: aiohttp.ClientSession, board: WebUpdaterEmulator, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with session.get(_url(board), headers=headers) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == CHALLENGE
    async with session.get(_url(board), headers=AUTH) as response:
        assert response.status == 200
        assert await response.text() == FORM_PAGE


async def test_an_upload_with_a_foreign_origin_is_challenged_when_credentials_are_set(
    session: aiohttp.ClientSession, board: WebUpdaterEmulator
) -> None:
    form = aiohttp.FormData()
    form.add_field("firmware", b"\xe9" * 10, filename="f.bin")
    async with session.post(
        _url(board),
        data=form,
        headers={**AUTH, "Origin": "http://elsewhere"},
    ) as response:
        assert response.status == 401
    assert board.uploads_started == 0


async def test_a_post_without_a_file_part_is_refused(
    session: aiohttp.ClientSession, board: WebUpdaterEmulator
) -> None:
    host = f"127.0.0.1:{board.port}"
    async with session.post(
        _url(board),
        data=b"--x--\r\n",
        headers={
            **AUTH,
            "Origin": f"http://{host}",
            "Content-Type": "multipart/form-data; boundary=x",
        },
    ) as response:
        assert "No data supplied" in await response.text()


async def test_a_too_large_filesystem_is_not_enough_space_and_a_rebooting_board_drops_requests(
    session: aiohttp.ClientSession, board: WebUpdaterEmulator
) -> None:
    host = f"127.0.0.1:{board.port}"
    board.config.filesystem_size = 4
    form = aiohttp.FormData()
    form.add_field("filesystem", b"12345", filename="fs.bin")
    async with session.post(
        _url(board), data=form, headers={**AUTH, "Origin": f"http://{host}"}
    ) as response:
        assert await response.text() == "Update error: Not Enough Space\r\n"
    form = aiohttp.FormData()
    form.add_field("filesystem", b"1234", filename="fs.bin")
    async with session.post(
        _url(board), data=form, headers={**AUTH, "Origin": f"http://{host}"}
    ) as response:
        assert "Update Success" in await response.text()
    assert board.received_filesystems == [b"1234"]
    assert board.rebooting
    with pytest.raises(aiohttp.ClientError):
        async with session.get(_url(board), headers=AUTH) as response:
            await response.read()


async def test_the_cli_serves_web_updater_boards(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(
        ["--web", "--core", "esp8266", "--hostname", "esp8266-a", "--run-for", "0"]
    )
    await run(args)
    out = capsys.readouterr().out
    assert re.match(
        r"esp8266-a: esp8266 web updater on http://127\.0\.0\.1:\d+/update", out
    )
