"""The demo stack and a headless Chromium for the end-to-end tests.

These tests run only through ``scripts/e2e``: inside private network and PID
namespaces (real mDNS on loopback), with Debian's ``chromium`` driven by
Playwright. Elsewhere they are skipped; ``scripts/e2e`` sets
ESP_OTA_E2E_REQUIRED so that a missing piece fails instead.

Sockets: the test process itself opens none (Playwright talks to its driver
and the browser over pipes); Home Assistant and the boards run in the demo's
own processes, so pytest-socket's limits do not apply to them.
"""

from __future__ import annotations

from collections.abc import Iterator
import importlib.util
import os
from pathlib import Path
import selectors
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from demo.__main__ import READY
from demo.netns import interfaces

REPO = Path(__file__).resolve().parents[2]
PORT = 8123
# A first Home Assistant start writes its storage and loads the frontend: ~20 s
# on 2 cores; the bound only limits how long a broken start hangs CI.
DEMO_READY_TIMEOUT = 240.0
# Home Assistant saves its state on SIGTERM before it exits.
DEMO_STOP_TIMEOUT = 60.0
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Processes the demo starts; none may outlive it.
DEMO_PROCESS_PATTERN = r"tools\.esp_emulator|-m homeassistant|-m demo run"


def cannot_run_reason() -> str | None:
    """Say why the end-to-end tests cannot run here, or None if they can."""
    if interfaces() != ["lo"]:
        return "not inside a private network namespace (run scripts/e2e)"
    if shutil.which("chromium") is None:
        return "Debian's chromium is not installed (scripts/e2e installs it)"
    for module in ("playwright", "hass_frontend"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (scripts/setup --demo)"
    return None


@pytest.fixture(autouse=True)
def _only_where_e2e_can_run() -> None:
    if (reason := cannot_run_reason()) is not None:
        if os.environ.get("ESP_OTA_E2E_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def screenshots() -> Path:
    """Return the folder the test's screenshots go to."""
    folder = Path(
        os.environ.get("ESP_OTA_SCREENSHOTS", REPO / ".cache" / "e2e-screenshots")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _demo_processes() -> list[str]:
    found = subprocess.run(  # noqa: S603 - fixed argv
        ["pgrep", "-a", "-f", DEMO_PROCESS_PATTERN],  # noqa: S607 - procps
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        line
        for line in found.stdout.splitlines()
        if str(os.getpid()) != line.split()[0]
    ]


def _wait_for_ready(process: subprocess.Popen[bytes]) -> str:
    """Return the demo's output up to its ready line; fail on exit or timeout."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    output = b""
    deadline = time.monotonic() + DEMO_READY_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            # Unbuffered reads: a line kept in a reader's buffer would never
            # wake select() again.
            chunk = os.read(fd, 4096)
            if not chunk:
                pytest.fail(f"the demo exited before it was ready:\n{output.decode()}")
            output += chunk
            if READY.encode() in output:
                return output.decode()
    pytest.fail(f"the demo was not ready within {DEMO_READY_TIMEOUT} s")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """Run ``python -m demo run``; return Home Assistant's URL; stop it after."""
    assert _demo_processes() == [], "demo processes left from before"
    run_dir = tmp_path / "run"
    process = subprocess.Popen(  # noqa: S603 - our own module
        [
            sys.executable,
            "-m",
            "demo",
            "run",
            "--run-dir",
            str(run_dir),
            "--port",
            str(PORT),
            # The repairs esp_ota raises only when it loads its stores.
            "--store-faults",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_ready(process)
        yield f"http://127.0.0.1:{PORT}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=DEMO_STOP_TIMEOUT)
        finally:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
    assert process.returncode == 0
    assert _demo_processes() == [], "the demo left processes behind"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """Yield a page of a headless Debian Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright  # optional dependency

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=shutil.which("chromium"),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        try:
            context.set_default_timeout(30_000)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
