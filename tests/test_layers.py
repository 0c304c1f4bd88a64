"""The two layers stay apart: protocol and image code know nothing of Home Assistant.

The emulator and the image builders are independent writers of the protocol
and the image format: they must not import the integration either, or a bug
shared by both would pass every test.

The transport seam (``transport/``) sits between the glue and the protocol
packages: its modules use the pure packages and glue helpers, never a platform
module, and the seam itself imports no transport (install.py imports the seam,
the web transport install.py's come-back bound).
"""

from __future__ import annotations

import ast
from pathlib import Path
import sys

from homeassistant.const import Platform
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


def _module_file(package_dir: Path, module: str) -> Path | None:
    """Return the file of ``module`` (dotted, relative to ``package_dir``)."""
    base = package_dir.joinpath(*module.split(".")) if module else package_dir
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _closure(package_dir: Path, start: list[Path]) -> tuple[set[Path], set[str]]:
    """Follow relative imports from ``start``; return files and absolute imports.

    A relative import that climbs out of ``package_dir`` is returned as an
    absolute import named ``..<module>`` so that it cannot pass unnoticed.
    """
    seen: set[Path] = set()
    absolute: set[str] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        here = path.parent.relative_to(package_dir).parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                absolute.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                absolute.add(node.module or "")
            elif isinstance(node, ast.ImportFrom):
                parts = list(here)
                if node.level - 1 > len(parts):
                    absolute.add(".." + (node.module or ""))
                    continue
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *(node.module or "").split(".")]).strip(".")
                names = [f"{base}.{alias.name}".strip(".") for alias in node.names]
                found = (_module_file(package_dir, m) for m in [base, *names])
                todo.extend(path for path in found if path is not None)
    return seen, absolute


def test_the_uploader_and_everything_it_imports_need_only_the_standard_library() -> (
    None
):
    package = INTEGRATION / "espota"
    files, imports = _closure(
        package, [package / "__init__.py", package / "__main__.py"]
    )

    assert package / "uploader.py" in files
    assert package / "cli.py" in files
    outside = {
        name
        for name in imports
        if name.startswith("..")
        or name.split(".")[0] not in sys.stdlib_module_names | {"__future__"}
    }
    # __main__.py imports itself as the top-level package ``espota``.
    assert outside == {"espota.cli"}


@pytest.mark.parametrize(
    "package",
    [INTEGRATION / "espota", INTEGRATION / "firmware", INTEGRATION / "webupdate"],
    ids=lambda path: path.name,
)
def test_protocol_packages_reach_no_home_assistant_through_any_import(
    package: Path,
) -> None:
    _, imports = _closure(package, sorted(package.rglob("*.py")))

    assert not {name for name in imports if name.startswith("..")}
    assert not {name for name in imports if name.split(".")[0] == "homeassistant"}


PACKAGE = "custom_components.esp_ota"
# Modules Home Assistant loads as platforms of the integration: glue below them
# must not import them, or the layers would turn around.
PLATFORM_MODULES = {platform.value for platform in Platform} | {
    "config_flow",
    "diagnostics",
}


def _import_time_nodes(body: list[ast.stmt]) -> list[ast.stmt]:
    """Return the statements run when the module is imported.

    Function bodies run later and ``if TYPE_CHECKING:`` never does.
    """
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                found += _import_time_nodes(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            found += _import_time_nodes(node.body + node.orelse + node.finalbody)
        elif isinstance(node, ast.ClassDef):
            found += _import_time_nodes(node.body)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node)
    return found


def _integration_imports(path: Path, *, import_time: bool = False) -> set[str]:
    """Return the integration's modules path imports, dotted from the integration.

    ``from . import name`` counts as the package itself unless name is a module.
    With ``import_time``, only the imports run when the module is imported.
    """
    here = list(path.relative_to(INTEGRATION).parent.parts)
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _import_time_nodes(tree.body) if import_time else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        elif isinstance(node, ast.ImportFrom):
            parts = here[: len(here) - (node.level - 1)]
            modules = [".".join([PACKAGE, *parts, *filter(None, [node.module])])]
        else:
            continue
        for module in modules:
            if module != PACKAGE and not module.startswith(f"{PACKAGE}."):
                continue
            base = module.removeprefix(PACKAGE).strip(".")
            names = getattr(node, "names", [])
            submodules = {
                f"{base}.{alias.name}".strip(".")
                for alias in names
                if _module_file(INTEGRATION, f"{base}.{alias.name}".strip("."))
            }
            found |= submodules or {base}
    return found


@pytest.mark.parametrize(
    "path",
    _files(INTEGRATION / "transport"),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_transports_import_no_platform_module(path: Path) -> None:
    imported = {name.split(".")[0] for name in _integration_imports(path)}

    # "" is the integration's __init__, which sets up every platform.
    assert "" not in imported
    assert not imported & PLATFORM_MODULES


def test_the_transport_seam_imports_no_transport_and_not_install() -> None:
    imported = _integration_imports(INTEGRATION / "transport" / "__init__.py")

    assert imported  # the reader sees the integration's own modules
    assert not {name for name in imported if name.startswith("transport")}
    assert "install" not in imported


def test_the_glue_reaches_the_transports_through_the_factory_only() -> None:
    users = {
        str(path.relative_to(INTEGRATION))
        for path in _files(INTEGRATION)
        if path.parent != INTEGRATION / "transport"
        and {"transport.arduino_ota", "transport.web_updater"}
        & _integration_imports(path)
    }

    assert users == set()


GLUE_ROOT_FILES = {
    "__init__.py",
    "diagnostics.py",
    *(f"{p}.py" for p in PLATFORM_MODULES),
}


@pytest.mark.parametrize(
    "path",
    [
        path
        for path in _files(INTEGRATION)
        if not (path.parent == INTEGRATION and path.name in GLUE_ROOT_FILES)
    ],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_module_below_the_platforms_imports_a_platform_or_the_setup(
    path: Path,
) -> None:
    """Platforms and the set-up sit on top: nothing they use imports them back.

    (The pull update behaviour is a mixin ``update.py`` puts in front of its
    entity, so ``pull/`` never needs the platform.)
    """
    imported = {name.split(".")[0] for name in _integration_imports(path)}

    assert "" not in imported
    assert not imported & PLATFORM_MODULES


def test_the_pull_package_uses_no_transport_and_no_push_install() -> None:
    """Pull boards fetch their image: the pull server never pushes one.

    It may use the seam's helpers (``percent``), not a transport.
    """
    imported = set().union(
        *(_integration_imports(path) for path in _files(INTEGRATION / "pull"))
    )

    assert "transport" in imported  # the reader sees the seam's helpers
    assert not {name for name in imported if name.startswith("transport.")}
    assert "install" not in imported


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(INTEGRATION).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycle() -> None:
    """Importing any module never comes back to a module still being imported."""
    graph = {
        _module_of(path): _integration_imports(path, import_time=True)
        for path in _files(INTEGRATION)
    }
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        for needed in sorted(graph.get(module, ())):
            if needed in path:
                cycles.append([*path[path.index(needed) :], needed])
            elif needed not in done:
                visit(needed, [*path, needed])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])

    assert graph[""]  # the reader sees the set-up's imports
    assert cycles == []
