"""One summary when many installs end ("Update all", update.install on many).

Rules:
- a batch is a run of push installs that overlap: it begins with an install
  while none runs and ends ``SETTLE`` (1 s) after the last install of it
  ended with none started since (the installs of one call start one after
  another, and one refused at once may end before the next began); installs
  queued for a fleet slot (``settings.py``'s parallel uploads) are part of it;
- one failure never stops the others: Home Assistant runs each entity's
  install on its own, and each ends in its own outcome (``history.py``);
- when a batch of two or more installs ends, one persistent notification
  sums it up: how many were installed, and each failed or refused install
  with its board and the reason in Home Assistant's language; it has a fixed
  id, so the next batch's summary replaces it;
- a board that is away is armed (``arming.py``) and counted as waiting;
- a single install adds nothing: its card and its error already say it all;
- pull boards are not in a batch: they take their image at a later check-in;
- what a batch learns comes from the install events (``events.py``), so a
  batch sees exactly what automations see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from homeassistant.components import persistent_notification
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN, TRANSPORT_PULL
from .events import EVENT_INSTALL_ARMED, EVENT_INSTALL_FINISHED, EVENT_INSTALL_STARTED
from .translate import NoticeText, async_translate

NOTIFICATION_ID: Final = f"{DOMAIN}_batch"
SETTLE: Final = 1.0
"""Seconds without a new install after the last one ended that end a batch."""


@dataclass
class _Batch:
    running: set[str] = field(default_factory=set)
    installed: int = 0
    # (board, outcome, message) of each install that did not succeed.
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    # Boards that were away: their install waits for them (arming.py).
    waiting: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.installed + len(self.problems) + len(self.waiting)


@callback
def async_track_batches(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Sum up every batch of installs; return the callable that stops it."""
    return _BatchTracker(hass).async_stop


class _BatchTracker:
    """Follows the install events; one batch at a time."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass
        self._batch = _Batch()
        self._settle: CALLBACK_TYPE | None = None
        self._stops = [
            hass.bus.async_listen(EVENT_INSTALL_STARTED, self._started),
            hass.bus.async_listen(EVENT_INSTALL_FINISHED, self._finished),
            hass.bus.async_listen(EVENT_INSTALL_ARMED, self._armed),
        ]
        # No summary timer outlives Home Assistant.
        self._stop_at_shutdown: CALLBACK_TYPE | None = hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._shutdown
        )

    @callback
    def async_stop(self) -> None:
        """Stop following installs; a batch under way is not summed up."""
        if self._stop_at_shutdown is not None:
            self._stop_at_shutdown()
            self._stop_at_shutdown = None
        self._async_stop_following()

    @callback
    def _shutdown(self, _: Event) -> None:
        self._stop_at_shutdown = None  # a once-listener is gone once it ran
        self._async_stop_following()

    @callback
    def _async_stop_following(self) -> None:
        while self._stops:
            self._stops.pop()()
        self._cancel_settle()

    @callback
    def _cancel_settle(self) -> None:
        if self._settle is not None:
            self._settle()
            self._settle = None

    @callback
    def _settle_later(self) -> None:
        # Installs of one call start one after another: one refused at once
        # may end before the next began. The batch ends once no install
        # started for a moment.
        self._cancel_settle()
        self._settle = async_call_later(self._hass, SETTLE, self._end)

    @callback
    def _started(self, event: Event) -> None:
        if event.data["method"] == TRANSPORT_PULL:
            return
        self._cancel_settle()
        self._batch.running.add(event.data["config_entry_id"])

    @callback
    def _armed(self, event: Event) -> None:
        self._batch.waiting.append(event.data["board"])
        if not self._batch.running:
            self._settle_later()

    @callback
    def _finished(self, event: Event) -> None:
        batch = self._batch
        entry_id = event.data["config_entry_id"]
        if entry_id not in batch.running:
            return  # a pull delivery, or a rollback after the install ended
        batch.running.discard(entry_id)
        if event.data["outcome"] == "succeeded":
            batch.installed += 1
        else:
            batch.problems.append(
                (
                    event.data["board"],
                    event.data["outcome"],
                    event.data["message"] or event.data["reason"] or "",
                )
            )
        if not batch.running:
            self._settle_later()

    @callback
    def _end(self, _: object) -> None:
        self._settle = None
        ended, self._batch = self._batch, _Batch()
        if ended.size >= 2:
            self._hass.async_create_task(_async_notify(self._hass, ended))


async def _async_notify(hass: HomeAssistant, batch: _Batch) -> None:
    lines = [
        await async_translate(
            hass,
            NoticeText(
                "batch_summary",
                installed=str(batch.installed),
                failed=str(sum(1 for _, o, _ in batch.problems if o == "failed")),
                refused=str(sum(1 for _, o, _ in batch.problems if o == "refused")),
                waiting=str(len(batch.waiting)),
            ),
        )
    ]
    for board, outcome, message in batch.problems:
        key = "batch_failed_line" if outcome == "failed" else "batch_refused_line"
        lines.append(
            await async_translate(hass, NoticeText(key, board=board, reason=message))
        )
    lines.extend(
        [
            await async_translate(hass, NoticeText("batch_waiting_line", board=board))
            for board in batch.waiting
        ]
    )
    persistent_notification.async_create(
        hass,
        "\n".join(lines),
        title=await async_translate(hass, NoticeText("batch_title")),
        notification_id=NOTIFICATION_ID,
    )
