"""One stable identity per board, whichever way it was added.

Rules:
- A board's identity is its mDNS host name (``CONF_HOSTNAME``, lowercase,
  without ``.local``): the entry's unique id, its device identifier and the
  prefix of its entities' unique ids. Pull boards, which report their MAC, use
  the MAC instead (pull/config_flow.py). ArduinoOTA's TXT record carries no MAC.
- A board added by hand with an IP address has that address as identity until
  it announces itself; then its entry takes the host name, and set-up moves the
  device and the entities' unique ids over (entity ids and history stay).
- Web updater boards use the same identity: entries of minor version 1 had
  ``hostname:port`` as unique id and are migrated.
- Reconfigure may not point an entry at another board: a host name that is not
  the entry's identity aborts (``unique_id_mismatch``). An entry still known by
  its address only takes on the name it is given, unless another entry has it.
  An IP address cannot be checked (an ArduinoOTA board cannot be asked who it is
  without starting an update) and is accepted.
"""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .announcement import is_ip_address, normalize_hostname
from .compat import find_device
from .const import CONF_HOSTNAME, DOMAIN, is_pull_entry

_LOGGER = logging.getLogger(__name__)

ENTRY_VERSION = 1
ENTRY_MINOR_VERSION = 2
"""Minor 2: web updater entries have the host name as unique id."""


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry from an older version to the current one."""
    if entry.version > ENTRY_VERSION:
        return False  # From a newer esp_ota: refuse rather than guess.
    if entry.minor_version < 2 and not is_pull_entry(entry):
        hostname = entry.data.get(CONF_HOSTNAME)
        taken = any(
            other.unique_id == hostname
            for other in hass.config_entries.async_entries(DOMAIN)
            if other.entry_id != entry.entry_id
        )
        if hostname and entry.unique_id != hostname and not taken:
            _LOGGER.debug("Entry %s is now known as %s", entry.unique_id, hostname)
            hass.config_entries.async_update_entry(entry, unique_id=hostname)
    hass.config_entries.async_update_entry(entry, minor_version=ENTRY_MINOR_VERSION)
    return True


@callback
def async_adopt_identity(
    hass: HomeAssistant, entry: ConfigEntry, identity: str
) -> None:
    """Move the entry's device and entities from an earlier identity to this one."""
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        old = {value for domain, value in device.identifiers if domain == DOMAIN}
        if identity in old or not old:
            continue
        taken = find_device(devices, (DOMAIN, identity))
        if taken is not None:
            # Another device already has the identity: leave the old one.
            devices.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )
            continue
        devices.async_update_device(device.id, new_identifiers={(DOMAIN, identity)})
        for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
            for previous in old:
                if entity.unique_id.startswith(f"{previous}_"):
                    key = entity.unique_id.removeprefix(f"{previous}_")
                    _async_rename(entities, entity, f"{identity}_{key}")


def _async_rename(
    entities: er.EntityRegistry, entity: er.RegistryEntry, unique_id: str
) -> None:
    if entities.async_get_entity_id(entity.domain, DOMAIN, unique_id) is None:
        entities.async_update_entity(entity.entity_id, new_unique_id=unique_id)


def identity_of(host: str) -> str | None:
    """Return the identity a host name gives (its first label), None for an IP."""
    if is_ip_address(host) or (name := normalize_hostname(host)) is None:
        return None
    return name.split(".", 1)[0]


def new_identity(host: str) -> str | None:
    """Return the identity of a board added by hand, None for an unusable host.

    The same identity discovery gives: the first label of a name (not
    host:port); an IP address is the identity until the board announces itself.
    """
    return identity_of(host) or normalize_hostname(host)


class IdentityFlow(ConfigFlow):
    """Identity checks shared by the ArduinoOTA and web updater steps."""

    async def _async_claim_identity(self, identity: str, host: str) -> None:
        """Take the identity of a board added by hand; abort if it is configured.

        Configured means: an entry has this identity, or has this address (a
        board added by name or discovered is not added by address again).
        """
        await self.async_set_unique_id(identity)
        self._abort_if_unique_id_configured()
        self._abort_if_address_configured(host)

    def _abort_if_address_configured(self, host: str) -> None:
        """Abort: a board added by name or discovered is not added by address again."""
        for entry in self._async_current_entries(include_ignore=False):
            if entry.data.get(CONF_HOST) == host:
                raise AbortFlow("already_configured")

    async def _async_reconfigured_identity(
        self, entry: ConfigEntry, host: str
    ) -> str | None:
        """Return the identity the new host gives the entry, None to keep its own.

        Aborts when the host names another board (unique_id_mismatch), or when
        an entry known by address only is given a name another entry has.
        """
        name = identity_of(host)
        if name is None or name == entry.unique_id:
            return None
        if entry.unique_id is not None and not is_ip_address(entry.unique_id):
            await self.async_set_unique_id(name)
            self._abort_if_unique_id_mismatch()
        if any(
            other.unique_id == name
            for other in self.hass.config_entries.async_entries(DOMAIN)
            if other.entry_id != entry.entry_id
        ):
            raise AbortFlow("already_configured")
        return name
