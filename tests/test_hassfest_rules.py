"""hassfest's manifest, icons, services, config_schema and config_flow rules.

Each check restates a rule of Home Assistant core's ``script/hassfest``
(manifest.py, icons.py, services.py, config_schema.py, config_flow.py) as it
applies to a custom integration, using Home Assistant's own validators where
it has them (selectors, slugs, versions). The translation rules are in
test_translation_rules.py.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv, selector
from homeassistant.util.yaml import load_yaml_dict

from .helpers import INTEGRATION, TRANSLATION_KEY

IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
}


def _json(name: str) -> Any:
    return json.loads((INTEGRATION / name).read_text(encoding="utf-8"))


def test_manifest_has_what_a_custom_integration_needs_in_hassfest_order() -> None:
    manifest = _json("manifest.json")
    # manifest.py: domain and name first, every other key sorted.
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == INTEGRATION.name
    required = {"codeowners", "dependencies", "documentation", "requirements"}
    assert required | {"version", "iot_class"} <= set(manifest)
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert all(
        re.fullmatch(r"@[\w-]+(/[\w-]+)?", owner) for owner in manifest["codeowners"]
    )
    assert manifest["documentation"].startswith("https://")
    # Custom integrations need a version AwesomeVersion reads (CalVer or SemVer).
    version = AwesomeVersion(
        manifest["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    assert version.strategy is not AwesomeVersionStrategy.UNKNOWN


def test_zeroconf_matchers_are_service_types_with_lowercase_names() -> None:
    for matcher in _json("manifest.json")["zeroconf"]:
        entry = {"type": matcher} if isinstance(matcher, str) else matcher
        assert entry["type"].endswith(".local."), entry
        assert set(entry) <= {"type", "name", "properties"}, entry
        assert entry.get("name", "").lower() == entry.get("name", ""), entry


def test_a_config_flow_manifest_has_a_flow_with_its_discovery_steps() -> None:
    manifest = _json("manifest.json")
    assert manifest["config_flow"] is True
    flow = ast.parse((INTEGRATION / "config_flow.py").read_text(encoding="utf-8"))
    steps = {
        node.name
        for node in ast.walk(flow)
        if isinstance(node, ast.AsyncFunctionDef)
        and node.name.startswith("async_step_")
    }
    assert {"async_step_user", "async_step_zeroconf"} <= steps


def test_an_integration_with_async_setup_and_a_flow_declares_config_schema() -> None:
    tree = ast.parse((INTEGRATION / "__init__.py").read_text(encoding="utf-8"))
    names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    functions = {n.name for n in tree.body if isinstance(n, ast.AsyncFunctionDef)}
    assert "async_setup" in functions
    assert "CONFIG_SCHEMA" in names


def test_services_yaml_fields_use_valid_selectors_with_translations() -> None:
    services = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    strings = _json("translations/en.json")
    icons = _json("icons.json")["services"]
    for name, value in services.items():
        # hassfest's services schema takes None for an action without fields.
        service = value or {}
        assert cv.slug(name) == name
        assert set(service) <= {"fields", "target", "name", "description"}, name
        assert strings["services"][name]["name"], name
        assert strings["services"][name]["description"], name
        assert icons[name]["service"].startswith("mdi:"), name
        for field_name, field in service.get("fields", {}).items():
            allowed = {"example", "default", "required", "advanced", "selector"}
            assert set(field) <= allowed | {"name", "description"}, field_name
            assert strings["services"][name]["fields"][field_name]["description"]
            selector.validate_selector(field["selector"])
            key = field["selector"].get("select", {}).get("translation_key")
            assert key is None or key in strings["selector"], field_name


def test_icons_are_mdi_icons_under_translation_keys_of_real_platforms() -> None:
    icons = _json("icons.json")
    assert set(icons) <= {"entity", "services"}
    platforms = {platform.value for platform in Platform}
    for platform, entities in icons["entity"].items():
        assert platform in platforms
        for key, icon in entities.items():
            assert TRANSLATION_KEY.match(key), key
            assert set(icon) <= {"default", "state", "state_attributes", "range"}
            assert icon["default"].startswith("mdi:"), key
            for state_key, state_icon in icon.get("state", {}).items():
                assert TRANSLATION_KEY.match(state_key), state_key
                assert state_icon.startswith("mdi:"), state_key
    for service in icons["services"].values():
        assert set(service) <= {"service", "sections"}
        assert service["service"].startswith("mdi:")
