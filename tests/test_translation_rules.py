"""hassfest's translation rules and the frontend's parser, applied to every file.

The rules follow Home Assistant core's ``script/hassfest/translations.py``
(``validate_translation_value`` and ``gen_strings_schema``): no HTML-like text
(``cv.string_with_no_html``, pattern ``<[a-z].*?>``), no placeholder in single
quotes, placeholders that are identifiers and balanced braces
(``string.Formatter``), no leading or trailing spaces, no URLs, no placeholders
in entity states, attribute names or units, slug keys, and data_description
keys that are fields of the step. On top: every text must parse as ICU
MessageFormat (the frontend shows "Translation error" otherwise), and every
``{placeholder}`` must be one the code passes for that text; menu titles get
none (the frontend does not pass placeholders to a menu's title).
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import shutil
import string
from typing import Any

import pytest

from custom_components.esp_ota.firmware import (
    ChipFamily,
    EmptyImageError,
    NotAnEspImageError,
    TooLargeError,
    TruncatedImageError,
    WrongChipError,
    errors as firmware_errors,
)
from custom_components.esp_ota.source_failures import IMAGE_CAUSES
from custom_components.esp_ota.sources import errors as source_errors
from custom_components.esp_ota.staging import staging_error
from custom_components.esp_ota.store import ImageTooLargeError

from .helpers import INTEGRATION, TRANSLATION_KEY
from .icu_syntax import IcuSyntaxError, check
from .placeholder_sites import UNKNOWN, Sites, collect, untold

FILES = [INTEGRATION / "strings.json", *sorted(INTEGRATION.glob("translations/*.json"))]
IDS = [str(path.relative_to(INTEGRATION)) for path in FILES]

HTML = re.compile(r"<[a-z].*?>", re.IGNORECASE)
QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)"
    r"[a-z0-9]+([\-.][a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(/.*)?)",
    re.IGNORECASE,
)


def _texts(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Yield (dotted path, text) for every string in a translation file."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, (*path, key))
    else:
        assert isinstance(data, str), ".".join(path)
        yield ".".join(path), data


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_text_passes_hassfest_and_the_icu_parser(path: Path) -> None:
    problems = []
    for where, text in _texts(_load(path)):
        try:
            names = _placeholders(text)
            check(text)
        except (ValueError, IcuSyntaxError) as err:
            problems.append(f"{where}: {err}")
            continue
        if HTML.search(text):
            problems.append(f"{where}: looks like HTML")
        if QUOTED_PLACEHOLDER.search(text):
            problems.append(f"{where}: placeholder in single quotes")
        if not all(name.isidentifier() for name in names):
            problems.append(f"{where}: placeholder is not an identifier")
        if text != text.strip():
            problems.append(f"{where}: leading or trailing space")
        if URL.search(text) or COMBINED_REFERENCE.search(text):
            problems.append(f"{where}: URL or combined reference")
        if names and re.search(
            r"\.(state|state_attributes|unit_of_measurement)", where
        ):
            problems.append(f"{where}: placeholders are not allowed here")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_keys_are_slugs_and_field_descriptions_describe_fields(path: Path) -> None:
    data = _load(path)
    for flow in ("config", "options"):
        for step_id, step in data[flow]["step"].items():
            assert set(step.get("data_description", {})) <= set(step.get("data", {})), (
                f"{flow}.step.{step_id}"
            )
    keys = [*data["services"], *data["exceptions"], *data["issues"]]
    for selector in data["selector"].values():
        keys += selector["options"]
    for platform in data["entity"].values():
        keys += platform
    assert [key for key in keys if not TRANSLATION_KEY.match(key)] == []


def _staging_placeholders() -> dict[str, set[str]]:
    """Keys staging_error builds from the key of the error it is given."""
    errors: list[Exception] = [
        EmptyImageError(),
        NotAnEspImageError("no magic byte"),
        TruncatedImageError("the image header", 24, 3),
        WrongChipError(ChipFamily.ESP32S3, ChipFamily.ESP32),
        TooLargeError(2, 1),
        ImageTooLargeError(1),
    ]
    found: dict[str, set[str]] = {}
    for err in errors:
        translated = staging_error(err)
        assert translated.translation_key
        found[translated.translation_key] = set(
            translated.translation_placeholders or {}
        )
    return found


def _firmware_facts() -> dict[str, set[str]]:
    """Return the facts staging_error passes for each firmware_* text."""
    found: dict[str, set[str]] = {}
    for cls in vars(firmware_errors).values():
        if isinstance(cls, type) and issubclass(cls, firmware_errors.FirmwareError):
            for variant, facts in cls.variants.items():
                key = f"{cls.key}_{variant}" if variant else cls.key
                found[f"firmware_{key}"] = set(facts)
    return found


def _source_facts() -> dict[str, set[str]]:
    """Return the facts each cause of a failed source check carries."""
    found: dict[str, set[str]] = {
        cause: set(facts) for cause, facts in IMAGE_CAUSES.items()
    }
    for cls in vars(source_errors).values():
        if isinstance(cls, type) and issubclass(cls, source_errors.SourceError):
            found.setdefault(cls.cause, set()).update(cls.fact_names)
    return found


def _source_expected(where: str, facts: dict[str, set[str]]) -> set[str] | None:
    """Placeholders of a source text: its cause's facts and what its site adds.

    The code passes ``err.facts`` (sources/errors.py: each class's
    ``fact_names``, which tests/sources checks against what is raised) with
    the URL (actions), the board (the options form) or both and the count of
    failures (the repair); the syntax tree cannot tell the class.
    """
    section, name, *_ = where.split(".")
    if section == "exceptions" and name != "source_missing":
        cause, added = name.removeprefix("source_"), {"url"}
    elif where.startswith("options.error."):
        cause, added = where.split(".")[2].removeprefix("source_"), {"board"}
    elif section == "issues":
        cause = name.removeprefix("source_failing_")
        added = {"board", "url", "failures"}
    else:
        return None
    return facts[cause] | added if cause in facts else None


def _expected(sites: Sites, where: str) -> set[str] | None:
    """Placeholders the code passes for a text, or None if no site names it."""
    parts = where.split(".")
    if parts[0] in ("config", "options") and parts[1] == "step":
        return sites.keys.get(".".join(parts[:3]))
    if parts[0] in ("config", "options") and parts[1] in ("abort", "error"):
        return sites.keys.get(".".join(parts[:3]))
    if parts[0] in ("exceptions", "issues"):
        return sites.keys.get(".".join(parts[:2]))
    if where == "config.flow_title":
        return {"name"}  # context["title_placeholders"] of every discovery step
    return set()  # entity names, selectors, services: no placeholders passed


def _placeholder_problems(package: Path) -> list[str]:
    """Texts of a package whose placeholders its code does not (or not surely) pass."""
    sites = collect(package)
    staging = _staging_placeholders()
    for key, keys in staging.items():
        # Refused uploads show the exception's placeholders and the board.
        sites.keys[f"options.error.{key}"] |= keys | {"board"}
        sites.keys[f"exceptions.{key}"] |= keys
    for key in (
        "group_invalid",
        "group_empty",
        "group_nothing_staged",
        "group_source_fits_none",
    ):
        # A refused group upload or source shows the exception's placeholders
        # and the board.
        sites.keys[f"options.error.{key}"] |= sites.keys[f"exceptions.{key}"] | {
            "board"
        }
    firmware_facts = _firmware_facts()
    source_facts = _source_facts()
    if UNKNOWN in sites.keys["options.step.source"]:
        # The step's placeholders take the refused source's facts (its errors).
        sites.keys["options.step.source"] -= {UNKNOWN}
        sites.keys["options.step.source"] |= set().union(*source_facts.values())
    problems = []
    for where, text in _texts(_load(package / "strings.json")):
        used = _placeholders(text)
        if not used:
            continue
        expected = _expected(sites, where)
        if where.startswith(("exceptions.firmware_", "options.error.firmware_")):
            # staging_error: firmware_<key>[_<variant>] with the case's facts (the
            # upload form adds the board); the analyzer cannot tell the case.
            parts = where.split(".")
            facts = firmware_facts.get(
                parts[1] if parts[0] == "exceptions" else parts[2]
            )
            expected = (
                None
                if facts is None
                else facts | {"board"}
                if where.startswith("options.")
                else facts
            )
        if where.startswith(
            ("exceptions.source_", "options.error.source_", "issues.source_failing_")
        ):
            expected = _source_expected(where, source_facts)
        if expected is None or untold(expected):
            problems.append(f"{where}: no code site tells its placeholders")
        elif missing := used - expected:
            problems.append(f"{where}: {sorted(missing)} not passed by the code")
        menu_title = where.endswith(".title") and where.rsplit(".", 1)[0] in sites.menus
        if menu_title:
            problems.append(f"{where}: a menu's title gets no placeholders")
    return problems


def test_every_placeholder_is_one_the_code_passes() -> None:
    problems = _placeholder_problems(INTEGRATION)
    assert problems == [], "\n".join(problems)


# Texts reached through helpers, issue helpers, placeholders built in a
# variable, keys in a variable, a constant or an f-string, sub-packages, and
# the rows of a transport's error table (literal, picked by a function, or
# keyed by a table lookup).
PLANTED = [
    ("config", "step", "pull_confirm", "description"),
    ("options", "step", "settings", "description"),
    ("options", "error", "source_no_build"),
    ("exceptions", "inbox_refused", "message"),
    ("exceptions", "inbox_left_in_place", "message"),
    ("exceptions", "source_digest_mismatch", "message"),
    ("exceptions", "board_refused", "message"),
    ("exceptions", "transfer_retries_failed", "message"),
    ("exceptions", "web_wrong_magic", "message"),
    ("exceptions", "image_missing", "message"),
    ("issues", "store_records_skipped", "description"),
    ("issues", "store_unreadable", "title"),
    ("issues", "pull_no_room", "description"),
    ("issues", "source_failing_timeout", "description"),
]


def _edit(package: Path, name: str, old: str, new: str) -> None:
    path = package / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_placeholder_the_code_does_not_pass_is_caught(tmp_path: Path) -> None:
    """Plant a wrong placeholder in each kind of site of a copy: each is named."""
    package = tmp_path / "esp_ota"
    shutil.copytree(INTEGRATION, package)
    data = _load(package / "strings.json")
    for path in PLANTED:
        *parents, last = path
        node = data
        for part in parents:
            node = node[part]
        node[last] += " {planted}"
    (package / "strings.json").write_text(json.dumps(data), encoding="utf-8")
    # The code stops passing a keyword argument through **extra.
    _edit(package, "watched_folder.py", ", rejected=_shown(rejected))", ")")
    # A key the tree cannot tell is named, not taken as passing.
    _edit(package, "pull/repairs.py", 'key="pull_no_room"', 'key=str("pull_no_room")')
    problems = _placeholder_problems(package)
    expected = {
        f"{'.'.join(path)}: ['planted'] not passed by the code" for path in PLANTED
    }
    expected -= {
        p
        for p in expected
        if p.startswith(("exceptions.inbox_refused.", "issues.pull_no_room."))
    }
    expected |= {
        "exceptions.inbox_refused.message: ['planted', 'rejected'] not passed by the code",
        "issues.pull_no_room.title: no code site tells its placeholders",
        "issues.pull_no_room.description: no code site tells its placeholders",
    }
    assert sorted(problems) == sorted(expected)


def test_the_checks_catch_what_the_frontend_and_hassfest_refuse() -> None:
    """The checker refuses the texts that broke the dialogs before."""
    with pytest.raises(IcuSyntaxError, match="UNCLOSED_TAG"):
        check("PlatformIO: .pio/build/<env>/firmware.bin")
    assert HTML.search(".pio/build/<env>/firmware.bin")
    for broken in ("{board", "board}", "{}", "{n, plural, one {x}}", "a </b>"):
        with pytest.raises(IcuSyntaxError):
            check(broken)
    assert check("{n, plural, =0 {none} one {# image} other {# images}} for {board}")
    assert check("It''s '{literal}' {board}") == ["board"]
    sites = collect(INTEGRATION)
    assert "options.step.init" in sites.menus
    assert sites.keys["options.step.upload"] >= {"board"}


SYNTHETIC_FLOW = """
from homeassistant.config_entries import OptionsFlow

