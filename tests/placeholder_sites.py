"""Which placeholders the integration's code passes for each translated text.

Read from the source by its syntax tree (every module of the package and of its
sub-packages), so a text can be checked against the code without running every
flow: form and menu steps (``step_id`` with ``description_placeholders``),
aborts (``reason``), form errors (the placeholders of the form that shows them),
exceptions and repair issues (``translation_key`` with
``translation_placeholders``; a call that passes ``translation_domain`` too builds
a translated exception whatever its class is called, as
``transport.translated_error`` does with the class it is given), and the rows of
a transport's error table (``Translation(key=..., placeholders=...)``, shown by
``transport.translate_error``, which adds the board). Helpers are followed wherever their translation
key is one of their parameters: ``_error(key, **placeholders)``,
``NoticeText(key, **placeholders)``, ``_report(hass, store, translation_key,
**placeholders)``, and helpers that call helpers (``_async_notify(path, key,
err, **extra)``); a call site of a helper gives the key (by position or by
keyword) and fills the helper's ``**kwargs`` and named-parameter placeholders
with its own arguments. Expressions are resolved in placeholder_resolve.py. A
value the tree cannot tell is reported as unknown (see ``untold``), so the test
that uses this module names it instead of passing silently.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .placeholder_resolve import (
    KWARGS,
    PARAM,
    UNKNOWN,
    Function,
    Module,
    Package,
    Resolver,
    call_name,
    keyword,
    untold,
)

__all__ = ["KWARGS", "UNKNOWN", "Sites", "collect", "untold"]

_ISSUE_CALLS = ("async_create_issue", "create_issue")
_TABLE_ROW = "Translation"
"""A row of a transport's error table (transport/__init__.py)."""
_TABLE_ADDS: frozenset[str] = frozenset({"board"})
"""What ``translate_error`` passes besides a row's placeholders."""
_FLOW_CALLS = {
    "async_show_form": ("step", "step_id"),
    "async_show_menu": ("step", "step_id"),
    "async_abort": ("abort", "reason"),
}


@dataclass
class Sites:
    """Placeholder keys per translation path, e.g. ``options.step.upload``."""

    keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    menus: set[str] = field(default_factory=set)
    """Paths of steps shown as menus (``config.step.x``)."""


@dataclass(frozen=True)
class Helper:
    """A function (or class) that names a text by one of its parameters."""

    section: str
    """``exceptions`` or ``issues``."""
    param: str
    """The parameter that takes the text's key."""
    positional: tuple[str, ...]
    """Parameters callers may pass by position (self dropped)."""
    keys: frozenset[str]
    named: frozenset[str]
    """Every named parameter: keywords callers pass that are not placeholders."""


@dataclass(frozen=True)
class _Unit:
    """A function with its module and the flow its steps belong to."""

    name: str
    """The name callers use: the function's, or the class's for ``__init__``."""
    function: Function
    module: Module
    flow: str


def collect(package: Path) -> Sites:
    """Read every module of the package and its sub-packages."""
    paths = sorted(package.rglob("*.py"))
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    shared = Package(list(trees.values()))
    units = [
        unit
        for path, tree in trees.items()
        for unit in _units(path, Module(tree, shared))
    ]
    helpers = _helpers(units)
    sites = Sites()
    for unit in units:
        _collect_function(sites, unit, helpers)
    for tree in trees.values():
        _collect_table_rows(sites, Module(tree, shared))
    return sites


def _collect_table_rows(sites: Sites, module: Module) -> None:
    """Every ``Translation(...)`` row of the module, wherever it is written."""
    resolver = Resolver(module, None)
    for call in ast.walk(module.tree):
        if isinstance(call, ast.Call) and call_name(call) == _TABLE_ROW:
            keys = resolver.keys(keyword(call, "placeholders")) | _TABLE_ADDS
            for text in resolver.strings(keyword(call, "key")):
                sites.keys[f"exceptions.{text}"] |= keys


def _units(path: Path, module: Module) -> list[_Unit]:
    """Every function of a module, with the flow of its class (or its file)."""
    default = "options" if "options" in path.stem else "config"
    units: list[_Unit] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ClassDef):
            bases = " ".join(ast.unparse(base) for base in node.bases)
            flow = (
                "options"
                if "OptionsFlow" in bases
                else "config"
                if "ConfigFlow" in bases
                else default
            )
            for item in node.body:
                if isinstance(item, Function):
                    name = node.name if item.name == "__init__" else item.name
                    units.append(_Unit(name, item, module, flow))
    methods = {id(unit.function) for unit in units}
    units.extend(
        _Unit(node.name, node, module, default)
        for node in ast.walk(module.tree)
        if isinstance(node, Function) and id(node) not in methods
    )
    return units


