"""The demo's --store-faults: each store file it writes raises its repair at start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.esp_ota.const import DOMAIN
from demo.__main__ import build_parser
from demo.haconfig import RETIRED_BOARD, RETIRED_VERSION, write_store_faults


def test_the_demo_takes_store_faults_only_when_asked() -> None:
    parser = build_parser()
    assert not parser.parse_args(["run", "--run-dir", "x"]).store_faults
    assert parser.parse_args(["run", "--run-dir", "x", "--store-faults"]).store_faults


async def test_each_broken_store_raises_its_repair_when_esp_ota_starts(
    hass: HomeAssistant,
    tmp_path: Path,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_browser: MagicMock,
) -> None:
    written = tmp_path / "demo-config"
    write_store_faults(written)
    # Home Assistant's test harness reads stores from hass_storage, not disk.
    for path in (written / ".storage").iterdir():
        hass_storage[path.name] = json.loads(path.read_text(encoding="utf-8"))

    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    issues = {
        issue.issue_id: issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    }
    keys = {issue_id: issue.translation_key for issue_id, issue in issues.items()}
    assert keys == {
        f"image_vanished_{RETIRED_BOARD}_{'a' * 12}": "image_vanished",
        "store_esp_ota.ledger": "store_newer_version",
        "store_esp_ota.pull": "store_records_skipped",
        "store_esp_ota.settings": "store_unreadable",
    }
    vanished = issues[f"image_vanished_{RETIRED_BOARD}_{'a' * 12}"]
    assert vanished.translation_placeholders is not None
    assert vanished.translation_placeholders["version"] == RETIRED_VERSION
    skipped = issues["store_esp_ota.pull"].translation_placeholders
    assert skipped is not None
    assert skipped["count"] == "1"
