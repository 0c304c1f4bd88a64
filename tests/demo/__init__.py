"""Tests of the demo's helpers (the browser test itself is in tests/e2e)."""
