"""Why a source check failed reaches people as a translated cause with data only.

Every cause of a failed check has its own text in each place a person reads
it (the action's error, the options form, the repair), and its placeholders
hold numbers, names and URLs, never the English of aiohttp, the OS or the
manifest parser (issue 14, point 5).
"""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path
import socket
import ssl
from types import SimpleNamespace
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.esp_ota.const import DOMAIN
from custom_components.esp_ota.source_failures import IMAGE_CAUSES
from custom_components.esp_ota.source_manager import source_issue_id
from custom_components.esp_ota.sources import errors
from custom_components.esp_ota.sources.manifest import (
    ManifestFormat,
    Release,
    SourceError,
    parse_manifest,
    verify_digest,
)
from tools.esp_images import build_esp8266_app

from .helpers import SourceServer, check_sources, set_source

URL = "https://firmware.example/garden/manifest.json"
STRINGS = json.loads(
    (
        Path(__file__).parents[2] / "custom_components" / "esp_ota" / "strings.json"
    ).read_text(encoding="utf-8")
)
# aiohttp's connector errors as the library raises them (key: host, port, ssl).
_KEY = SimpleNamespace(host="firmware.example", port=443, ssl=True, is_ssl=True)


def _causes() -> set[str]:
    return {
        cls.cause
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, SourceError)
    }


def test_every_cause_has_a_text_wherever_a_person_reads_it() -> None:
    for cause in _causes():
        assert f"source_{cause}" in STRINGS["exceptions"], cause
        assert f"source_{cause}" in STRINGS["options"]["error"], cause
    for cause in _causes() | set(IMAGE_CAUSES):
        assert f"source_failing_{cause}" in STRINGS["issues"], cause


MD5 = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("document", "chip", "cause", "facts"),
    [
        ([1], "esp32", "not_a_manifest", {}),
        ({"version": "1"}, "esp32", "not_a_manifest", {}),
        ({"url": "a.bin"}, "esp32", "bad_field", {"field": "version"}),
        (
            {"version": "1", "url": "ftp://x/a.bin"},
            "esp32",
            "bad_field",
            {"field": "url"},
        ),
        (
            {"version": "1", "url": "a.bin", "md5": "x"},
            "esp32",
            "bad_field",
            {"field": "md5"},
        ),
        ({"version": "1", "builds": "x"}, "esp32", "bad_field", {"field": "builds"}),
        (
            {"version": "1", "builds": [{"chipFamily": "ESP32", "ota": {"path": "a"}}]},
            "esp32",
            "bad_field",
            {"field": "ota.md5"},
        ),
        (
            {
                "version": "1",
                "builds": [
                    {"chipFamily": "ESP32", "parts": [{"path": "b", "offset": "x"}]}
                ],
            },
            "esp32",
            "bad_field",
            {"field": "offset"},
        ),
        (
            {
                "version": "1",
                "builds": [
                    {"chipFamily": "ESP32", "parts": [{"path": "b", "offset": 4096}]}
                ],
            },
            "esp32",
            "no_app_part",
            {"chip": "ESP32"},
        ),
        (
            {"version": "1", "builds": [{"chipFamily": "ESP8266", "parts": []}]},
            "esp32",
            "no_build",
            {"chip": "esp32", "offered": "ESP8266"},
        ),
        (
            {"version": "1", "builds": [{"chipFamily": "ESP32", "parts": []}] * 2},
            None,
            "chip_unknown",
            {"count": "2"},
        ),
        (
            {
                "version": "1",
                "builds": [
                    {"chipFamily": "ESP32", "parts": [{"path": "m", "offset": 0}]}
                ],
            },
            "esp32",
            "merged_only",
            {"chip": "ESP32"},
        ),
    ],
)
def test_a_manifest_refusal_names_its_cause_with_data_only(
    document: Any, chip: str | None, cause: str, facts: dict[str, str]
) -> None:
    with pytest.raises(SourceError) as caught:
        parse_manifest(document, URL, chip)
    assert caught.value.cause == cause
    assert caught.value.facts == facts
    assert set(facts) == set(type(caught.value).fact_names)


