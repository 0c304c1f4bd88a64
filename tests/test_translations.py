"""Every step, error, abort and entity name has English text."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from .helpers import INTEGRATION

# The rules Home Assistant's hassfest knows (core, script/hassfest/quality_scale.py,
# ALL_RULES) in both supported versions: hassfest's schema refuses any other key
# as "extra keys not allowed". docs-conditions and docs-triggers are missing
# here: 2026's list has them, 2025.4's does not.
RULES = {
    "bronze": "action-setup appropriate-polling brands common-modules config-flow "
    "config-flow-test-coverage dependency-transparency docs-actions "
    "docs-high-level-description docs-installation-instructions "
    "docs-removal-instructions entity-event-setup entity-unique-id "
    "has-entity-name runtime-data test-before-configure test-before-setup "
    "unique-config-entry",
    "silver": "action-exceptions config-entry-unloading docs-configuration-parameters "
    "docs-installation-parameters entity-unavailable integration-owner "
    "log-when-unavailable parallel-updates reauthentication-flow test-coverage",
    "gold": "devices diagnostics discovery discovery-update-info docs-data-update "
    "docs-examples docs-known-limitations docs-supported-devices "
    "docs-supported-functions docs-troubleshooting docs-use-cases dynamic-devices "
    "entity-category entity-device-class entity-disabled-by-default "
    "entity-translations exception-translations icon-translations "
    "reconfiguration-flow repair-issues stale-devices",
    "platinum": "async-dependency inject-websession strict-typing",
}


def _load(name: str) -> Any:
    return json.loads((INTEGRATION / name).read_text(encoding="utf-8"))


def test_english_translation_is_the_strings_file() -> None:
    assert _load("translations/en.json") == _load("strings.json")


def test_every_flow_step_error_and_abort_has_text() -> None:
    config = _load("strings.json")["config"]
    assert set(config["step"]) == {
        "user",
        "zeroconf_confirm",
        "zeroconf_password",
        "reauth_confirm",
        "reconfigure",
        "web",
        "web_credentials",
        "web_confirm",
        "reauth_web",
        "reconfigure_web",
        "pull_confirm",
    }
    assert set(config["error"]) == {
        "invalid_host",
        "cannot_resolve",
        "invalid_auth",
        "not_an_updater",
        "cannot_connect",
    }
    assert set(config["abort"]) == {
        "already_configured",
        "invalid_discovery_info",
        "invalid_mac",
        "reauth_successful",
        "reconfigure_successful",
        "not_esp_updater",
        "cannot_connect",
    }
    # Custom integrations get no [%key:...] substitution: texts must be literal.
    assert "[%key:" not in json.dumps(config)


def test_online_sensor_has_a_name_and_icons() -> None:
    assert _load("strings.json")["entity"]["binary_sensor"]["online"]["name"]
    icons = _load("icons.json")["entity"]["binary_sensor"]["online"]
    assert icons["default"].startswith("mdi:")


def test_quality_scale_lists_every_rule_with_a_reason_for_exemptions() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for tier in RULES.values() for rule in tier.split()}
    assert set(rules) == expected
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in {"done", "exempt", "todo"}, name
        if status == "exempt":
            assert isinstance(rule, dict), f"{name}: exempt needs a comment"
            assert rule.get("comment"), f"{name}: exempt needs a comment"


def test_quality_scale_says_what_is_polled_and_why_arduinoota_is_not_tested() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert "watched folder" in rules["appropriate-polling"]["comment"]
    assert rules["test-before-configure"]["status"] == "exempt"
    assert "starts an update" in rules["test-before-configure"]["comment"]


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icons_are_pngs_of_the_expected_size(name: str, size: int) -> None:
    data = (INTEGRATION / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (size, size)
