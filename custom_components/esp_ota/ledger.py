"""What people confirmed and what was flashed, per board, kept across restarts.

A confirmation names one exact image (its SHA-256) for one board and the
person who gave it. Staging another image does not carry a confirmation over:
the new image's hash has none until a person gives it. The "installed" record
remembers the last image esp_ota flashed successfully, so the update card can
show the installed version of a board that does not announce one. A record
that cannot be read is skipped and reported, never fatal (``storage_checks``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .storage_checks import CheckedStore, async_load_store, clean_records, require_str

STORAGE_KEY: Final = "esp_ota.ledger"
STORAGE_VERSION: Final = 1
DATA_LEDGER: HassKey[Ledger] = HassKey(f"{DOMAIN}_ledger")


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    """A person said: flash this exact image on this board."""

    sha256: str
    version: str
    user_id: str
    confirmed_at: str
    group: str | None = None
    """The group the person confirmed it for (``groups.py``), None: this board."""


@dataclass(frozen=True, kw_only=True)
class Installed:
    """The last image esp_ota flashed on a board, and when."""

    sha256: str
    md5: str
    version: str
    installed_at: str
    project: str | None = None
    """The project its app descriptor names (groups by project find it here)."""


class Ledger:
    """Confirmations and installs of every board."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the ledger; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._confirmations: dict[str, Confirmation] = {}
        self._installed: dict[str, Installed] = {}

    async def async_load(self) -> None:
        """Load what was recorded before the last restart."""
        data, _complete = await async_load_store(self._hass, self._store, _clean)
        if data is None:
            return
        self._confirmations = {
            board: Confirmation(**item) for board, item in data["confirmations"].items()
        }
        self._installed = {
            board: Installed(**item) for board, item in data["installed"].items()
        }

    def is_confirmed(self, board: str, sha256: str) -> bool:
        """Tell whether a person confirmed exactly this image for this board."""
        confirmation = self._confirmations.get(board)
        return confirmation is not None and confirmation.sha256 == sha256

    def confirmation(self, board: str) -> Confirmation | None:
        """Return the board's standing confirmation, if any."""
        return self._confirmations.get(board)

    async def async_confirm(
        self,
        board: str,
        *,
        sha256: str,
        version: str,
        user_id: str,
        group: str | None = None,
    ) -> None:
        """Record a person's confirmation of one image (replacing older ones)."""
        self._confirmations[board] = Confirmation(
            sha256=sha256,
            version=version,
            user_id=user_id,
            confirmed_at=dt_util.utcnow().isoformat(),
            group=group,
        )
        await self._async_save()

    async def async_drop_stale_confirmation(
        self, board: str, sha256: str | None
    ) -> None:
        """Forget a confirmation that names an image other than the staged one."""
        confirmation = self._confirmations.get(board)
        if confirmation is not None and confirmation.sha256 != sha256:
            del self._confirmations[board]
            await self._async_save()

    def installed(self, board: str) -> Installed | None:
        """Return the last image esp_ota flashed on the board."""
        return self._installed.get(board)

    async def async_record_install(
        self,
        board: str,
        *,
        sha256: str,
        md5: str,
        version: str,
        project: str | None = None,
    ) -> None:
        """Remember a successful flash."""
        self._installed[board] = Installed(
            sha256=sha256,
            md5=md5,
            version=version,
            installed_at=dt_util.utcnow().isoformat(),
            project=project,
        )
        await self._async_save()

    async def async_set_installed(
        self, board: str, installed: Installed | None
    ) -> None:
        """Put back what was installed before (an install the board rolled back)."""
        if installed is None:
            self._installed.pop(board, None)
        else:
            self._installed[board] = installed
        await self._async_save()

    async def async_forget(self, board: str) -> None:
        """Forget a board that was deleted."""
        had_confirmation = self._confirmations.pop(board, None) is not None
        had_install = self._installed.pop(board, None) is not None
        if had_confirmation or had_install:
            await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "confirmations": {b: asdict(c) for b, c in self._confirmations.items()},
                "installed": {b: asdict(i) for b, i in self._installed.items()},
            }
        )


def _confirmation(record: Any) -> Confirmation:
    require_str(record, "sha256", "version", "user_id", "confirmed_at")
    if record.get("group") is not None:
        require_str(record, "group")
    return Confirmation(**record)


def _installed(record: Any) -> Installed:
    require_str(record, "sha256", "md5", "version", "installed_at")
    if record.get("project") is not None:
        require_str(record, "project")
    return Installed(**record)


def _clean(data: Any) -> tuple[dict[str, Any], int]:
    """Keep the confirmations and installs that can be read; count the others."""
    confirmations, bad_confirmations = clean_records(
        data.get("confirmations", {}), _confirmation
    )
    installed, bad_installed = clean_records(data.get("installed", {}), _installed)
    return (
        {"confirmations": confirmations, "installed": installed},
        bad_confirmations + bad_installed,
    )
