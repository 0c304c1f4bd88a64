"""Manifests of the three formats, parsed for a board's chip (no Home Assistant)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from custom_components.esp_ota.sources.manifest import (
    DigestMismatchError,
    ManifestError,
    ManifestFormat,
    MergedOnlyError,
    NoBuildError,
    Release,
    chip_of,
    parse_manifest,
    verify_digest,
)

BASE = "http://127.0.0.1:8000/firmware/garden/manifest.json"
MD5 = "0123456789abcdef0123456789abcdef"


def web_tools(*builds: dict[str, Any], version: str = "1.2.0") -> dict[str, Any]:
    """Return an ESP Web Tools manifest (esphome/esp-web-tools README)."""
    return {"name": "Garden", "version": version, "builds": list(builds)}


ESP32_PARTS = {
    "chipFamily": "ESP32",
    "parts": [
        {"path": "bootloader.bin", "offset": 4096},
        {"path": "partitions.bin", "offset": 32768},
        {"path": "boot_app0.bin", "offset": 57344},
        {"path": "littlefs.bin", "offset": 0x290000},
        {"path": "firmware.bin", "offset": 65536},
    ],
}
ESP8266_PARTS = {
    "chipFamily": "ESP8266",
    "parts": [{"path": "esp8266.bin", "offset": 0}],
}


def test_chip_families_of_esp_web_tools_are_chip_values() -> None:
    assert chip_of("ESP32-S3") == "esp32s3"
    assert chip_of("ESP8266") == "esp8266"
    assert chip_of("ESP32-C6") == "esp32c6"


def test_web_tools_manifest_gives_the_part_at_the_app_offset_for_an_esp32() -> None:
    release = parse_manifest(web_tools(ESP8266_PARTS, ESP32_PARTS), BASE, "esp32")

    assert release == Release(
        format=ManifestFormat.WEB_TOOLS,
        name="Garden",
        version="1.2.0",
        url="http://127.0.0.1:8000/firmware/garden/firmware.bin",
    )


def test_web_tools_manifest_gives_the_bin_at_zero_for_an_esp8266() -> None:
    release = parse_manifest(web_tools(ESP32_PARTS, ESP8266_PARTS), BASE, "esp8266")

    assert release.url == "http://127.0.0.1:8000/firmware/garden/esp8266.bin"


def test_web_tools_offsets_may_be_hex_strings() -> None:
    build = {
        "chipFamily": "ESP32-S3",
        "parts": [
            {"path": "bootloader.bin", "offset": "0x0"},
            {"path": "app.bin", "offset": "0x20000"},
        ],
    }

    assert parse_manifest(web_tools(build), BASE, "esp32s3").url.endswith("/app.bin")


def test_a_merged_only_build_is_not_usable_for_ota() -> None:
    merged = {"chipFamily": "ESP32-C3", "parts": [{"path": "factory.bin", "offset": 0}]}

    with pytest.raises(MergedOnlyError, match="merged image at 0x0"):
        parse_manifest(web_tools(merged), BASE, "esp32c3")


def test_a_build_without_an_app_part_is_a_bad_manifest() -> None:
    build = {"chipFamily": "ESP32", "parts": [{"path": "boot.bin", "offset": 4096}]}

    with pytest.raises(ManifestError, match="no app part"):
        parse_manifest(web_tools(build), BASE, "esp32")


def test_no_build_for_the_boards_chip_names_what_there_is() -> None:
    with pytest.raises(NoBuildError, match=r"no build for esp32s3 .*ESP8266, ESP32"):
        parse_manifest(web_tools(ESP8266_PARTS, ESP32_PARTS), BASE, "esp32s3")


def test_an_unknown_chip_takes_the_only_build_but_never_guesses_among_several() -> None:
    assert parse_manifest(web_tools(ESP32_PARTS), BASE, None).url.endswith(
        "/firmware.bin"
    )
    with pytest.raises(NoBuildError, match="chip is unknown"):
        parse_manifest(web_tools(ESP8266_PARTS, ESP32_PARTS), BASE, None)


def test_esphome_ota_manifest_gives_path_md5_notes_and_release_url() -> None:
    build = {
        **ESP32_PARTS,
        "ota": {
            "path": "/builds/garden.ota.bin",
            "md5": MD5.upper(),
            "summary": "Waters at dawn",
            "release_url": "releases/1.2.0",
        },
    }

    release = parse_manifest(web_tools(build), BASE, "esp32")

    assert release == Release(
        format=ManifestFormat.ESPHOME_OTA,
        name="Garden",
        version="1.2.0",
        # A path with a leading slash is relative to the server, as in ESPHome.
        url="http://127.0.0.1:8000/builds/garden.ota.bin",
        md5=MD5,
        release_notes="Waters at dawn",
        release_url="http://127.0.0.1:8000/firmware/garden/releases/1.2.0",
    )


def test_esphome_ota_block_needs_an_md5() -> None:
    build = {"chipFamily": "ESP32", "ota": {"path": "garden.bin"}}

    with pytest.raises(ManifestError, match="md5"):
        parse_manifest(web_tools(build), BASE, "esp32")


def test_plain_json_with_sha256_and_an_absolute_url() -> None:
    sha = "ab" * 32
    document = {
        "version": "v3",
        "url": "https://downloads.example/garden-v3.bin",
        "sha256": sha,
        "release_notes": "  Notes  ",
        "release_url": "https://downloads.example/v3",
    }

    release = parse_manifest(document, BASE, "esp32")

    assert release.format is ManifestFormat.PLAIN
    assert release.url == "https://downloads.example/garden-v3.bin"
    assert (release.sha256, release.md5) == (sha, None)
    assert release.release_notes == "Notes"


def test_relative_paths_resolve_against_the_manifest_url() -> None:
    document = {"version": "1", "url": "../shared/garden.bin"}

    assert (
        parse_manifest(document, BASE, "esp32").url
        == "http://127.0.0.1:8000/firmware/shared/garden.bin"
    )


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ([], "not a JSON object"),
        ({"version": "1"}, "neither builds nor url"),
        ({"url": "a.bin"}, "no version"),
        ({"version": 2, "url": "a.bin"}, "no version"),
        ({"version": "x" * 65, "url": "a.bin"}, "longer than 64"),
        ({"version": "1", "url": ""}, "no path"),
        ({"version": "1", "url": "file:///etc/passwd"}, "only http and https"),
        ({"version": "1", "url": "a.bin", "md5": "nothex"}, "md5 is not a hex"),
        ({"version": "1", "url": "a.bin", "release_notes": 5}, "not text"),
        ({"version": "1", "builds": {}}, "builds must be a list"),
        ({"version": "1", "builds": [{"chipFamily": "ESP32"}]}, "ota block or"),
        (
            {"version": "1", "builds": [{"chipFamily": "ESP32", "parts": [{}]}]},
            "ota block or",
        ),
        (
            {
                "version": "1",
                "builds": [
                    {"chipFamily": "ESP32", "parts": [{"path": "a", "offset": "x"}]}
                ],
            },
            "offset is not a number",
        ),
        (
            {
                "version": "1",
                "builds": [
                    {"chipFamily": "ESP32", "parts": [{"path": "a", "offset": True}]}
                ],
            },
            "offset is not a number",
        ),
    ],
)
def test_malformed_manifests_are_refused_with_a_reason(
    document: Any, match: str
) -> None:
    with pytest.raises(ManifestError, match=match):
        parse_manifest(document, BASE, "esp32")


def test_digests_are_verified_and_a_mismatch_names_both() -> None:
    data = b"\xe9firmware"
    good = Release(
        format=ManifestFormat.PLAIN,
        version="1",
        url=BASE,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    verify_digest(data, good)
    verify_digest(data, Release(format=ManifestFormat.PLAIN, version="1", url=BASE))

    bad = Release(format=ManifestFormat.PLAIN, version="1", url=BASE, md5=MD5)
    with pytest.raises(DigestMismatchError, match=f"md5 .* says {MD5}"):
        verify_digest(data, bad)