class _Helpers:
    """Helpers by the name callers use; a module's own come first."""

    def __init__(self) -> None:
        self.by_unit: dict[int, tuple[_Unit, Helper]] = {}

    def find(self, name: str, module: Module) -> list[Helper]:
        found = [(u, h) for u, h in self.by_unit.values() if u.name == name]
        own = [h for u, h in found if u.module is module]
        return own or [h for _, h in found]


def _helpers(units: list[_Unit]) -> _Helpers:
    """Find helpers until none changes: a helper may call another helper."""
    helpers = _Helpers()
    changed = True
    while changed:
        changed = False
        for unit in units:
            helper = _helper(unit, helpers)
            if helper is not None and helpers.by_unit.get(id(unit.function)) != (
                unit,
                helper,
            ):
                helpers.by_unit[id(unit.function)] = (unit, helper)
                changed = True
    return helpers


def _helper(unit: _Unit, helpers: _Helpers) -> Helper | None:
    """Return the unit as a helper if a text's key is one of its parameters."""
    resolver = Resolver(unit.module, unit.function)
    params = resolver.params()
    args = unit.function.args
    named = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    found: Helper | None = None
    for call in ast.walk(unit.function):
        if not isinstance(call, ast.Call):
            continue
        for section, key, passed in _key_sites(resolver, call, helpers, unit.flow):
            if isinstance(key, ast.Name) and key.id in params:
                keys = passed | (found.keys if found is not None else set())
                found = Helper(
                    section, key.id, tuple(params), frozenset(keys), frozenset(named)
                )
    return found


def _key_sites(
    resolver: Resolver, call: ast.Call, helpers: _Helpers, flow: str
) -> list[tuple[str, ast.expr | None, set[str]]]:
    """Return (section, key expression, placeholder keys) of the texts a call shows."""
    name = call_name(call) or ""
    shown = _FLOW_CALLS.get(name)
    if shown is not None:
        section, key_name = shown
        placeholders = resolver.keys(keyword(call, "description_placeholders"))
        return [(f"{flow}.{section}", keyword(call, key_name), placeholders)]
    key = keyword(call, "translation_key")
    if key is not None and (
        name in _ISSUE_CALLS
        or name.endswith(("Error", "Exception", "__init__"))
        or keyword(call, "translation_domain") is not None
    ):
        section = "issues" if name in _ISSUE_CALLS else "exceptions"
        return [
            (section, key, resolver.keys(keyword(call, "translation_placeholders")))
        ]
    return [
        (
            helper.section,
            _argument(call, helper, helper.param),
            _call_keys(resolver, call, helper),
        )
        for helper in helpers.find(name, resolver.module)
    ]


def _argument(call: ast.Call, helper: Helper, param: str) -> ast.expr | None:
    """Return the argument a helper call passes for one of its parameters."""
    found = keyword(call, param)
    if found is None and param in helper.positional:
        index = helper.positional.index(param)
        if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
            found = call.args[index]
    return found


def _call_keys(resolver: Resolver, call: ast.Call, helper: Helper) -> set[str]:
    """Keys a helper call passes: the helper's own plus the call's arguments."""
    keys = {key for key in helper.keys if key != KWARGS and not key.startswith(PARAM)}
    for marker in helper.keys - keys:
        if marker.startswith(PARAM):
            # A named parameter that is a placeholders mapping: its argument.
            param = marker.removeprefix(PARAM)
            argument = _argument(call, helper, param)
            keys |= resolver.keys(argument) if argument is not None else {UNKNOWN}
    if KWARGS in helper.keys:
        for item in call.keywords:
            if item.arg is None:
                keys |= resolver.keys(item.value)
            elif item.arg not in helper.named:
                keys.add(item.arg)
    return keys


def _collect_function(sites: Sites, unit: _Unit, helpers: _Helpers) -> None:
    resolver = Resolver(unit.module, unit.function)
    form_keys: set[str] = set()
    form_errors: set[str] = set()
    for node in ast.walk(unit.function):
        if isinstance(node, ast.Assign) and _is_errors_item(node):
            form_errors.update(resolver.strings(node.value))
        if not isinstance(node, ast.Call):
            continue
        for section, key, keys in _key_sites(resolver, node, helpers, unit.flow):
            if section.endswith(".step"):
                form_keys |= keys  # the errors this function sets show on it
            if isinstance(key, ast.Name) and key.id in resolver.params():
                continue  # a helper: its call sites name the text
            for text in resolver.strings(key):
                sites.keys[f"{section}.{text}"] |= keys
                if call_name(node) == "async_show_menu":
                    sites.menus.add(f"{section}.{text}")
    for error in form_errors:
        sites.keys[f"{unit.flow}.error.{error}"] |= form_keys


def _is_errors_item(node: ast.Assign) -> bool:
    target = node.targets[0]
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == "errors"
    )
