"""Which placeholders the integration's code passes for each translated text.

Read from the source by its syntax tree, so a text can be checked against the
code without running every flow: form and menu steps (``step_id`` with
``description_placeholders``), aborts (``reason``), form errors (the
placeholders of the form that shows them), exceptions and repair issues
(``translation_key`` with ``translation_placeholders``), and the helpers that
build those (``_error(key, **placeholders)``). A value the tree cannot tell
(placeholders taken from another exception) is reported as unknown, so the test
that uses this module names it instead of passing silently.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

KWARGS: Final = "**"
"""Marker: the keyword arguments of the enclosing helper's callers."""
UNKNOWN: Final = "?"
"""Marker: keys the syntax tree cannot tell."""


@dataclass
class Sites:
    """Placeholder keys per translation path, e.g. ``options.step.upload``."""

    keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    menus: set[str] = field(default_factory=set)
    """Paths of steps shown as menus (``config.step.x``)."""


class _Module:
    """One module: its functions and its ``self.x = {...}`` dictionaries."""

    def __init__(
        self,
        tree: ast.Module,
        functions: dict[str, ast.FunctionDef],
        constants: dict[str, str],
    ) -> None:
        self.tree = tree
        self.functions = functions
        self.constants = constants
        self.attributes: dict[str, set[str]] = defaultdict(set)
        self.tables: dict[str, list[str]] = {}
        for item in tree.body:
            if isinstance(item, ast.AnnAssign | ast.Assign) and isinstance(
                item.value, ast.Dict
            ):
                target = (
                    item.target if isinstance(item, ast.AnnAssign) else item.targets[0]
                )
                self.tables[getattr(target, "id", "")] = [
                    value for entry in item.value.values for value in _constants(entry)
                ]
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(
                        node.value, ast.Dict
                    ):
                        self.attributes[target.attr] |= self.literal_keys(node.value)

    def literal_keys(self, node: ast.Dict) -> set[str]:
        """Keys written as strings or as the package's string constants."""
        keys = set()
        for key in node.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            elif isinstance(key, ast.Name):
                keys.add(self.constants.get(key.id, UNKNOWN))
        return keys


class _Resolver:
    """Tell the keys of a placeholders expression inside one function."""

    def __init__(self, module: _Module, function: ast.FunctionDef | None) -> None:
        self.module = module
        self.function = function

    def keys(self, node: ast.expr | None) -> set[str]:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return set()
        if isinstance(node, ast.Dict):
            found = self.module.literal_keys(node)
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    found |= self.keys(value)
            return found
        if isinstance(node, ast.DictComp):
            return {KWARGS}
        if isinstance(node, ast.BoolOp):
            return set().union(*(self.keys(value) for value in node.values))
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute) and node.attr in self.module.attributes:
            return set(self.module.attributes[node.attr])
        if isinstance(node, ast.Attribute) and node.attr == "translation_placeholders":
            # Another exception's placeholders, shown on a form: the test checks
            # the keys of those exceptions (staging_error) itself.
            return set()
        if isinstance(node, ast.Call):
            return self._call(node)
        return {UNKNOWN}

    def candidates(self, node: ast.expr | None) -> list[str]:
        """Return the strings a translation key expression can be."""
        if node is None:
            return []
        if isinstance(node, ast.Await):
            return self.candidates(node.value)
        if isinstance(node, ast.Name) and self.function is not None:
            found = []
            for item in ast.walk(self.function):
                if isinstance(item, ast.Assign | ast.NamedExpr):
                    targets = (
                        item.targets if isinstance(item, ast.Assign) else [item.target]
                    )
                    if any(
                        isinstance(t, ast.Name) and t.id == node.id for t in targets
                    ):
                        found += self.candidates(item.value)
            return found
        if isinstance(node, ast.Call):
            return self._call_candidates(node)
        return _constants(node)

    def _call_candidates(self, node: ast.Call) -> list[str]:
        """``TABLE.get(x, "default")`` and ``async_add_executor_job(check)``."""
        name = _call_name(node)
        if name == "get" and isinstance(node.func, ast.Attribute):
            table = self.module.tables.get(getattr(node.func.value, "id", ""), [])
            return [*table, *(_constants(node.args[1]) if len(node.args) > 1 else [])]
        if name == "async_add_executor_job" and isinstance(node.args[0], ast.Name):
            function = self.module.functions.get(node.args[0].id)
            if function is not None:
                return [
                    value
                    for ret in ast.walk(function)
                    if isinstance(ret, ast.Return)
                    for value in _constants(ret.value)
                ]
        return []

    def _name(self, name: str) -> set[str]:
        if self.function is None:
            return {UNKNOWN}
        if self.function.args.kwarg and self.function.args.kwarg.arg == name:
            return {KWARGS}
        found: set[str] = set()
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    found |= self.keys(node.value)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == name
            ):
                found |= self.keys(node.args[0])
        return found or {UNKNOWN}

    def _call(self, node: ast.Call) -> set[str]:
        name = _call_name(node)
        if name == "dict" and len(node.args) == 1:
            return self.keys(node.args[0])
        function = self.module.functions.get(name or "")
        if function is None:
            return {UNKNOWN}
        returned = [
            ret.value
            for ret in ast.walk(function)
            if isinstance(ret, ast.Return) and ret.value is not None
        ]
        inner = _Resolver(self.module, function)
        return set().union(*(inner.keys(value) for value in returned))


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _constants(node: ast.expr | None) -> list[str]:
    """Return the strings an expression can be: a constant or either branch."""
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    value = _constant(node)
    return [value] if value is not None else []


