"""The two layers stay apart: protocol and image code know nothing of Home Assistant.

The emulator and the image builders are independent writers of the protocol
and the image format: they must not import the integration either, or a bug
shared by both would pass every test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "esp_ota"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(*paths: Path) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


@pytest.mark.parametrize(
    "path",
    _files(
        INTEGRATION / "espota",
        INTEGRATION / "firmware",
        INTEGRATION / "webupdate",
        INTEGRATION / "pull" / "protocol.py",
        INTEGRATION / "sources",
    ),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_protocol_and_image_code_import_no_home_assistant(path: Path) -> None:
    assert not {
        name for name in _imports(path) if name.split(".")[0] == "homeassistant"
    }


@pytest.mark.parametrize(
    "path",
    _files(ROOT / "tools"),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_the_emulator_and_image_builders_do_not_import_the_integration(
    path: Path,
) -> None:
    assert not {
        name
        for name in _imports(path)
        if name.split(".")[0] in {"custom_components", "homeassistant"}
    }


@pytest.mark.parametrize(
    "path",
    _files(INTEGRATION / "sources"),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_the_manifest_code_imports_nothing_from_the_integration(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    outside = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level > 1 or (node.module or "").startswith("custom_components"))
    ]
    assert not outside
