"""The emulator's pull mode: a board that checks in, flashes and checks in again.

A small aiohttp server on 127.0.0.1 plays the pull server: it answers each
check-in from a script and keeps the headers it got.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import hashlib
import re
import socket

from aiohttp import web
import pytest

from tools.esp_emulator import Core, build_esp32_image, build_esp8266_image
from tools.esp_emulator.__main__ import build_parser, run
from tools.esp_emulator.pull_client import PullBoard
from tools.esp_emulator.pull_loop import (
    DEFAULT_INTERVAL,
    PullLoop,
    PullUrlMissingError,
    initial_sketch,
    mac_for,
    resolve_url,
)

TOKEN = "s3cret-token-never-printed"
MAC = "24:0a:c4:12:34:56"
NEW_IMAGE = build_esp32_image("2.0.0", size=8192)


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass
class FakePullServer:
    """Answers check-ins from ``answers`` (then 304) and records their headers."""

    answers: list[web.StreamResponse] = field(default_factory=list)
    seen: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the check-in; answer the next scripted response."""
        assert request.match_info["token"] == TOKEN
        self.seen.append(dict(request.headers))
        return self.answers.pop(0) if self.answers else web.Response(status=304)


def image_answer(image: bytes, md5: str | None = None) -> web.Response:
    """Return a 200 as the pull server sends it: the image and its MD5."""
    return web.Response(
        body=image,
        content_type="application/octet-stream",
        headers={"x-MD5": md5 or _md5(image)},
    )


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[FakePullServer]:
    """Serve a fake pull server on an ephemeral 127.0.0.1 port."""
    fake = FakePullServer()
    app = web.Application()
    app.router.add_get("/api/esp_ota/pull/{token}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}/api/esp_ota/pull/{TOKEN}"
    yield fake
    await runner.cleanup()


def _cli(url: str, *extra: str) -> list[str]:
    return ["--pull", url, "--hostname", "esp32-pull", "--interval", "0", *extra]


async def test_pull_board_flashes_reboots_and_checks_in_with_the_new_version(
    server: FakePullServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answers.append(image_answer(NEW_IMAGE))

    await run(
        build_parser().parse_args(
            _cli(server.url, "--version", "1.0.0", "--check-ins", "3")
        )
    )

    first, second, third = server.seen
    assert first["User-Agent"] == "ESP32-http-Update"
    assert first["x-ESP32-version"] == "1.0.0"
    assert first["x-ESP32-sketch-md5"] == _md5(initial_sketch(Core.ESP32, "1.0.0"))
    assert first["x-ESP32-STA-MAC"] == mac_for("esp32-pull")
    assert second["x-ESP32-version"] == "2.0.0"
    assert second["x-ESP32-sketch-md5"] == _md5(NEW_IMAGE)
    assert third["x-ESP32-sketch-md5"] == _md5(NEW_IMAGE)
    lines = capsys.readouterr().out.splitlines()
    assert "esp32 pull board, version 1.0.0" in lines[0]
    assert re.search(
        r"check-in updated \(HTTP 200\); rebooted into version 2.0.0", lines[1]
    )
    assert "check-in no_updates (HTTP 304)" in lines[2]
    assert "check-in no_updates (HTTP 304)" in lines[3]
    assert len(lines) == 4


async def test_an_image_that_fails_its_md5_is_not_booted(
    server: FakePullServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answers.append(image_answer(NEW_IMAGE, md5="0" * 32))

    await run(
        build_parser().parse_args(
            _cli(server.url, "--version", "1.0.0", "--check-ins", "2")
        )
    )

    assert [seen["x-ESP32-version"] for seen in server.seen] == ["1.0.0", "1.0.0"]
    assert server.seen[1]["x-ESP32-sketch-md5"] == server.seen[0]["x-ESP32-sketch-md5"]
    output = capsys.readouterr().out
    assert "check-in failed (HTTP 200, md5 mismatch)" in output
    assert "rebooted" not in output


async def test_esp8266_pull_board_sends_its_cores_headers_and_runs_the_new_sketch(
    server: FakePullServer,
) -> None:
    new_sketch = build_esp8266_image(size=8192, fill=0x11)
    server.answers.append(image_answer(new_sketch))

    await run(
        build_parser().parse_args(
            _cli(server.url, "--core", "esp8266", "--check-ins", "2", "--mac", MAC)
        )
    )

    first, second = server.seen
    assert first["User-Agent"] == "ESP8266-http-Update"
    assert first["x-ESP8266-STA-MAC"] == MAC
    assert "x-ESP8266-version" not in first
    assert second["x-ESP8266-sketch-md5"] == _md5(new_sketch)


async def test_an_unreachable_server_is_logged_without_the_secret_url(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/esp_ota/pull/{TOKEN}"

    await run(build_parser().parse_args(_cli(url, "--check-ins", "2")))

    output = capsys.readouterr().out
    assert output.count("check-in failed: ConnectionRefusedError") == 2
    assert TOKEN not in output


async def test_the_log_never_shows_the_token(
    server: FakePullServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answers.append(web.Response(status=404))

    await run(build_parser().parse_args(_cli(server.url, "--check-ins", "1")))

    output = capsys.readouterr().out
    assert "check-in failed (HTTP 404, http code)" in output
    assert TOKEN not in output


async def test_stopping_ends_the_wait_between_check_ins(
    server: FakePullServer,
) -> None:
    stop = asyncio.Event()
    checked_in = asyncio.Event()

    def say(line: str) -> None:
        if "check-in" in line:
            checked_in.set()

    board = PullBoard(sta_mac=mac_for("x"), sketch=initial_sketch(Core.ESP32, "1"))
    loop = PullLoop(board, server.url, name="x", interval=3600.0, say=say)
    running = asyncio.ensure_future(loop.run(stop))
    await checked_in.wait()  # the loop now waits out its hour
    stop.set()
    # Bounded by the test's timeout: an hour's wait would fail it.
    await running

    assert loop.check_ins == 1
    assert len(server.seen) == 1


def test_pull_mode_defaults() -> None:
    args = build_parser().parse_args(["--pull", "http://127.0.0.1:1/x"])

    assert args.interval == DEFAULT_INTERVAL == 15.0
    assert args.check_ins is None
    assert args.mac is None


def test_derived_mac_is_stable_locally_administered_and_per_hostname() -> None:
    mac = mac_for("esp32-pull")

    assert mac == mac_for("esp32-pull")
    assert mac != mac_for("esp32-other")
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", mac)
    assert int(mac[:2], 16) & 0x03 == 0x02  # locally administered, unicast


async def test_the_url_can_come_from_the_environment(
    server: FakePullServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_PULL_URL", server.url)

    await run(build_parser().parse_args(_cli("@DEMO_PULL_URL", "--check-ins", "1")))

    assert len(server.seen) == 1


def test_a_missing_url_variable_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEMO_PULL_URL", raising=False)

    with pytest.raises(PullUrlMissingError, match="DEMO_PULL_URL is not set"):
        resolve_url("@DEMO_PULL_URL")
    assert resolve_url("http://127.0.0.1:1/x") == "http://127.0.0.1:1/x"
