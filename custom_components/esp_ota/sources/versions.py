"""Which of two firmware versions is newer (pure Python, no Home Assistant).

Rule (issue "Firmware sources"): two semantic versions compare as such
(https://semver.org/ section 11: numbers numerically, a pre-release before its
release, pre-release identifiers numeric < alphanumeric, build metadata
ignored); a leading ``v`` as in git tags is allowed. Any other version string
is newer when it differs from the one it is compared with, as ESPHome's
http_request update platform does (esphome/esphome
``esphome/components/http_request/update/http_request_update.cpp``: update
available when ``latest_version != current_version``).
"""

from __future__ import annotations

import re
from typing import Final

# semver.org's suggested expression, with an optional "v" in front.
_SEMVER: Final = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

# Pre-release identifiers as (kind, number, text): numeric ones (kind 0) sort
# before alphanumeric ones (kind 1), and a shorter list of equal identifiers
# sorts first, as tuples do.
type _Pre = tuple[tuple[int, int, str], ...]
type _Key = tuple[tuple[int, int, int], _Pre | None]


def semver_key(version: str) -> _Key | None:
    """Return a sort key for a semantic version, None for any other string."""
    match = _SEMVER.match(version.strip())
    if match is None:
        return None
    core = (int(match[1]), int(match[2]), int(match[3]))
    if match[4] is None:
        return core, None
    pre = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in match[4].split(".")
    )
    return core, pre


def is_newer(candidate: str, reference: str | None) -> bool:
    """Tell whether ``candidate`` is newer than ``reference`` (None: nothing yet)."""
    if reference is None:
        return True
    new, old = semver_key(candidate), semver_key(reference)
    if new is None or old is None:
        return candidate.strip() != reference.strip()
    if new[0] != old[0]:
        return new[0] > old[0]
    # Same x.y.z: a release is newer than its pre-releases.
    if new[1] is None or old[1] is None:
        return new[1] is None and old[1] is not None
    return new[1] > old[1]
