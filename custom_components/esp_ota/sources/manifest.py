"""Firmware manifests: three formats, one ``Release`` for a board's chip (pure Python).

Formats (``parse_manifest`` tells them apart by their keys):

- **ESP Web Tools** (esphome/esp-web-tools ``README.md`` and ``src/const.ts``):
  ``{name, version, builds: [{chipFamily, parts: [{path, offset}]}]}``. The parts
  are what a serial flasher writes at each offset; OTA takes the app only. On
  an ESP8266 the Arduino ``.bin`` at offset 0 is the app (eboot + sketch, what
  ArduinoOTA sends). On the ESP32 family the bootloader (0x0 or 0x1000), the
  partition table (0x8000) and otadata (0xd000/0xe000) all sit below 0x10000,
  where the default partition tables of ESP-IDF and arduino-esp32 put the first
  app (espressif/esp-idf ``components/partition_table/partitions_singleapp.csv``,
  espressif/arduino-esp32 ``tools/partitions/default.csv``): the app is the part
  at the lowest offset from 0x10000 up. A build whose only part is a merged
  image at 0x0 has no app part; it cannot be sent over the air and says so.
- **ESPHome OTA** (esphome/esphome ``esphome/components/http_request/update/
  http_request_update.cpp``, docs ``components/update/http_request``): the same
  manifest whose builds carry ``ota: {path, md5, release_url, summary}``; ``path``
  and ``md5`` are required there, the others optional. When a build has both,
  ``ota`` wins: it is the file made for OTA.
- **Plain JSON**: ``{version, url, md5 or sha256, release_notes, release_url}``.

``chipFamily`` names are esp-web-tools' (``ESP8266``, ``ESP32``, ``ESP32-S3``, …):
lower case and without the dash they are the firmware package's ``ChipFamily``
values (``esp32s3``), which is how a board's chip is passed in. This package
imports nothing from the rest of the integration. Relative paths resolve against
the manifest's URL as a browser does (``new URL(path, manifestURL)`` in
esp-web-tools; ESPHome joins the same way); only http and https are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import re
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from .errors import (
    BadFieldError,
    DigestMismatchError,
    ManifestError,
    MergedOnlyError,
    NoAppPartError,
    NoBuildError,
    SourceError,
    UnknownChipError,
)

__all__ = [
    "DigestMismatchError",
    "ManifestError",
    "ManifestFormat",
    "MergedOnlyError",
    "NoBuildError",
    "Release",
    "SourceError",
    "chip_of",
    "parse_manifest",
    "verify_digest",
]

ESP8266: Final = "esp8266"
ESP32_APP_OFFSET: Final = 0x10000
MAX_VERSION_LENGTH: Final = 64
MAX_NOTES_LENGTH: Final = 20000
_MD5: Final = re.compile(r"^[0-9a-fA-F]{32}$")
_SHA256: Final = re.compile(r"^[0-9a-fA-F]{64}$")


class ManifestFormat(StrEnum):
    """Which kind of manifest a release came from."""

    WEB_TOOLS = "esp_web_tools"
    ESPHOME_OTA = "esphome_ota"
    PLAIN = "plain"


@dataclass(frozen=True, kw_only=True, slots=True)
class Release:
    """The firmware a source offers to one board."""

    format: ManifestFormat
    version: str
    url: str
    name: str | None = None
    md5: str | None = None
    sha256: str | None = None
    release_notes: str | None = None
    release_url: str | None = None


def chip_of(family: str) -> str:
    """Return the chip value of an esp-web-tools ``chipFamily``: ``ESP32-S3`` -> ``esp32s3``."""
    return family.replace("-", "").replace("_", "").strip().lower()


def parse_manifest(document: Any, manifest_url: str, chip: str | None) -> Release:
    """Return the release a manifest offers for ``chip`` (None: the board's is unknown).

    Raises ``ManifestError``, ``NoBuildError`` or ``MergedOnlyError``.
    """
    if not isinstance(document, Mapping):
        raise ManifestError("the manifest is not a JSON object")
    version = _version(document.get("version"))
    if "builds" in document:
        return _from_builds(document, manifest_url, chip, version)
    if "url" in document:
        return Release(
            format=ManifestFormat.PLAIN,
            version=version,
            url=_url(document["url"], manifest_url, "url"),
            md5=_digest(document.get("md5"), _MD5, "md5"),
            sha256=_digest(document.get("sha256"), _SHA256, "sha256"),
            release_notes=_text(document.get("release_notes"), "release_notes"),
            release_url=_optional_url(document.get("release_url"), manifest_url),
        )
    raise ManifestError("neither builds nor url: not a firmware manifest")


def _from_builds(
    document: Mapping[str, Any],
    manifest_url: str,
    chip: str | None,
    version: str,
) -> Release:
    name = _text(document.get("name"), "name")
    build = _build_for(document["builds"], chip)
    if isinstance(ota := build.get("ota"), Mapping):
        if not isinstance(ota.get("md5"), str):
            raise BadFieldError("the ota block has no md5", field="ota.md5")
        return Release(
            format=ManifestFormat.ESPHOME_OTA,
            version=version,
            name=name,
            url=_url(ota.get("path"), manifest_url, "ota.path"),
            md5=_digest(ota["md5"], _MD5, "md5"),
            release_notes=_text(ota.get("summary"), "summary"),
            release_url=_optional_url(ota.get("release_url"), manifest_url),
        )
    path = _app_part(build, chip_of(str(build["chipFamily"])))
    return Release(
        format=ManifestFormat.WEB_TOOLS,
        version=version,
        name=name,
        url=_url(path, manifest_url, "parts.path"),
    )


def _build_for(builds: Any, chip: str | None) -> Mapping[str, Any]:
    """Return the build for ``chip``; with an unknown chip, the only build."""
    if not isinstance(builds, list) or not all(
        isinstance(build, Mapping) and isinstance(build.get("chipFamily"), str)
        for build in builds
    ):
        raise BadFieldError(
            "builds must be a list of objects with a chipFamily", field="builds"
        )
    if chip is None:
        if len(builds) == 1:
            only: Mapping[str, Any] = builds[0]
            return only
        message = "the board's chip is unknown and the manifest has several builds"
        raise UnknownChipError(message, count=len(builds))
    for build in builds:
        if chip_of(build["chipFamily"]) == chip:
            found: Mapping[str, Any] = build
            return found
    offered = ", ".join(build["chipFamily"] for build in builds) or "-"
    message = f"no build for {chip} (the manifest has: {offered})"
    raise NoBuildError(message, chip=chip, offered=offered)


def _app_part(build: Mapping[str, Any], chip: str | None) -> Any:
    """Return the path of the part OTA sends (see the module docstring)."""
    parts = build.get("parts")
    if not isinstance(parts, list) or not all(
        isinstance(part, Mapping) and "path" in part for part in parts
    ):
        raise BadFieldError(
            "a build needs an ota block or a list of parts", field="parts"
        )
    offsets = [(_offset(part.get("offset")), part["path"]) for part in parts]
    if chip == ESP8266:
        apps = [path for offset, path in offsets if offset == 0]
    else:
        apps = [
            path
            for offset, path in sorted(offsets, key=lambda item: item[0])
            if offset >= ESP32_APP_OFFSET
        ]
    if apps:
        return apps[0]
    if any(offset == 0 for offset, _ in offsets):
        message = (
            f"the {build['chipFamily']} build has only a merged image at 0x0, which "
            "cannot be sent over the air; publish the app image (firmware.bin) too"
        )
        raise MergedOnlyError(message, chip=build["chipFamily"])
    message = f"the {build['chipFamily']} build has no app part at 0x10000 or above"
    raise NoAppPartError(message, chip=build["chipFamily"])


def _offset(value: Any) -> int:
    """Return a part's offset: a number, or a string such as ``"0x10000"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    message = f"a part's offset is not a number: {value!r}"
    raise BadFieldError(message, field="offset")


def _version(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadFieldError("the manifest has no version", field="version")
    if len(value) > MAX_VERSION_LENGTH:
        message = f"the version is longer than {MAX_VERSION_LENGTH} characters"
        raise BadFieldError(message, field="version")
    return value.strip()


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        message = f"{field} is not text"
        raise BadFieldError(message, field=field)
    return value.strip()[:MAX_NOTES_LENGTH] or None


def _digest(value: Any, pattern: re.Pattern[str], field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        message = f"{field} is not a hex digest"
        raise BadFieldError(message, field=field)
    return value.lower()


def _url(value: Any, manifest_url: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        message = "the manifest gives no path to the image"
        raise BadFieldError(message, field=field)
    url = urljoin(manifest_url, value.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        message = f"only http and https are allowed, not {value!r}"
        raise BadFieldError(message, field=field)
    return url


def _optional_url(value: Any, manifest_url: str) -> str | None:
    return None if value is None else _url(value, manifest_url, "release_url")


def verify_digest(data: bytes, release: Release) -> None:
    """Raise ``DigestMismatchError`` unless ``data`` has the release's digests."""
    for name, expected in (("sha256", release.sha256), ("md5", release.md5)):
        if expected is None:
            continue
        actual = hashlib.new(name, data, usedforsecurity=False).hexdigest()
        if actual != expected:
            message = (
                f"{name} of the download is {actual}, the manifest says {expected}"
            )
            raise DigestMismatchError(
                message, algorithm=name, expected=expected, actual=actual
            )
