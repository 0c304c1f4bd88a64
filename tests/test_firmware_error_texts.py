"""Every firmware refusal's text uses only the facts its error provides.

A refusal reaches the person as ``firmware_<key>[_<variant>]`` (or the fit keys
``wrong_chip`` / ``too_large_for_board``) with the error's ``facts`` as
placeholders; no English from the firmware package is embedded any more.
"""

from __future__ import annotations

import gzip
import inspect
import json
from pathlib import Path
import re

import pytest

from custom_components.esp_ota import firmware
from custom_components.esp_ota.firmware import errors
from custom_components.esp_ota.firmware.chips import ChipFamily
from custom_components.esp_ota.firmware.kinds import ImageKind
from custom_components.esp_ota.staging import staging_error

STRINGS = json.loads(
    (Path(firmware.__file__).parent.parent / "strings.json").read_text("utf-8")
)
PLACEHOLDER = re.compile(r"{(\w+)}")
CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.FirmwareError)
]
FIT_KEYS = {
    errors.WrongChipError: "wrong_chip",
    errors.TooLargeError: "too_large_for_board",
    errors.FileTooLargeError: "file_too_large",
}


def _cases() -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (translation key, class name, facts) for every case of every class."""
    cases = []
    for cls in CLASSES:
        for variant, facts in cls.variants.items():
            key = FIT_KEYS.get(cls) or "firmware_" + (
                f"{cls.key}_{variant}" if variant else cls.key
            )
            cases.append((key, cls.__name__, facts))
    return cases


@pytest.mark.parametrize(("key", "name", "facts"), _cases())
def test_texts_use_only_the_facts_the_error_carries(
    key: str, name: str, facts: tuple[str, ...]
) -> None:
    """Both the exception and the upload form's error name only given facts."""
    message = STRINGS["exceptions"][key]["message"]
    upload_error = STRINGS["options"]["error"][key]
    for text in (message, upload_error):
        assert set(PLACEHOLDER.findall(text)) <= set(facts), (name, text)
    assert "{detail}" not in message


def test_every_firmware_text_belongs_to_an_error_case() -> None:
    """No firmware_* text is left over from a case that no longer exists."""
    keys = {key for key, _, _ in _cases()}
    for section in (STRINGS["exceptions"], STRINGS["options"]["error"]):
        assert {key for key in section if key.startswith("firmware_")} <= keys


@pytest.mark.parametrize(
    "err",
    [
        errors.TruncatedImageError("the image header", 8, 3),
        errors.BlankImageError(0xFF),
        errors.DecompressedTooLargeError(1 << 24),
        errors.WrongTargetError(ImageKind.FILESYSTEM, ImageKind.APP),
        errors.WrongTargetError(ImageKind.APP, ImageKind.FILESYSTEM),
        errors.WrongChipError(ChipFamily.ESP32, ChipFamily.ESP8266),
        errors.TooLargeError(2000, 1000),
        errors.FileTooLargeError(1 << 25, 1 << 24),
        errors.EmptyImageError(),
    ],
    ids=lambda err: type(err).__name__,
)
def test_errors_carry_the_facts_their_case_declares(
    err: errors.FirmwareError,
) -> None:
    """The constructed error's facts are exactly its case's, and fill the text."""
    assert set(err.facts) == set(type(err).variants[err.variant])
    refusal = staging_error(err)
    assert refusal.translation_placeholders == err.facts
    key = refusal.translation_key
    assert key is not None
    message = STRINGS["exceptions"][key]["message"]
    filled = message.format(**err.facts)
    assert "{" not in filled
    # The English message stays for logs and the command line.
    assert str(err)


@pytest.mark.parametrize(
    ("data", "expect", "translation_key"),
    [
        (b"\x68" + bytes(63), ImageKind.APP, "not_an_esp_image_first_byte"),
        (b"\xe9\x00" + bytes(62), ImageKind.APP, "not_an_esp_image_segment_count"),
        (b"\xe9\x01", ImageKind.APP, "truncated_image"),
        (b"just some notes\n" * 8, ImageKind.FILESYSTEM, "not_a_filesystem_text_file"),
        (
            gzip.compress(bytes(64), mtime=0)[:20],
            ImageKind.APP,
            "corrupt_image_gzip_end",
        ),
        (b"\x1f\x8b\x08\x00" + bytes(60), ImageKind.APP, "corrupt_image_gzip_data"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_real_refusals_fill_their_text(
    data: bytes, expect: ImageKind, translation_key: str
) -> None:
    """Refusals raised by the checks carry their case's facts, nothing else."""
    with pytest.raises(errors.FirmwareError) as caught:
        firmware.inspect_image(data, expect=expect)
    err = caught.value
    assert err.translation_key == translation_key
    assert set(err.facts) == set(type(err).variants[err.variant])
    message = STRINGS["exceptions"][f"firmware_{translation_key}"]["message"]
    assert "{" not in message.format(**err.facts)
