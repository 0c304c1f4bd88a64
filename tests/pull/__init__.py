"""Tests of the pull server (the view, the hub, the protocol, the settings)."""
