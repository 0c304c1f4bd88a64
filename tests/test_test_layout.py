"""The tests' own layout: shared helpers have one home, test modules stand alone.

What several test modules use lives in ``tests/helpers.py`` (or a package's
``helpers.py``), fixtures in ``conftest.py``. A test module that imports
another test module runs that module's code, and pytest can collect what it
imports a second time; a conftest imported as a module is a second copy of the
one pytest loaded. Neither may come back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def _package_of(path: Path) -> list[str]:
    """Return the dotted parts of the package a file under ROOT belongs to."""
    return list(path.relative_to(ROOT).parent.parts)


def _imported_modules(source: str, path: Path) -> set[str]:
    """Return every module an import may load: ``from a import b`` gives a and a.b."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path)
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *(node.module or "").split(".")]).strip(".")
            else:
                base = node.module or ""
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names)
    return modules


def forbidden_imports(source: str, path: Path) -> list[str]:
    """Return the test modules and conftests that a module under tests/ imports."""
    return sorted(
        module
        for module in _imported_modules(source, path)
        if module.split(".")[0] == "tests"
        and (
            module.rsplit(".", 1)[-1].startswith("test_")
            or module.rsplit(".", 1)[-1] == "conftest"
        )
    )


@pytest.mark.parametrize(
    "path",
    sorted(TESTS.rglob("*.py")),
    ids=lambda path: str(path.relative_to(TESTS)),
)
def test_no_module_in_tests_imports_a_test_module_or_a_conftest(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), path) == []


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("test_x.py", "from .test_update import install"),
        ("test_x.py", "from . import test_update"),
        ("test_x.py", "from .conftest import HOSTNAME"),
        ("pull/test_x.py", "from .test_pull_cores import card"),
        ("pull/test_x.py", "from ..test_update import stage"),
        ("pull/test_x.py", "from tests.test_presence import announce"),
        ("pull/test_x.py", "import tests.pull.test_pull_cores"),
        ("pull/test_x.py", "from tests.conftest import ENTRY_DATA"),
        ("pull/helpers.py", "from tests.espota.conftest import FAST"),
    ],
)
def test_an_import_of_a_test_module_or_a_conftest_is_found(
    where: str, source: str
) -> None:
    assert len(forbidden_imports(source, TESTS / where)) == 1


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("test_x.py", "from .helpers import install, stage"),
        ("pull/test_x.py", "from .helpers import MAC, card"),
        ("pull/test_x.py", "from tests.helpers import stage_file"),
        ("espota/test_x.py", "from tests.espota import scripted_board"),
        ("test_x.py", "from aiohttp.test_utils import TestClient"),
        ("test_x.py", "from custom_components.esp_ota import staging"),
    ],
)
def test_imports_of_helpers_and_libraries_pass(where: str, source: str) -> None:
    assert forbidden_imports(source, TESTS / where) == []
