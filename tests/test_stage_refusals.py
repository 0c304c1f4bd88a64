"""Images no board should get are refused through the stage action, translated.

Every ``FirmwareError`` key has its message in the ``exceptions`` section and
in the upload step's errors (the options flow shows staging refusals there).
"""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.esp_ota import firmware
from custom_components.esp_ota.store import get_store
from tools.esp_images import build_esp32_app, build_esp8266_app, gzip_image
from tools.esp_layouts import (
    build_esp32_bootloader,
    build_factory_image,
    build_partition_table,
)

from .helpers import stage_action

URL = "https://firmware.example/garden.bin"
STRINGS = Path(firmware.__file__).parent.parent / "strings.json"


def _error_keys() -> set[str]:
    """Return the keys of every FirmwareError the firmware package can raise."""
    keys, pending = set(), [firmware.FirmwareError]
    while pending:
        cls = pending.pop()
        keys.add(cls.key)
        pending.extend(cls.__subclasses__())
    return keys


def test_every_firmware_error_key_has_its_translations() -> None:
    strings = json.loads(STRINGS.read_text("utf-8"))
    wanted = {f"firmware_{key}" for key in _error_keys()}
    # These three are translated under their own keys by staging_error.
    wanted -= {"firmware_wrong_chip", "firmware_too_large", "firmware_file_too_large"}
    assert wanted <= set(strings["exceptions"])
    assert wanted <= set(strings["options"]["error"])


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("image", "target", "key", "words"),
    [
        (build_esp32_bootloader(), "flash", "bootloader_image", "a bootloader"),
        (build_factory_image(), "flash", "factory_image", "firmware.bin"),
        (build_partition_table(), "flash", "partition_table", "partitions.bin"),
        (
            build_esp32_app(with_descriptor=False),
            "flash",
            "no_app_descriptor",
            "no app descriptor",
        ),
        (gzip_image(build_esp8266_app()), "flash", "compressed_image", "gzip"),
        (
            gzip_image(build_esp8266_app()),
            "filesystem",
            "compressed_filesystem",
            "gzip",
        ),
        (
            b"ssid=garden\n" * 50,
            "filesystem",
            "not_a_filesystem_text_file",
            "text file",
        ),
        (b"\xff" * 4096, "filesystem", "blank_image", "is 0xFF: it holds no"),
        (
            build_esp32_app()[:5000],
            "filesystem",
            "not_a_filesystem_damaged_app",
            "damaged app",
        ),
        (build_factory_image(), "filesystem", "factory_image", "serial flasher"),
    ],
    ids=[
        "bootloader",
        "factory",
        "partitions",
        "no-descriptor",
        "gzip-for-esp32",
        "gzip-filesystem",
        "text",
        "blank",
        "cut-app-as-filesystem",
        "factory-as-filesystem",
    ],
)
async def test_images_no_board_should_get_are_refused_with_a_reason(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    image: bytes,
    target: str,
    key: str,
    words: str,
) -> None:
    aioclient_mock.get(URL, content=image)
    with pytest.raises(HomeAssistantError) as err:
        await stage_action(hass, init_integration, url=URL, target=target)
    assert err.value.translation_key == f"firmware_{key}"
    assert words in str(err.value)
    assert get_store(hass).latest(init_integration.entry_id) is None