KEY = "espota_refused"


class Flow(OptionsFlow):
    async def async_step_espota(self, user_input=None):
        errors = {}
        placeholders = {"board": "b"}
        placeholders |= {"port": "1"}
        if user_input:
            errors["base"] = "espota_port"
        return self._show("espota", errors, dict(placeholders, host="h"))

    def _show(self, step, errors, placeholders):
        return self.async_show_form(
            step_id=step, errors=errors, description_placeholders=placeholders
        )


def _fail(key, placeholders):
    raise HomeAssistantError(translation_key=key, translation_placeholders=placeholders)


def refuse():
    _fail(KEY, {"board": "b"})
"""


def test_helpers_of_steps_and_keys_in_constants_are_followed(tmp_path: Path) -> None:
    """A step shown by a helper, placeholders built step by step, a key constant."""
    (tmp_path / "options_flow.py").write_text(SYNTHETIC_FLOW, encoding="utf-8")
    sites = collect(tmp_path)
    assert sites.keys["options.step.espota"] == {"board", "port", "host"}
    assert sites.keys["options.error.espota_port"] == {"board", "port", "host"}
    assert sites.keys["exceptions.espota_refused"] == {"board"}
    strings = {
        "options": {
            "step": {"espota": {"description": "{board} {host} {port} {planted}"}},
            "error": {"espota_port": "{board} {port}"},
        },
        "exceptions": {"espota_refused": {"message": "{board} {host}"}},
    }
    (tmp_path / "strings.json").write_text(json.dumps(strings), encoding="utf-8")
    assert sorted(_placeholder_problems(tmp_path)) == [
        "exceptions.espota_refused.message: ['host'] not passed by the code",
        "options.step.espota.description: ['planted'] not passed by the code",
    ]
