"""One logger convention: each module logs through its own ``_LOGGER``.

``_LOGGER = logging.getLogger(__name__)``, as Home Assistant core does: every
logger is named after its module, under ``custom_components.esp_ota``, so a
person's ``logger:`` configuration for the integration (or one module of it)
works, and a log line says where it came from.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "esp_ota"


def _get_logger_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "getLogger"
    ]


def _is_module_logger(node: ast.stmt) -> bool:
    """Tell whether a statement is ``_LOGGER = logging.getLogger(__name__)``."""
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
        return False
    call = node.value
    return (
        [ast.unparse(target) for target in node.targets] == ["_LOGGER"]
        and ast.unparse(call.func) == "logging.getLogger"
        and [ast.unparse(arg) for arg in call.args] == ["__name__"]
    )


@pytest.mark.parametrize(
    "path",
    sorted(INTEGRATION.rglob("*.py")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_a_module_that_logs_has_its_own_logger_named_after_it(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = _get_logger_calls(tree)
    definitions = [node for node in tree.body if _is_module_logger(node)]
    assert len(calls) == len(definitions) <= 1
    uses = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id in {"LOGGER", "_LOGGER"}
    }
    assert uses <= ({"_LOGGER"} if definitions else set())
