"""The esp_ota demo: Home Assistant with emulated boards, for people and e2e tests.

Developer tooling, never shipped. ``scripts/demo`` runs it inside a private
network namespace (``python -m demo run``); ``tests/e2e`` drives it in a browser.
"""
