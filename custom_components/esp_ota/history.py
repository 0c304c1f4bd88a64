"""The last install of every board: what was tried, how it ended, and why.

Rules:
- every push install a person or an automation starts is recorded once it
  ends, whatever the outcome: ``succeeded``, ``refused`` (a rule stopped it
  before a byte was sent) or ``failed`` (it stopped after flashing began);
- a pull board's delivery is recorded by ``pull/checkins.py``: ``succeeded`` at the
  check-in that shows the board runs the confirmed sketch (a filesystem image:
  once the board took every byte of it), ``refused`` when a check-in cannot get
  it (e.g. no room: ``too_large_for_board``), once per image and reason; its
  seconds run from the start of the download that delivered the image (the
  200 answer) to that check-in, so flashing and the reboot count, a sleeping
  board's wait before it asked does not; None when Home Assistant restarted
  in between or nothing was sent;
- a record keeps the time it ended, the version and target, the method (the
  entry's transport), the outcome, the reason (the translation key of the
  error, None on success) and how many seconds it took;
- only the last record of a board is kept, across restarts, and it is
  forgotten with the board's entry; a record that cannot be read is skipped
  and a file that cannot be read never stops set-up (``storage_checks``);
- the "did not come back" repair of a board goes away as soon as the board is
  heard from after the repair was raised (it came back late), and every
  repair of a board goes away when its entry is removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import asdict, dataclass
import time
from typing import TYPE_CHECKING, Any, Final, Literal

from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .board import board_key, ledger_key
from .const import DOMAIN, entry_transport
from .events import async_fire_install_finished, async_fire_install_started
from .firmware import ImageKind
from .install import comeback_issue_id
from .install_rules import confirmation_issue_id
from .rollback import rollback_issue_id
from .storage_checks import CheckedStore, async_load_store, clean_records, require_str
from .translate import async_translate

if TYPE_CHECKING:
    from .board import EspOtaConfigEntry
    from .store import StagedFirmware

STORAGE_KEY: Final = "esp_ota.history"
STORAGE_VERSION: Final = 1
DATA_HISTORY: HassKey[InstallHistory] = HassKey(f"{DOMAIN}_history")

type Outcome = Literal["succeeded", "refused", "failed"]
OUTCOMES: Final[list[str]] = ["succeeded", "refused", "failed"]


def last_install_signal(board: str) -> str:
    """Return the dispatcher signal sent when a board's last install changes."""
    return f"{DOMAIN}_last_install_{board}"


@dataclass(frozen=True, kw_only=True)
class InstallRecord:
    """How one install ended."""

    at: str
    version: str
    target: str
    method: str
    outcome: Outcome
    reason: str | None
    seconds: float | None


class InstallHistory:
    """The last install record of every board, kept across restarts."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the history; call async_load before use."""
        self._hass = hass
        self._store = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self._last: dict[str, InstallRecord] = {}

    async def async_load(self) -> None:
        """Load the records kept before the last restart (the readable ones)."""
        data, _complete = await async_load_store(self._hass, self._store, _clean)
        self._last = {board: _record_from(item) for board, item in (data or {}).items()}

    def last(self, board: str) -> InstallRecord | None:
        """Return the board's last install, if esp_ota ever ran one."""
        return self._last.get(board)

    async def async_record(self, board: str, record: InstallRecord) -> None:
        """Keep ``record`` as the board's last install and tell its sensor."""
        self._last[board] = record
        await self._async_save()
        async_dispatcher_send(self._hass, last_install_signal(board))

    async def async_forget(self, board: str) -> None:
        """Forget a board that was deleted."""
        if self._last.pop(board, None) is not None:
            await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {board: asdict(record) for board, record in self._last.items()}
        )


def _record_from(item: Any) -> InstallRecord:
    """Build a record from its stored form; raise if a field is not valid."""
    record = InstallRecord(
        at=item["at"],
        version=item["version"],
        target=item["target"],
        method=item["method"],
        outcome=item["outcome"],
        reason=item["reason"],
        seconds=item["seconds"],
    )
    require_str(item, "at", "version", "target", "method")
    if record.outcome not in OUTCOMES:
        raise ValueError("outcome")
    if record.reason is not None and not isinstance(record.reason, str):
        raise TypeError("reason")
    seconds = record.seconds
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float)
    ):
        raise TypeError("seconds")
    return record


