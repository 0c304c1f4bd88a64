"""The test image builders themselves: exact sizes, determinism, esptool layout."""

from __future__ import annotations

from collections.abc import Callable
import functools
import operator
from pathlib import Path
import struct

import pytest

from tools.esp_images import (
    ELF2BIN_CRC_LEN_AT,
    ELF2BIN_CRC_VAL_AT,
    build_esp32_app,
    build_esp8266_app,
    build_filesystem_image,
    crc32_mpeg2,
    main,
    write_demo_images,
)


@pytest.mark.parametrize("size", [2048, 64 * 1024, 100 * 16])
def test_builders_return_exactly_the_requested_size(size: int) -> None:
    assert len(build_esp32_app(size=size)) == size
    assert len(build_esp32_app(size=size, sha256_appended=False)) == size
    assert len(build_esp8266_app(size=size + 4096)) == size + 4096
    assert len(build_filesystem_image(size)) == size


def test_builders_are_deterministic() -> None:
    assert build_esp32_app() == build_esp32_app()
    assert build_esp8266_app() == build_esp8266_app()
    assert build_esp32_app(seed=1) != build_esp32_app(seed=2)


def test_checksum_is_the_last_byte_of_a_16_byte_block() -> None:
    data = build_esp32_app(size=2048, sha256_appended=False, segments=1)
    (length,) = struct.unpack_from("<I", data, 28)
    segment = data[32 : 32 + length]
    assert data[-1] == functools.reduce(operator.xor, segment, 0xEF)
    assert data[32 + length : -1] == bytes(len(data) - 33 - length)


def test_arduino_bin_holds_elf2bin_crc_of_the_whole_file() -> None:
    data = bytearray(build_esp8266_app(size=16 * 1024))
    stored_len, stored_crc = struct.unpack_from("<II", data, ELF2BIN_CRC_LEN_AT)
    data[ELF2BIN_CRC_LEN_AT : ELF2BIN_CRC_VAL_AT + 4] = bytes(8)
    assert stored_len == len(data)
    assert stored_crc == crc32_mpeg2(bytes(data))


def test_crc32_mpeg2_matches_the_catalogue_check_value() -> None:
    # CRC-32/MPEG-2 check value for "123456789".
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7


def test_eboot_is_padded_with_0xaa_to_4_kib() -> None:
    data = build_esp8266_app()
    assert data[0] == data[0x1000] == 0xE9
    assert data[0xFF0:0x1000] == b"\xaa" * 16


@pytest.mark.parametrize(
    "call",
    [
        lambda: build_esp32_app(size=1000),
        lambda: build_esp32_app(size=256, segments=4),
        lambda: build_esp32_app(version="x" * 40),
        lambda: build_esp32_app(size=256 + 32, segments=1),
        lambda: build_filesystem_image(4096, kind="fatfs"),
    ],
)
def test_impossible_requests_raise_value_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        call()


def test_demo_images_are_written_with_sidecar_notes(tmp_path: Path) -> None:
    paths = write_demo_images(tmp_path / "demo")
    assert len(paths) == 5
    for path in paths:
        assert path.stat().st_size > 0
        assert path.with_suffix(".md").read_text("utf-8").startswith("# ")


def test_command_line_writes_demo_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path)]) == 0
    assert "garden-esp32.bin" in capsys.readouterr().out
    assert main([]) == 2
