"""Hostile input: the parser raises only its own errors, never over-reads, never hangs.

"Never hangs" is enforced by hypothesis' per-example deadline, not by timed
asserts. Over-reads would surface as ``struct.error``/``IndexError`` (not a
``FirmwareError``), and the prefix test shows no structure is accepted once
its bytes are missing.
"""

from __future__ import annotations

from datetime import timedelta
import struct

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.esp_ota.firmware import (
    FirmwareError,
    FirmwareImage,
    ImageKind,
    TruncatedImageError,
    inspect_image,
)
from tools.esp_images import (
    ESP32_CHIPS,
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    gzip_image,
    sign_esp8266,
)
from tools.esp_layouts import (
    build_esp32_bootloader,
    build_factory_image,
    build_partition_table,
)

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)
EXPECT = st.sampled_from([None, ImageKind.APP, ImageKind.FILESYSTEM])

VALID_IMAGES = [
    build_esp8266_app(size=8192),
    build_esp8266_app(size=8192, arduino_crc=False),
    sign_esp8266(build_esp8266_app(size=8192), bytes(64)),
    gzip_image(build_esp8266_app(size=8192)),
    build_esp8266_app(size=2048, with_eboot=False, segments=3),
    *(build_esp32_app(chip=chip, size=2048) for chip in ESP32_CHIPS),
    build_esp32_app(size=2048, sha256_appended=False, with_descriptor=False),
    build_esp32_bootloader(chip="esp32c3", size=2048),
    build_factory_image(chip="esp32s3", app_size=2048),
    build_partition_table(),
    build_filesystem_image(8192),
]
# Images whose structure ends exactly at the end of the file.
STRICT_IMAGES = [
    build_esp8266_app(size=2048, with_eboot=False, segments=3),
    build_esp32_app(size=2048, sha256_appended=True),
    build_esp32_app(chip="esp32c3", size=2048, sha256_appended=False),
]


def _inspect_or_error(data: bytes, expect: ImageKind | None) -> None:
    """Inspect, letting only FirmwareError through as an expected outcome."""
    outcome: FirmwareImage | FirmwareError
    try:
        outcome = inspect_image(data, expect=expect)
    except FirmwareError as err:
        outcome = err
    if isinstance(outcome, FirmwareError):
        assert outcome.key
        assert str(outcome)
    else:
        assert outcome.size == len(data)


@FUZZ
@given(st.binary(max_size=4096), EXPECT)
def test_arbitrary_bytes_raise_only_firmware_errors(
    data: bytes, expect: ImageKind | None
) -> None:
    _inspect_or_error(data, expect)


@FUZZ
@given(st.binary(min_size=7, max_size=4096), EXPECT)
def test_bytes_behind_the_magic_raise_only_firmware_errors(
    tail: bytes, expect: ImageKind | None
) -> None:
    _inspect_or_error(b"\xe9" + tail, expect)


@FUZZ
@given(st.sampled_from(VALID_IMAGES), st.data(), EXPECT)
def test_truncated_images_raise_only_firmware_errors(
    image: bytes, data: st.DataObject, expect: ImageKind | None
) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(image)))
    _inspect_or_error(image[:cut], expect)


@FUZZ
@given(st.sampled_from(STRICT_IMAGES), st.data())
def test_every_strict_prefix_of_an_app_is_truncated(
    image: bytes, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(image) - 1))
    try:
        inspect_image(image[:cut])
    except TruncatedImageError:
        pass
    else:
        raise AssertionError(f"a {cut}-byte prefix was accepted")


@FUZZ
@given(
    st.sampled_from(VALID_IMAGES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), max_size=8),
    EXPECT,
)
def test_flipped_bytes_raise_only_firmware_errors(
    image: bytes, flips: list[tuple[int, int]], expect: ImageKind | None
) -> None:
    mutated = bytearray(image)
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    _inspect_or_error(bytes(mutated), expect)


@FUZZ
@given(
    st.sampled_from(VALID_IMAGES[:-3]),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=0xFFFF_FFFF),
    EXPECT,
)
def test_random_segment_counts_and_lengths_raise_only_firmware_errors(
    image: bytes,
    segments: int,
    field_at: int,
    length: int,
    expect: ImageKind | None,
) -> None:
    mutated = bytearray(image)
    mutated[1] = segments
    # Overwrite a 32-bit word somewhere in the first 256 bytes, where segment
    # headers (addresses, lengths) and the descriptor live.
    at = field_at % (min(len(mutated), 256) - 4)
    struct.pack_into("<I", mutated, at, length)
    _inspect_or_error(bytes(mutated), expect)


@FUZZ
@given(st.sampled_from(list(ESP32_CHIPS)), st.binary(min_size=256, max_size=256))
def test_random_descriptor_bytes_raise_only_firmware_errors(
    chip: str, descriptor: bytes
) -> None:
    # Keep the magic so the descriptor is parsed, then fill it with noise.
    desc = b"\x32\x54\xcd\xab" + descriptor[4:]
    _inspect_or_error(build_esp32_app(chip=chip, size=2048, descriptor=desc), None)