def _clean(data: Any) -> tuple[dict[str, Any], int]:
    """Keep the boards' records that can be read; count the others."""
    return clean_records(data, _record_from)


class InstallAttempt:
    """One install being timed; ``started`` marks that flashing began."""

    def __init__(self) -> None:
        """Start the clock."""
        self.begun = time.monotonic()
        self.flashing = False
        # Records a fall back to the previous sketch after a success (rollback.py).
        self.on_rollback: Callable[[HomeAssistantError], Awaitable[None]] | None = None

    def started(self, then: Callable[[], None]) -> Callable[[], None]:
        """Wrap the install's on_started callback to note that flashing began."""

        def on_started() -> None:
            self.flashing = True
            then()

        return on_started


@contextlib.asynccontextmanager
async def async_record_install(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    context: Context | None = None,
) -> AsyncIterator[InstallAttempt]:
    """Record how the install run inside this context ends.

    A translated error is recorded and raised on; a cancellation (Home
    Assistant stopping) is not an outcome and leaves the last record alone.
    Automations hear of both ends (``events.py``).
    """
    attempt = InstallAttempt()
    async_fire_install_started(hass, entry, staged, context)

    async def rolled_back(err: HomeAssistantError) -> None:
        await async_record_outcome(
            hass,
            entry,
            staged,
            "failed",
            seconds=None,
            context=context,
            error=err,
        )

    attempt.on_rollback = rolled_back

    async def record(outcome: Outcome, error: HomeAssistantError | None) -> None:
        seconds = round(time.monotonic() - attempt.begun, 1)
        await async_record_outcome(
            hass,
            entry,
            staged,
            outcome,
            seconds=seconds,
            context=context,
            error=error,
        )

    try:
        yield attempt
    except HomeAssistantError as err:
        await record("failed" if attempt.flashing else "refused", err)
        raise
    else:
        await record("succeeded", None)


async def async_record_outcome(
    hass: HomeAssistant,
    entry: EspOtaConfigEntry,
    staged: StagedFirmware,
    outcome: Outcome,
    *,
    seconds: float | None,
    context: Context | None = None,
    error: HomeAssistantError | None = None,
) -> None:
    """Keep how an install of ``staged`` on the entry's board ended; tell automations.

    ``error`` (what stopped it, None on success) gives the record its reason
    and the events their message, in Home Assistant's language.
    """
    record = InstallRecord(
        at=dt_util.utcnow().isoformat(),
        version=staged.version,
        target=staged.kind.value,
        method=entry_transport(entry),
        outcome=outcome,
        reason=error_reason(error),
        seconds=seconds,
    )
    await hass.data[DATA_HISTORY].async_record(board_key(entry), record)
    message = await async_translate(hass, error) if error is not None else None
    async_fire_install_finished(hass, entry, record, message, context)


def error_reason(error: HomeAssistantError | None) -> str | None:
    """Return the reason kept for an error: its translation key (None: success)."""
    if error is None:
        return None
    return error.translation_key or type(error).__name__


@callback
def async_clear_late_comeback(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Drop "did not come back" repairs once the board was heard from after them."""
    board = entry.runtime_data
    if not board.available or board.last_seen is None:
        return
    registry = ir.async_get(hass)
    for kind in ImageKind:
        issue_id = comeback_issue_id(ledger_key(entry, kind))
        issue = registry.async_get_issue(DOMAIN, issue_id)
        if issue is not None and issue.created < board.last_seen:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_delete_board_issues(hass: HomeAssistant, entry: EspOtaConfigEntry) -> None:
    """Delete every repair issue of a board (its entry is being removed)."""
    for kind in ImageKind:
        key = ledger_key(entry, kind)
        for issue_id in (
            confirmation_issue_id(key),
            comeback_issue_id(key),
            rollback_issue_id(key),
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)
