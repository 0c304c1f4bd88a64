"""A small checker of ICU MessageFormat syntax, as Home Assistant's frontend parses it.

The frontend formats translations with FormatJS (formatjs/formatjs,
packages/icu-messageformat-parser/parser.ts); a text it cannot parse is shown
as "Translation error: <KIND>". This follows that parser for what translations
use: literal text, apostrophe quoting (``''`` is one apostrophe; an apostrophe
before ``{`` ``}`` ``<`` or, inside plural, ``#`` quotes up to the next one),
``{name}`` arguments, ``{name, number|date|time[, style]}``,
``{name, plural|selectordinal|select, [offset:n] key {message} ... other {...}}``,
and tags: ``<`` before a letter opens a tag (hassfest forbids HTML in
translations, so any tag is an error here), ``</`` is an unmatched closing tag.
"""

from __future__ import annotations

import re
from typing import Final

_NAME: Final = re.compile(r"[^\s{}<>#',=|~\\]+")
_SIMPLE_TYPES: Final = frozenset({"number", "date", "time"})
_PLURAL_TYPES: Final = frozenset({"plural", "selectordinal"})
_SELECTOR: Final = re.compile(r"=\d+|[^\s{}]+")


class IcuSyntaxError(ValueError):
    """The text is not valid ICU MessageFormat; ``kind`` names the error."""

    def __init__(self, kind: str, position: int) -> None:
        """Name the error as FormatJS does, with where it was found."""
        super().__init__(f"{kind} at {position}")
        self.kind = kind


def check(text: str) -> list[str]:
    """Return the argument names of a text; raise IcuSyntaxError if invalid."""
    parser = _Parser(text)
    end = parser.message(0, nested=False, plural=False)
    if end != len(text):
        raise IcuSyntaxError("UNMATCHED_CLOSING_BRACE", end)
    return parser.arguments


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.arguments: list[str] = []

    def message(self, i: int, *, nested: bool, plural: bool) -> int:
        """Parse until the end, or a closing brace when nested; return its index."""
        text = self.text
        while i < len(text):
            char = text[i]
            if char == "'":
                i = self._apostrophe(i, plural=plural)
            elif char == "{":
                i = self._argument(i + 1)
            elif char == "}":
                if nested:
                    return i
                raise IcuSyntaxError("UNMATCHED_CLOSING_BRACE", i)
            elif char == "<" and i + 1 < len(text) and text[i + 1] == "/":
                raise IcuSyntaxError("UNMATCHED_CLOSING_TAG", i)
            elif char == "<" and i + 1 < len(text) and text[i + 1].isalpha():
                raise IcuSyntaxError("UNCLOSED_TAG", i)
            else:
                i += 1
        if nested:
            raise IcuSyntaxError("EXPECT_ARGUMENT_CLOSING_BRACE", i)
        return i

    def _apostrophe(self, i: int, *, plural: bool) -> int:
        text = self.text
        following = text[i + 1] if i + 1 < len(text) else ""
        if following == "'":
            return i + 2
        if following not in ("{", "}", "<") and not (plural and following == "#"):
            return i + 1
        # A quoted literal up to the next single apostrophe ('' stays inside).
        j = i + 1
        while j < len(text):
            if text[j] == "'":
                if j + 1 < len(text) and text[j + 1] == "'":
                    j += 2
                    continue
                return j + 1
            j += 1
        return j

    def _skip_space(self, i: int) -> int:
        while i < len(self.text) and self.text[i].isspace():
            i += 1
        return i

    def _argument(self, i: int) -> int:
        text = self.text
        i = self._skip_space(i)
        if i >= len(text):
            raise IcuSyntaxError("EXPECT_ARGUMENT_CLOSING_BRACE", i)
        if text[i] == "}":
            raise IcuSyntaxError("EMPTY_ARGUMENT", i)
        match = _NAME.match(text, i)
        if match is None:
            raise IcuSyntaxError("MALFORMED_ARGUMENT", i)
        self.arguments.append(match.group())
        i = self._skip_space(match.end())
        if i < len(text) and text[i] == "}":
            return i + 1
        if i >= len(text) or text[i] != ",":
            raise IcuSyntaxError("MALFORMED_ARGUMENT", i)
        i = self._skip_space(i + 1)
        kind = re.match(r"[a-z]+", text[i:])
        if kind is None:
            raise IcuSyntaxError("EXPECT_ARGUMENT_TYPE", i)
        i = self._skip_space(i + kind.end())
        if kind.group() in _SIMPLE_TYPES:
            return self._simple_style(i)
        if kind.group() in _PLURAL_TYPES or kind.group() == "select":
            return self._options(i, plural=kind.group() in _PLURAL_TYPES)
        raise IcuSyntaxError("INVALID_ARGUMENT_TYPE", i)

    def _simple_style(self, i: int) -> int:
        text = self.text
        if i < len(text) and text[i] == ",":
            end = text.find("}", i)
            if end < 0 or not text[i + 1 : end].strip():
                raise IcuSyntaxError("EXPECT_ARGUMENT_STYLE", i)
            return end + 1
        if i < len(text) and text[i] == "}":
            return i + 1
        raise IcuSyntaxError("EXPECT_ARGUMENT_CLOSING_BRACE", i)

    def _options(self, i: int, *, plural: bool) -> int:
        text = self.text
        if i >= len(text) or text[i] != ",":
            raise IcuSyntaxError("EXPECT_SELECT_ARGUMENT_OPTIONS", i)
        i = self._skip_space(i + 1)
        if plural and text.startswith("offset:", i):
            offset = re.match(r"offset:\s*\d+", text[i:])
            if offset is None:
                raise IcuSyntaxError("INVALID_PLURAL_ARGUMENT_OFFSET_VALUE", i)
            i = self._skip_space(i + offset.end())
        selectors: set[str] = set()
        while i < len(text) and text[i] != "}":
            selector = _SELECTOR.match(text, i)
            if selector is None:
                raise IcuSyntaxError("EXPECT_SELECT_ARGUMENT_SELECTOR", i)
            if selector.group() in selectors:
                raise IcuSyntaxError("DUPLICATE_SELECT_ARGUMENT_SELECTOR", i)
            selectors.add(selector.group())
            i = self._skip_space(selector.end())
            if i >= len(text) or text[i] != "{":
                raise IcuSyntaxError("EXPECT_SELECT_ARGUMENT_SELECTOR_FRAGMENT", i)
            i = self.message(i + 1, nested=True, plural=plural) + 1
            i = self._skip_space(i)
        if i >= len(text):
            raise IcuSyntaxError("EXPECT_ARGUMENT_CLOSING_BRACE", i)
        if "other" not in selectors:
            raise IcuSyntaxError("MISSING_OTHER_CLAUSE", i)
        return i + 1