def test_a_digest_mismatch_names_both_digests() -> None:
    release = Release(format=ManifestFormat.PLAIN, version="1", url=URL, md5=MD5)
    with pytest.raises(errors.DigestMismatchError) as caught:
        verify_digest(b"image", release)
    assert caught.value.facts == {
        "algorithm": "md5",
        "expected": MD5,
        "actual": hashlib.md5(b"image", usedforsecurity=False).hexdigest(),
    }


@pytest.mark.parametrize(
    ("exc", "key", "facts"),
    [
        (TimeoutError(), "source_timeout", {}),
        (
            aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "refused")),
            "source_connection_refused",
            {},
        ),
        (
            aiohttp.ClientConnectorError(_KEY, socket.gaierror(-2, "unknown name")),
            "source_name_not_resolved",
            {"host": "firmware.example"},
        ),
        (
            aiohttp.ClientConnectorCertificateError(_KEY, ssl.SSLError(1, "bad cert")),
            "source_tls",
            {},
        ),
        (
            aiohttp.ClientConnectorError(_KEY, OSError(errno.EHOSTUNREACH, "x")),
            "source_connection_failed",
            {"error": "ClientConnectorError"},
        ),
        (
            aiohttp.ServerDisconnectedError("gone away"),
            "source_connection_failed",
            {"error": "ServerDisconnectedError"},
        ),
    ],
    ids=["timeout", "refused", "name", "tls", "no-route", "other"],
)
async def test_an_unreachable_source_says_why_in_the_action_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    exc: Exception,
    key: str,
    facts: dict[str, str],
) -> None:
    aioclient_mock.get(URL, exc=exc)

    with pytest.raises(HomeAssistantError) as caught:
        await set_source(hass, init_integration, URL)

    assert caught.value.translation_key == key
    assert caught.value.translation_placeholders == {"url": URL, **facts}


@pytest.mark.parametrize(
    ("content", "key", "facts"),
    [
        (b"<html>not json</html>", "source_not_json", {}),
        (b'{"version": "1.0.0"}', "source_not_a_manifest", {}),
        (b'{"url": "a.bin"}', "source_bad_field", {"field": "version"}),
    ],
    ids=["not-json", "unknown-format", "no-version"],
)
async def test_the_options_form_shows_the_cause_of_a_refused_source(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    content: bytes,
    key: str,
    facts: dict[str, str],
) -> None:
    url = source_server.put("/m.json", content)
    flow = await hass.config_entries.options.async_init(init_integration.entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"next_step_id": "source"}
    )
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"url": url}
    )

    assert result["errors"] == {"base": key}
    assert result["description_placeholders"] == {
        "board": init_integration.title,
        **facts,
    }


async def test_a_source_whose_image_is_refused_three_times_names_version_and_refusal(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    issue_registry: ir.IssueRegistry,
) -> None:
    # The manifest says ESP32; the file is an ESP8266 build: staging refuses it.
    source_server.put("/esp8266.bin", build_esp8266_app())
    url = source_server.put("/m.json", {"version": "1.1.0", "url": "esp8266.bin"})
    assert (await set_source(hass, init_integration, url))["result"] == "image_refused"
    await check_sources(hass)
    await check_sources(hass)

    issue = issue_registry.async_get_issue(
        DOMAIN, source_issue_id(init_integration.entry_id)
    )
    assert issue is not None
    assert issue.translation_key == "source_failing_image_refused"
    assert issue.translation_placeholders == {
        "board": init_integration.title,
        "url": url,
        "failures": "3",
        "version": "1.1.0",
        "refusal": "wrong_chip",
    }


async def test_a_source_whose_image_is_gone_three_times_names_the_http_status(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    source_server: SourceServer,
    issue_registry: ir.IssueRegistry,
) -> None:
    url = source_server.put("/m.json", {"version": "1.1.0", "url": "gone.bin"})
    assert (await set_source(hass, init_integration, url))["result"] == (
        "download_failed"
    )
    await check_sources(hass)
    await check_sources(hass)

    issue = issue_registry.async_get_issue(
        DOMAIN, source_issue_id(init_integration.entry_id)
    )
    assert issue is not None
    assert issue.translation_key == "source_failing_http_status"
    assert issue.translation_placeholders == {
        "board": init_integration.title,
        "url": url,
        "failures": "3",
        "status": "404",
    }
