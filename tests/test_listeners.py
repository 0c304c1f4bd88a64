"""The listener registry every owner of state uses (``listeners.py``)."""

from __future__ import annotations

from custom_components.esp_ota.listeners import Listeners


def test_a_remover_removes_only_its_own_callback_and_only_once() -> None:
    listeners = Listeners()
    calls: list[str] = []

    def update() -> None:
        calls.append("update")

    first = listeners.async_add(update)
    listeners.async_add(update)  # the same function added twice
    first()
    first()  # a second call removes nothing more
    listeners.async_notify()
    assert calls == ["update"]


def test_a_remover_called_after_clear_is_harmless() -> None:
    listeners = Listeners()
    calls: list[int] = []
    remove = listeners.async_add(lambda: calls.append(1))
    listeners.async_clear()
    remove()
    listeners.async_add(lambda: calls.append(2))
    listeners.async_notify()
    assert calls == [2]


def test_a_callback_may_remove_itself_while_being_called() -> None:
    listeners = Listeners()
    calls: list[str] = []

    def once() -> None:
        calls.append("once")
        remove_once()

    remove_once = listeners.async_add(once)
    listeners.async_add(lambda: calls.append("always"))
    listeners.async_notify()
    listeners.async_notify()
    assert calls == ["once", "always", "always"]
