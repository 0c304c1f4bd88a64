"""Tests of the pull server (the view, the check-in registry, the protocol, the settings)."""
