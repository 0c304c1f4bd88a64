"""Callbacks told of a change: the one listener registry every owner of state uses.

The board (presence, address, TXT), the firmware store (a board's staged
images), the check-in registry (a pull board's check-ins and downloads) and
the source manager (a board's source checks) each keep a ``Listeners`` per
board. Rules:

- ``async_add`` returns a remover that may be called more than once, also
  after ``async_clear`` (an entity drops its listener itself and the entry's
  unload calls the remover again); only the first call removes anything, and
  it removes only the callback it was returned for, even if the same function
  was added twice.
- ``async_notify`` calls the callbacks present when it starts, in the order
  they were added; one may remove itself (or another) while being called.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import CALLBACK_TYPE, callback


class Listeners:
    """Callbacks to call on every change of one piece of state."""

    def __init__(self) -> None:
        """Start with none."""
        # A fresh token per addition: the same function may be added twice.
        self._callbacks: dict[object, Callable[[], None]] = {}

    @callback
    def async_add(self, update: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``update`` on every notification; return its remover."""
        token = object()
        self._callbacks[token] = update

        @callback
        def remove() -> None:
            self._callbacks.pop(token, None)

        return remove

    @callback
    def async_notify(self) -> None:
        """Call every callback added and not removed yet."""
        for update in list(self._callbacks.values()):
            update()

    @callback
    def async_clear(self) -> None:
        """Drop every callback; their removers stay harmless."""
        self._callbacks.clear()