def collect(package: Path) -> Sites:
    """Read every module of the package (not its sub-packages' protocol code)."""
    sites = Sites()
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(package.glob("*.py"))
    }
    constants: dict[str, str] = {}
    everywhere: dict[str, ast.FunctionDef] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.AnnAssign | ast.Assign) and (
                value := _constant(node.value)
            ):
                target = (
                    node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
                )
                if isinstance(target, ast.Name):
                    constants[target.id] = value
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                everywhere[node.name] = node  # type: ignore[assignment]
    classes: dict[str, set[str]] = {}
    for tree in trees.values():
        classes |= _class_helpers(_Module(tree, everywhere, constants))
    for path, tree in trees.items():
        functions = {
            node.name: node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        # A module's own functions first, then the package's top-level ones.
        module = _Module(tree, {**everywhere, **functions}, constants)  # type: ignore[dict-item]
        flow = "options" if path.name == "options_flow.py" else "config"
        helpers = _helpers(module) | classes
        for function in functions.values():
            _collect_function(sites, module, function, flow, helpers)  # type: ignore[arg-type]
    return sites


def _helpers(module: _Module) -> dict[str, set[str]]:
    """Functions that take a translation key first and placeholders as **kwargs."""
    helpers: dict[str, set[str]] = {}
    for name, function in module.functions.items():
        if function.args.kwarg is None:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _keyword(node, "translation_key"):
                placeholders = _keyword(node, "translation_placeholders")
                helpers[name] = _Resolver(module, function).keys(placeholders)
    return helpers


def _class_helpers(module: _Module) -> dict[str, set[str]]:
    """Classes whose __init__ is such a helper: ``NoticeText("key", name=...)``."""
    helpers: dict[str, set[str]] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    resolver = _Resolver(module, item)
                    for call in ast.walk(item):
                        if isinstance(call, ast.Call) and _keyword(
                            call, "translation_key"
                        ):
                            placeholders = _keyword(call, "translation_placeholders")
                            helpers[node.name] = resolver.keys(placeholders)
    return helpers


def _collect_function(
    sites: Sites,
    module: _Module,
    function: ast.FunctionDef,
    flow: str,
    helpers: dict[str, set[str]],
) -> None:
    resolver = _Resolver(module, function)
    form_keys: set[str] = set()
    form_errors: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _is_errors_item(node):
            form_errors.update(_constants(node.value))
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in ("async_show_form", "async_show_menu"):
            step = _constant(_keyword(node, "step_id"))
            keys = resolver.keys(_keyword(node, "description_placeholders"))
            form_keys |= keys
            sites.keys[f"{flow}.step.{step}"] |= keys
            if name == "async_show_menu":
                sites.menus.add(f"{flow}.step.{step}")
        elif name == "async_abort":
            keys = resolver.keys(_keyword(node, "description_placeholders"))
            for reason in _constants(_keyword(node, "reason")):
                sites.keys[f"{flow}.abort.{reason}"] |= keys
        elif name == "async_create_issue" or (name or "").endswith("Error"):
            keys = resolver.keys(_keyword(node, "translation_placeholders"))
            section = "issues" if name == "async_create_issue" else "exceptions"
            for key in resolver.candidates(_keyword(node, "translation_key")):
                if KWARGS not in keys:
                    sites.keys[f"{section}.{key}"] |= keys
        elif name in helpers and node.args:
            for key in resolver.candidates(node.args[0]):
                keys = _call_keys(resolver, node, helpers[name])
                sites.keys[f"exceptions.{key}"] |= keys
    for error in form_errors:
        sites.keys[f"{flow}.error.{error}"] |= form_keys


def _is_errors_item(node: ast.Assign) -> bool:
    target = node.targets[0]
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == "errors"
    )


def _call_keys(resolver: _Resolver, node: ast.Call, helper: set[str]) -> set[str]:
    """Keys a helper call passes: the helper's own plus the call's keywords."""
    keys = helper - {KWARGS}
    for keyword in node.keywords:
        if keyword.arg is not None:
            keys.add(keyword.arg)
        else:
            keys |= resolver.keys(keyword.value)
    return keys
