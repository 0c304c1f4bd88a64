"""Tell, from the syntax tree, the strings and placeholder keys an expression holds.

Rules: a placeholders expression resolves to the set of keys it can hold; keys
the tree cannot tell are ``UNKNOWN``; the enclosing function's ``**kwargs`` is
``KWARGS`` and one of its named parameters is ``PARAM + name`` (both are filled
in at the call sites of a helper, see placeholder_sites.py). A translation key
expression resolves to the strings it can be: constants, either branch of an
``if``, local variables, module constants, ``TABLE.get(x, "default")``, the
constants a function run in the executor returns, and f-strings whose fields
are a class attribute (``f"source_{err.key}"``: every ``key`` of the class
``err`` is declared or caught as, and of its subclasses). At module level (an
error table's rows), a lambda is its body and the name of a module-level
function is what that function returns.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import product
from typing import Final

KWARGS: Final = "**"
"""Marker: the keyword arguments of the enclosing helper's callers."""
UNKNOWN: Final = "?"
"""Marker: keys the syntax tree cannot tell."""
PARAM: Final = "@"
"""Prefix marker: the keys of the named argument of the enclosing helper."""

Function = ast.FunctionDef | ast.AsyncFunctionDef


def untold(keys: set[str]) -> bool:
    """Return whether a site's keys still hold a marker (not fully traced)."""
    return any(key in (UNKNOWN, KWARGS) or key.startswith(PARAM) for key in keys)


class Package:
    """What every module shares: string constants and class attributes."""

    def __init__(self, trees: list[ast.Module]) -> None:
        """Read the module-level constants, functions and classes."""
        self.constants: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.bases: dict[str, list[str]] = {}
        self.class_strings: dict[str, dict[str, list[str]]] = {}
        for tree in trees:
            for node in tree.body:
                target, value = _assignment(node)
                if isinstance(target, ast.Name) and (text := constant(value)):
                    self.constants[target.id] = text
                if isinstance(node, Function):
                    self.functions[node.name] = node
            for item in ast.walk(tree):
                if isinstance(item, ast.ClassDef):
                    self._add_class(item)

    def _add_class(self, node: ast.ClassDef) -> None:
        self.bases[node.name] = [_name_of(base) for base in node.bases]
        strings = self.class_strings.setdefault(node.name, {})
        for item in node.body:
            target, value = _assignment(item)
            if isinstance(target, ast.Name) and (text := constant(value)):
                strings.setdefault(target.id, []).append(text)

    def attribute_strings(self, classes: list[str], attr: str) -> list[str]:
        """Return the strings ``attr`` is set to in the classes and subclasses."""
        if not classes:  # type unknown: every class that sets it
            classes = list(self.class_strings)
        wanted, found = set(classes), []
        changed = True
        while changed:
            more = {n for n, bases in self.bases.items() if wanted & set(bases)}
            changed = not more <= wanted
            wanted |= more
        for name in sorted(wanted):
            found += self.class_strings.get(name, {}).get(attr, [])
        return found


