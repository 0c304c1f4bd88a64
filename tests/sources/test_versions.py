"""Which firmware version counts as newer (no Home Assistant)."""

from __future__ import annotations

import pytest

from custom_components.esp_ota.sources.versions import is_newer, semver_key


@pytest.mark.parametrize(
    ("candidate", "reference", "newer"),
    [
        ("1.0.0", None, True),
        ("1.0.1", "1.0.0", True),
        ("1.0.0", "1.0.1", False),
        ("1.10.0", "1.9.0", True),
        ("1.0.0", "1.0.0", False),
        ("v2.0.0", "1.9.9", True),
        ("1.0.0", "1.0.0-rc.1", True),
        ("1.0.0-rc.1", "1.0.0", False),
        ("1.0.0-rc.2", "1.0.0-rc.1", True),
        ("1.0.0-rc.10", "1.0.0-rc.9", True),
        ("1.0.0-beta", "1.0.0-alpha", True),
        ("1.0.0-alpha.1", "1.0.0-alpha", True),
        ("1.0.0-alpha", "1.0.0-1", True),
        ("1.0.0+build.2", "1.0.0+build.1", False),
        ("nightly-2", "nightly-1", True),
        ("nightly-1", "nightly-2", True),
        ("nightly-1", "nightly-1", False),
        ("2024.6.1", "abc", True),
    ],
)
def test_semantic_versions_compare_as_such_others_when_they_differ(
    candidate: str, reference: str | None, newer: bool
) -> None:
    assert is_newer(candidate, reference) is newer


def test_only_semantic_versions_have_a_sort_key() -> None:
    assert semver_key("1.2.3") == ((1, 2, 3), None)
    assert semver_key("1.2") is None
    assert semver_key("01.2.3") is None
