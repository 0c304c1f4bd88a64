"""Version rules: descriptor, then the user's version, then a short hash."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.firmware import inspect_image
from tools.esp_images import build_esp32_app, build_esp8266_app


def test_descriptor_version_wins_over_the_users() -> None:
    image = inspect_image(build_esp32_app(version="3.1.0"))
    assert image.version == "3.1.0"
    assert image.version_with("9.9.9") == "3.1.0"


def test_user_version_is_used_without_descriptor() -> None:
    image = inspect_image(build_esp8266_app())
    assert image.version_with("  1.0.7 ") == "1.0.7"


def test_short_hash_is_the_first_eight_hex_digits_of_sha256() -> None:
    image = inspect_image(build_esp8266_app())
    assert image.short_hash == image.sha256[:8]
    assert image.version == image.sha256[:8]


def test_blank_user_version_falls_back_to_the_short_hash() -> None:
    image = inspect_image(build_esp8266_app())
    assert image.version_with("   ") == image.short_hash


def test_arduino_core_descriptor_version_is_not_the_sketch_version() -> None:
    data = build_esp32_app(
        version="esp-idf: v5.1.4", project_name="arduino-lib-builder"
    )
    image = inspect_image(data)
    assert image.descriptor is not None
    assert not image.descriptor.names_the_sketch
    assert image.version_with("2.0.1") == "2.0.1"
    assert image.version == image.short_hash


def test_empty_descriptor_version_falls_back() -> None:
    image = inspect_image(build_esp32_app(version=""))
    assert image.version_with("0.3") == "0.3"


def test_different_builds_get_different_short_hashes() -> None:
    one = inspect_image(build_esp8266_app(seed=1))
    two = inspect_image(build_esp8266_app(seed=2))
    assert one.version != two.version


@pytest.mark.parametrize("release", ["2025.10.3", "2025.11.0b2", "2025.12.0-dev"])
def test_esphome_release_in_the_descriptor_yields_to_the_users_version(
    release: str,
) -> None:
    image = inspect_image(build_esp32_app(version=release, project_name="kitchen"))
    assert image.descriptor is not None
    assert image.descriptor.names_a_framework
    assert image.version_with("1.4.0") == "1.4.0"
    assert image.version == image.short_hash


@pytest.mark.parametrize("version", ["1.2.3", "2025.13.1", "v2025.10.3", "20251.1.1"])
def test_sketch_versions_are_not_taken_for_an_esphome_release(version: str) -> None:
    image = inspect_image(build_esp32_app(version=version, project_name="kitchen"))
    assert image.version_with("0.0.1") == version
