"""Why a check of a firmware source failed (pure Python, no Home Assistant).

Every error has an English message (``str(err)``, for logs and the check's
record) and two stable names: ``key``, the check's result (the "Firmware
source result" sensor's state), and ``cause``, which names its translations:
``exceptions.source_<cause>``, ``options.error.source_<cause>`` and the repair
``issues.source_failing_<cause>``. No English reaches a translation: the
error's ``facts`` are data only (numbers, names from the manifest, the
exception type's name) and its class's ``fact_names`` lists them; a test
checks them against ``strings.json``.

Tree (key / cause)::

    SourceError
    ├── UnreachableError           unreachable / connection_failed (error)
    │   ├── SourceTimeoutError     unreachable / timeout
    │   ├── SourceRefusedError     unreachable / connection_refused
    │   ├── SourceNameError        unreachable / name_not_resolved (host)
    │   └── SourceTlsError         unreachable / tls
    ├── HttpStatusError            http_error / http_status (status)
    │   └── UnauthorizedError      unauthorized / unauthorized (status)
    ├── ManifestError              bad_manifest / not_a_manifest
    │   ├── NotJsonError           bad_manifest / not_json
    │   ├── ManifestTooLargeError  bad_manifest / manifest_too_large (limit)
    │   ├── BadFieldError          bad_manifest / bad_field (field)
    │   └── NoAppPartError         bad_manifest / no_app_part (chip)
    ├── NoBuildError               no_build / no_build (chip, offered)
    │   └── UnknownChipError       no_build / chip_unknown (count)
    ├── MergedOnlyError            merged_only / merged_only (chip)
    └── DigestMismatchError        digest_mismatch / digest_mismatch
                                   (algorithm, expected, actual)
"""

from __future__ import annotations

from typing import ClassVar


class SourceError(Exception):
    """A check of a firmware source failed; ``key`` and ``cause`` name it."""

    key: ClassVar[str] = "source_error"
    cause: ClassVar[str] = "connection_failed"
    fact_names: ClassVar[tuple[str, ...]] = ("error",)

    def __init__(self, message: str, **facts: object) -> None:
        """Keep the English message and the facts (as strings) for translations."""
        super().__init__(message)
        self.facts: dict[str, str] = {name: str(value) for name, value in facts.items()}


class UnreachableError(SourceError):
    """The manifest could not be fetched; ``error`` names the exception's type."""

    key: ClassVar[str] = "unreachable"


class SourceTimeoutError(UnreachableError, TimeoutError):
    """The server did not answer in time."""

    cause: ClassVar[str] = "timeout"
    fact_names: ClassVar[tuple[str, ...]] = ()


class SourceRefusedError(UnreachableError):
    """Nothing listens at the URL's host and port (connection refused)."""

    cause: ClassVar[str] = "connection_refused"
    fact_names: ClassVar[tuple[str, ...]] = ()


class SourceNameError(UnreachableError):
    """The URL's host name could not be resolved."""

    cause: ClassVar[str] = "name_not_resolved"
    fact_names: ClassVar[tuple[str, ...]] = ("host",)


class SourceTlsError(UnreachableError):
    """The HTTPS connection failed (certificate or TLS handshake)."""

    cause: ClassVar[str] = "tls"
    fact_names: ClassVar[tuple[str, ...]] = ()


class HttpStatusError(SourceError):
    """The server answered something other than 200."""

    key: ClassVar[str] = "http_error"
    cause: ClassVar[str] = "http_status"
    fact_names: ClassVar[tuple[str, ...]] = ("status",)

    def __init__(self, status: int) -> None:
        """Remember the status."""
        super().__init__(f"HTTP {status}", status=status)
        self.status = status


class UnauthorizedError(HttpStatusError):
    """The server wants (other) credentials: 401 or 403."""

    key: ClassVar[str] = "unauthorized"
    cause: ClassVar[str] = "unauthorized"


class ManifestError(SourceError):
    """The manifest is not one of the known formats."""

    key: ClassVar[str] = "bad_manifest"
    cause: ClassVar[str] = "not_a_manifest"
    fact_names: ClassVar[tuple[str, ...]] = ()


class NotJsonError(ManifestError):
    """The manifest is not JSON."""

    cause: ClassVar[str] = "not_json"


class ManifestTooLargeError(ManifestError):
    """The manifest is larger than esp_ota reads (``limit`` bytes)."""

    cause: ClassVar[str] = "manifest_too_large"
    fact_names: ClassVar[tuple[str, ...]] = ("limit",)


class BadFieldError(ManifestError):
    """A field of the manifest is missing or of the wrong kind (``field``)."""

    cause: ClassVar[str] = "bad_field"
    fact_names: ClassVar[tuple[str, ...]] = ("field",)


class NoAppPartError(ManifestError):
    """The chip's build has parts but none where an app goes."""

    cause: ClassVar[str] = "no_app_part"
    fact_names: ClassVar[tuple[str, ...]] = ("chip",)


class NoBuildError(SourceError):
    """The manifest has no build for the board's chip."""

    key: ClassVar[str] = "no_build"
    cause: ClassVar[str] = "no_build"
    fact_names: ClassVar[tuple[str, ...]] = ("chip", "offered")


class UnknownChipError(NoBuildError):
    """The board's chip is unknown and the manifest has ``count`` builds."""

    cause: ClassVar[str] = "chip_unknown"
    fact_names: ClassVar[tuple[str, ...]] = ("count",)


class MergedOnlyError(SourceError):
    """The build for the chip is only a merged image at 0x0: not for OTA."""

    key: ClassVar[str] = "merged_only"
    cause: ClassVar[str] = "merged_only"
    fact_names: ClassVar[tuple[str, ...]] = ("chip",)


class DigestMismatchError(SourceError):
    """The downloaded image does not have the digest the manifest gives."""

    key: ClassVar[str] = "digest_mismatch"
    cause: ClassVar[str] = "digest_mismatch"
    fact_names: ClassVar[tuple[str, ...]] = ("algorithm", "expected", "actual")