class Module:
    """One module: its functions, tables and ``self.x = {...}`` dictionaries."""

    def __init__(self, tree: ast.Module, package: Package) -> None:
        """Read the module's functions, tables and attribute dictionaries."""
        self.tree = tree
        self.package = package
        self.constants = package.constants
        own = {n.name: n for n in ast.walk(tree) if isinstance(n, Function)}
        self.functions: dict[str, Function] = {**package.functions, **own}
        self.attributes: dict[str, set[str]] = defaultdict(set)
        self.tables: dict[str, list[str]] = {}
        for item in tree.body:
            target, value = _assignment(item)
            if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
                self.tables[target.id] = [s for v in value.values for s in constants(v)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                for target in _targets(node):
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


class Resolver:
    """Tell the keys or strings of an expression inside one function."""

    def __init__(self, module: Module, function: Function | None) -> None:
        """Resolve inside ``function`` (None: at module level)."""
        self.module = module
        self.function = function

    def params(self) -> list[str]:
        """Named parameters callers pass by position (without self/cls)."""
        if self.function is None:
            return []
        args = self.function.args
        names = [a.arg for a in (*args.posonlyargs, *args.args)]
        return names[1:] if names[:1] in (["self"], ["cls"]) else names

    def keys(self, node: ast.expr | None) -> set[str]:
        """Return the keys a placeholders expression can hold."""
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return set()
        if isinstance(node, ast.Dict):
            found = self.module.literal_keys(node)
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    found |= self.keys(value)
            return found
        if isinstance(node, ast.DictComp):
            # {k: str(v) for k, v in placeholders.items()}: that mapping's keys.
            source = node.generators[0].iter
            if isinstance(source, ast.Call) and call_name(source) == "items":
                source = getattr(source.func, "value", source)
            return self.keys(source) if isinstance(source, ast.Name) else {UNKNOWN}
        if isinstance(node, ast.BoolOp):
            return set().union(*(self.keys(value) for value in node.values))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.keys(node.left) | self.keys(node.right)
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
        if isinstance(node, ast.Lambda):
            return self.keys(node.body)
        return {UNKNOWN}

    def _name(self, name: str) -> set[str]:
        if self.function is None:
            function = self.module.functions.get(name)
            if function is None:
                return {UNKNOWN}
            # A function given by name: the keys it returns.
            inner = Resolver(self.module, function)
            return set().union(*(inner.keys(value) for value in _returned(function)))
        if self.function.args.kwarg and self.function.args.kwarg.arg == name:
            return {KWARGS}
        found: set[str] = set()
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in _targets(node):
                    if isinstance(target, ast.Name) and target.id == name:
                        found |= self.keys(node.value)
                    elif _is_item_of(target, name):
                        # placeholders["detail"] = ...
                        found |= set(self.strings(target.slice))  # type: ignore[attr-defined]
            if _method_of(node, name, "update"):
                found |= self._dict_call(node)  # type: ignore[arg-type]
            if (
                isinstance(node, ast.AugAssign)
                and isinstance(node.op, ast.BitOr)
                and isinstance(node.target, ast.Name)
                and node.target.id == name
            ):
                found |= self.keys(node.value)
        if not found and name in self.params():
            return {PARAM + name}
        return found or {UNKNOWN}

    def _call(self, node: ast.Call) -> set[str]:
        name = call_name(node)
        if name == "dict":
            return self._dict_call(node)
        function = self.module.functions.get(name or "")
        if function is None:
            return {UNKNOWN}
        inner = Resolver(self.module, function)
        return set().union(*(inner.keys(value) for value in _returned(function)))

    def _dict_call(self, node: ast.Call) -> set[str]:
        """``dict(mapping, key=...)`` and ``mapping.update(other, key=...)``."""
        found = set().union(*(self.keys(arg) for arg in node.args))
        for item in node.keywords:
            found |= {item.arg} if item.arg else self.keys(item.value)
        return found

    def strings(self, node: ast.expr | None) -> list[str]:
        """Return the strings a translation key expression can be."""
        if node is None:
            return []
        if isinstance(node, ast.Await):
            return self.strings(node.value)
        if isinstance(node, ast.IfExp):
            return self.strings(node.body) + self.strings(node.orelse)
        if isinstance(node, ast.Lambda):
            return self.strings(node.body)
        if isinstance(node, ast.Name) and self.function is None:
            return self._function_strings(node.id)
        if isinstance(node, ast.Name):
            return self._local_strings(node.id)
        if isinstance(node, ast.Call):
            return self._call_strings(node)
        if isinstance(node, ast.JoinedStr):
            return self._formatted(node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            classes = self._narrowed(node) or self._type_of(node.value.id)
            return self.module.package.attribute_strings(classes, node.attr)
        return constants(node)

    def _function_strings(self, name: str) -> list[str]:
        """At module level: a constant, or the strings a named function returns."""
        function = self.module.functions.get(name)
        if function is None:
            return (
                [self.module.constants[name]] if name in self.module.constants else []
            )
        inner = Resolver(self.module, function)
        return [text for value in _returned(function) for text in inner.strings(value)]

    def _local_strings(self, name: str) -> list[str]:
        found = []
        if self.function is not None:
            for item in ast.walk(self.function):
                if isinstance(item, ast.Assign | ast.NamedExpr):
                    targets = (
                        item.targets if isinstance(item, ast.Assign) else [item.target]
                    )
                    if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                        found += self.strings(item.value)
        if not found and name in self.module.constants:
            return [self.module.constants[name]]
        return found

    def _formatted(self, node: ast.JoinedStr) -> list[str]:
        parts: list[list[str]] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                parts.append(self.strings(value.value))
            else:
                parts.append(constants(value))
        return ["".join(combination) for combination in product(*parts)]

    def _narrowed(self, node: ast.Attribute) -> list[str]:
        """Classes of ``if isinstance(name, A | B):`` around ``name.attr``."""
        name = getattr(node.value, "id", "")
        found: list[str] = []
        for test in ast.walk(self.function) if self.function else []:
            if not (
                isinstance(test, ast.If)
                and isinstance(test.test, ast.Call)
                and call_name(test.test) == "isinstance"
                and getattr(test.test.args[0], "id", None) == name
                and any(node is n for s in test.body for n in ast.walk(s))
            ):
                continue
            kinds = [test.test.args[1]]
            while any(isinstance(k, ast.BinOp | ast.Tuple) for k in kinds):
                kinds = [
                    part
                    for k in kinds
                    for part in (
                        [k.left, k.right]
                        if isinstance(k, ast.BinOp)
                        else k.elts
                        if isinstance(k, ast.Tuple)
                        else [k]
                    )
                ]
            found = [_name_of(kind) for kind in kinds]
        return found

    def _type_of(self, name: str) -> list[str]:
        """Classes a name is annotated with or caught as in this function."""
        if self.function is None:
            return []
        args = self.function.args
        found = [
            _name_of(arg.annotation)
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs)
            if arg.arg == name and arg.annotation is not None
        ]
        for node in ast.walk(self.function):
            if isinstance(node, ast.ExceptHandler) and node.name == name and node.type:
                kinds = (
                    node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                )
                found += [_name_of(kind) for kind in kinds]
        return found

    def _call_strings(self, node: ast.Call) -> list[str]:
        """``TABLE.get(x, "default")`` and ``async_add_executor_job(check)``."""
        name = call_name(node)
        if name == "get" and isinstance(node.func, ast.Attribute):
            table = self.module.tables.get(getattr(node.func.value, "id", ""), [])
            return [*table, *(constants(node.args[1]) if len(node.args) > 1 else [])]
        if name == "async_add_executor_job" and isinstance(node.args[0], ast.Name):
            function = self.module.functions.get(node.args[0].id)
            if function is not None:
                return [s for value in _returned(function) for s in constants(value)]
        return []


def _returned(function: Function) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and node.value is not None
    ]


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _assignment(node: ast.stmt) -> tuple[ast.expr | None, ast.expr | None]:
    if isinstance(node, ast.Assign):
        return node.targets[0], node.value
    if isinstance(node, ast.AnnAssign):
        return node.target, node.value
    return None, None


def _is_item_of(target: ast.expr, name: str) -> bool:
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == name
    )


def _method_of(node: ast.AST, name: str, method: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
    )


def _name_of(node: ast.expr) -> str:
    """``Name`` or ``module.Name`` or ``"Name"`` as written in an annotation."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return getattr(node, "id", "")


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def constants(node: ast.expr | None) -> list[str]:
    """Return the strings an expression can be: a constant or either branch."""
    if isinstance(node, ast.IfExp):
        return constants(node.body) + constants(node.orelse)
    value = constant(node)
    return [value] if value is not None else []
