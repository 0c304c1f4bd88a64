"""esptool (the pip package, test-only) as an independent judge of our parser.

For every image ``tools/esp_images.py`` writes, esptool's own parser
(``esptool.bin_image.LoadFirmwareImage``) must agree with ours on chip,
segment count and validity; a hypothesis fuzz then shows that no mutated
image we accept is one esptool calls invalid.

"esptool calls it valid" means: ``LoadFirmwareImage`` loads it without an
exception, the checksum byte equals ``calculate_checksum()`` and, with
``append_digest``, the stored SHA-256 equals the computed one.

Documented differences (none makes us laxer than a board):

- Arduino ESP8266 ``.bin`` files with elf2bin's CRC: the CRC words are written
  into the sketch after its checksum, so esptool calls the sketch image's
  checksum wrong; we verify the CRC, which covers every byte, instead.
- esptool reads only the first image of a file: for an Arduino ``.bin`` that
  is eboot, so the sketch at 0x1000 is judged separately here.
- Bootloaders, factory images and ESP32 images without an app descriptor are
  valid esptool images that we refuse: they are not OTA apps.
"""

from __future__ import annotations

import zlib

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.esp_ota.firmware import (
    BootloaderImageError,
    ChipFamily,
    FactoryImageError,
    FirmwareError,
    FirmwareImage,
    ImageKind,
    MissingDescriptorError,
    inspect_image,
)
from tools.esp_images import (
    ELF2BIN_CRC_LEN_AT,
    ESP32_CHIPS,
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    gzip_image,
    sign_esp8266,
)
from tools.esp_layouts import (
    BOOTLOADER_OFFSETS,
    FACTORY_APP_OFFSET,
    build_esp32_bootloader,
    build_factory_image,
    build_partition_table,
)

bin_image = pytest.importorskip("esptool.bin_image")

SKETCH = 0x1000


def esptool_verdict(chip: str, data: bytes) -> tuple[bool, object | None]:
    """Return (valid, image) as esptool judges ``data`` for ``chip``."""
    try:
        image = bin_image.LoadFirmwareImage(chip, data)
    except Exception:  # noqa: BLE001 - esptool raises FatalError, struct.error...
        return False, None
    valid = image.checksum == image.calculate_checksum()
    if getattr(image, "append_digest", False):
        valid = valid and image.stored_digest == image.calc_digest
    return valid, image


def _crc_present(data: bytes) -> bool:
    """Tell whether elf2bin's length word names the sketch's end (our rule)."""
    return int.from_bytes(
        data[ELF2BIN_CRC_LEN_AT : ELF2BIN_CRC_LEN_AT + 4], "little"
    ) in (
        len(data),
        len(data) - 260,
    )


ESP32_APPS = [
    (chip, build_esp32_app(chip=chip, size=8192, sha256_appended=digest, seed=n))
    for n, chip in enumerate(ESP32_CHIPS)
    for digest in (True, False)
]
ESP8266_APPS = {
    "crc": build_esp8266_app(size=12 * 1024),
    "no-crc": build_esp8266_app(size=12 * 1024, arduino_crc=False),
    "signed": sign_esp8266(build_esp8266_app(size=12 * 1024), bytes(range(256))),
    "plain": build_esp8266_app(size=4096, with_eboot=False),
}


@pytest.mark.parametrize(
    ("chip", "data"),
    ESP32_APPS,
    ids=[f"{chip}-{n % 2}" for n, (chip, _) in enumerate(ESP32_APPS)],
)
def test_esptool_agrees_on_every_esp32_family_app(chip: str, data: bytes) -> None:
    ours = inspect_image(data)
    valid, theirs = esptool_verdict(chip, data)
    assert valid
    assert ours.chip is ChipFamily(chip)
    assert theirs.chip_id == ESP32_CHIPS[chip][0]
    assert ours.segments == len(theirs.segments)
    assert ours.sha256_appended == theirs.append_digest
    # Our descriptor sits where esptool's first segment data starts.
    assert theirs.segments[0].data[:4] == b"\x32\x54\xcd\xab"
    assert any(theirs.is_flash_addr(segment.addr) for segment in theirs.segments)


@pytest.mark.parametrize("name", ESP8266_APPS)
def test_esptool_agrees_on_every_esp8266_image(name: str) -> None:
    data = ESP8266_APPS[name]
    ours = inspect_image(data)
    valid, first = esptool_verdict("esp8266", data)
    assert valid
    assert ours.chip is ChipFamily.ESP8266
    assert ours.segments == len(first.segments)
    if name == "plain":
        return
    sketch_valid, sketch = esptool_verdict("esp8266", data[SKETCH:])
    assert sketch is not None
    # With elf2bin's CRC the sketch checksum is stale (documented above).
    assert sketch_valid is not _crc_present(data)


