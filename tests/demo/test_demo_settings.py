"""The demo-only settings integration: a short "did not come back" wait."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest
import yaml

from custom_components.esp_ota import install
from demo import esp_ota_demo
from demo.haconfig import DEMO_COMEBACK_TIMEOUT, DEMO_SETTINGS, write_config


def test_the_demo_configures_and_links_its_settings(tmp_path: Path) -> None:
    write_config(tmp_path, 18123, ["esp32-garden"])

    config = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    assert config["esp_ota_demo"] == {"comeback_timeout": DEMO_COMEBACK_TIMEOUT}
    link = tmp_path / "custom_components" / "esp_ota_demo"
    assert link.resolve() == DEMO_SETTINGS
    assert (link / "manifest.json").is_file()
    # Short for the demo; esp_ota's own default stays 3 minutes.
    assert DEMO_COMEBACK_TIMEOUT < install.COMEBACK_TIMEOUT == 180.0


async def test_the_setting_replaces_esp_otas_wait(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Restored after the test, whatever the setup sets.
    monkeypatch.setattr(install, "COMEBACK_TIMEOUT", install.COMEBACK_TIMEOUT)
    config = {esp_ota_demo.DOMAIN: {"comeback_timeout": "20"}}

    assert await esp_ota_demo.async_setup(hass, esp_ota_demo.CONFIG_SCHEMA(config))

    assert install.COMEBACK_TIMEOUT == 20.0


def test_a_wait_under_a_second_is_refused() -> None:
    with pytest.raises(Exception, match="comeback_timeout"):
        esp_ota_demo.CONFIG_SCHEMA({esp_ota_demo.DOMAIN: {"comeback_timeout": 0}})
