"""The ESP-IDF app descriptor: fields, and garbage refused with DescriptorError."""

from __future__ import annotations

import struct

import pytest

from custom_components.esp_ota.firmware import (
    DescriptorError,
    MissingDescriptorError,
    inspect_image,
)
from tools.esp_images import (
    APP_DESC_MAGIC,
    app_descriptor,
    build_esp32_app,
    esp32_header,
    image_bytes,
)


def test_descriptor_fields_are_read() -> None:
    desc = app_descriptor(
        version="2.4.0-rc1",
        project_name="garden",
        compile_time="10:20:30",
        compile_date="Mar  3 2026",
        idf_version="v5.3.2",
        secure_version=7,
    )
    image = inspect_image(build_esp32_app(chip="esp32c3", descriptor=desc))
    assert image.descriptor is not None
    assert image.descriptor.version == "2.4.0-rc1"
    assert image.descriptor.project_name == "garden"
    assert image.descriptor.compile_time == "10:20:30"
    assert image.descriptor.compile_date == "Mar  3 2026"
    assert image.descriptor.idf_version == "v5.3.2"
    assert image.descriptor.secure_version == 7
    assert image.descriptor.app_elf_sha256 == desc[144:176].hex()


def test_app_without_descriptor_is_refused() -> None:
    with pytest.raises(MissingDescriptorError) as err:
        inspect_image(build_esp32_app(with_descriptor=False))
    assert err.value.key == "no_app_descriptor"


def test_longest_terminated_version_is_accepted() -> None:
    image = inspect_image(build_esp32_app(version="v" * 31))
    assert image.descriptor is not None
    assert image.descriptor.version == "v" * 31


def test_non_utf8_version_is_refused() -> None:
    with pytest.raises(DescriptorError, match="version field is not valid UTF-8") as e:
        inspect_image(build_esp32_app(version=b"\xff\xfe1.0\x00"))
    assert e.value.key == "descriptor_invalid"


def test_unterminated_project_name_is_refused() -> None:
    with pytest.raises(DescriptorError, match="project_name field is not terminated"):
        inspect_image(build_esp32_app(project_name=b"p" * 32))


def test_control_characters_in_version_are_refused() -> None:
    with pytest.raises(DescriptorError, match="control characters"):
        inspect_image(build_esp32_app(version=b"1.0\x1b[31m\x00"))


@pytest.mark.parametrize("field", ["compile_time", "compile_date", "idf_version"])
def test_unterminated_short_fields_are_refused(field: str) -> None:
    desc = app_descriptor(**{field: b"x" * 16 if field != "idf_version" else b"x" * 32})
    with pytest.raises(DescriptorError, match="not terminated"):
        inspect_image(build_esp32_app(descriptor=desc))


def test_descriptor_longer_than_its_segment_is_refused() -> None:
    first = struct.pack("<I", APP_DESC_MAGIC) + bytes(96)
    header = esp32_header("esp32", 2, "dio", "4MB", digest=False)
    data = image_bytes(header, [(0x3F40_0020, first), (0x4008_0000, bytes(512))])
    with pytest.raises(DescriptorError, match="cut short"):
        inspect_image(data)


def test_first_segment_shorter_than_the_magic_has_no_descriptor() -> None:
    # The magic bytes then belong to the next segment's header, not to data.
    header = esp32_header("esp32", 2, "dio", "4MB", digest=False)
    data = image_bytes(
        header,
        [(0x3F40_0020, b""), (APP_DESC_MAGIC, bytes(8))],
    )
    with pytest.raises(MissingDescriptorError):
        inspect_image(data)


def test_magic_check_does_not_read_past_a_short_buffer() -> None:
    from custom_components.esp_ota.firmware.descriptor import has_descriptor

    assert not has_descriptor(memoryview(b"\x32\x54\xcd\xab"), 0)
    assert has_descriptor(memoryview(b"\x32\x54\xcd\xab" + bytes(4)), 0)