def test_esptool_agrees_on_the_image_inside_a_gzip() -> None:
    data = ESP8266_APPS["crc"]
    packed = gzip_image(data)
    assert zlib.decompress(packed, 31) == data
    valid, first = esptool_verdict("esp8266", zlib.decompress(packed, 31))
    assert valid
    assert inspect_image(packed).segments == len(first.segments)


@pytest.mark.parametrize("chip", ESP32_CHIPS)
def test_esptool_sees_a_ram_only_image_where_we_see_a_bootloader(chip: str) -> None:
    data = build_esp32_bootloader(chip=chip)
    valid, theirs = esptool_verdict(chip, data)
    assert valid
    assert not any(theirs.is_flash_addr(segment.addr) for segment in theirs.segments)
    with pytest.raises(BootloaderImageError):
        inspect_image(data)


@pytest.mark.parametrize("chip", ESP32_CHIPS)
def test_esptool_finds_bootloader_and_app_where_we_see_a_factory_image(
    chip: str,
) -> None:
    data = build_factory_image(chip=chip)
    at = BOOTLOADER_OFFSETS.get(chip, 0)
    assert esptool_verdict(chip, data[at:])[0]
    assert esptool_verdict(chip, data[FACTORY_APP_OFFSET:])[0]
    with pytest.raises(FactoryImageError):
        inspect_image(data)


@pytest.mark.parametrize(
    "data",
    [build_partition_table(), build_filesystem_image(8192), b"PK\x03\x04 zip"],
    ids=["partitions", "littlefs", "zip"],
)
def test_what_esptool_cannot_load_as_an_app_we_refuse_too(data: bytes) -> None:
    assert not esptool_verdict("esp32", data)[0]
    assert not esptool_verdict("esp8266", data)[0]
    with pytest.raises(FirmwareError):
        inspect_image(data, expect=ImageKind.APP)


def test_esptool_calls_an_app_without_descriptor_valid_which_we_refuse() -> None:
    data = build_esp32_app(chip="esp32c3", size=4096, with_descriptor=False)
    assert esptool_verdict("esp32c3", data)[0]
    with pytest.raises(MissingDescriptorError):
        inspect_image(data)


# --- the fuzz: whatever we accept, esptool calls valid ---------------------

# No deadline here: test_fuzz.py bounds the parser's time; this fuzz compares
# verdicts, and esptool's time on a loaded machine is not ours to judge.
FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SEEDS = [
    *(data for _, data in ESP32_APPS[:6]),
    ESP8266_APPS["crc"],
    ESP8266_APPS["no-crc"],
    ESP8266_APPS["plain"],
    gzip_image(ESP8266_APPS["no-crc"]),
]


def _our_verdict(data: bytes) -> FirmwareImage | None:
    try:
        return inspect_image(data, expect=ImageKind.APP)
    except FirmwareError:
        return None


def _assert_esptool_agrees(data: bytes, ours: FirmwareImage) -> None:
    """Everything we accept, esptool loads as a valid image of the same shape."""
    assert ours.chip is not None
    if ours.compressed:
        data = zlib.decompressobj(31).decompress(data)
    valid, theirs = esptool_verdict(ours.chip.value, data)
    assert valid, "we accepted an image esptool calls invalid"
    assert ours.segments == len(theirs.segments)
    if ours.chip is ChipFamily.ESP8266 and len(data) > SKETCH and data[SKETCH] == 0xE9:
        sketch_valid, sketch = esptool_verdict("esp8266", data[SKETCH:])
        assert sketch is not None
        assert sketch_valid or _crc_present(data)


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), max_size=4),
    st.integers(min_value=0),
)
def test_no_mutated_image_we_accept_is_invalid_for_esptool(
    seed: bytes, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(seed)
    for position, mask in flips:
        data[position % len(data)] ^= mask
    data = data[: len(data) - cut % 64]
    ours = _our_verdict(bytes(data))
    if ours is not None:
        _assert_esptool_agrees(bytes(data), ours)


@FUZZ
@given(st.binary(min_size=8, max_size=2048))
def test_no_random_bytes_we_accept_are_invalid_for_esptool(tail: bytes) -> None:
    data = b"\xe9" + tail
    ours = _our_verdict(data)
    if ours is not None:
        _assert_esptool_agrees(data, ours)
