"""Remember devices whose web page is not the ESP updater, so each is probed once.

A zeroconf discovery of ``_http._tcp`` sends one harmless GET to a device whose
name looks like an ESP board. When the answer is not the updater form, the
host name goes into this HA Store: Home Assistant re-runs discovery on every
re-announcement and restart, and an aborted flow leaves no trace (only an
"ignored" entry would, and that needs a person), so without it the device would
be probed again and again. Only host names are kept, no addresses or answers.
An unreadable file or entry is skipped and reported (``storage_checks``).
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .storage_checks import CheckedStore, async_load_store, clean_records

STORAGE_KEY: Final = f"{DOMAIN}.web_probes"
STORAGE_VERSION: Final = 1
DATA_PROBES: HassKey[WebProbeMemory] = HassKey(f"{DOMAIN}_web_probes")


class WebProbeMemory:
    """Host names already probed and found not to be an ESP web updater."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create an empty memory; ``async_load`` fills it."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._not_updaters: dict[str, str] = {}

    async def async_load(self) -> None:
        """Read what earlier runs remembered."""
        stored, _complete = await async_load_store(self._hass, self._store, _clean)
        if stored is not None:
            self._not_updaters = stored["not_updaters"]

    def is_known_not_updater(self, hostname: str) -> bool:
        """Return True if this host was probed before and is no updater."""
        return hostname in self._not_updaters

    async def async_remember_not_updater(self, hostname: str) -> None:
        """Keep (on disk) that this host is no updater."""
        self._not_updaters[hostname] = dt_util.utcnow().isoformat()
        await self._store.async_save({"not_updaters": self._not_updaters})


async def async_get_probe_memory(hass: HomeAssistant) -> WebProbeMemory:
    """Return the installation's probe memory, loading it on first use."""
    if (memory := hass.data.get(DATA_PROBES)) is None:
        memory = WebProbeMemory(hass)
        await memory.async_load()
        hass.data[DATA_PROBES] = memory
    return memory


def _probed_at(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("time")
    return value


def _clean(data: Any) -> tuple[dict[str, Any], int]:
    not_updaters, bad = clean_records(data.get("not_updaters", {}), _probed_at)
    return {"not_updaters": not_updaters}, bad
