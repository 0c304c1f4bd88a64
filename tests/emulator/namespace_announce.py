"""Run inside ``unshare -n`` only (spawned by test_announce.py): real mDNS."""

import asyncio
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from custom_components.esp_ota.espota import upload
from tools.esp_emulator import BoardConfig, BoardEmulator, Core, build_esp32_image
from tools.esp_emulator.announce import SERVICE_TYPE, Announcer


async def main():
    ann = Announcer()
    await ann.start()
    board = BoardEmulator(
        BoardConfig(
            core=Core.ESP32,
            hostname="esp32-garden",
            password="pw",
            version="1.0.0",
            reboot_delay=0.1,
        )
    )
    await board.start()
    await ann.add(board)
    browser = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    info = AsyncServiceInfo(SERVICE_TYPE, f"esp32-garden.{SERVICE_TYPE}")
    await info.async_request(browser.zeroconf, 3000)
    print(  # noqa: T201 - the parent test reads stdout
        "before:",
        info.port == board.port,
        {k.decode(): v.decode() for k, v in info.properties.items()},
    )
    await upload(
        "127.0.0.1", board.port, build_esp32_image("2.0.0", 50_000), password="pw"
    )
    await board.rebooted.wait()
    await asyncio.sleep(1.0)
    info = AsyncServiceInfo(SERVICE_TYPE, f"esp32-garden.{SERVICE_TYPE}")
    browser2 = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    await info.async_request(browser2.zeroconf, 3000)
    print(  # noqa: T201 - the parent test reads stdout
        "after:", {k.decode(): v.decode() for k, v in info.properties.items()}
    )
    await browser.async_close()
    await browser2.async_close()
    await board.stop()
    await ann.stop()


asyncio.run(main())
