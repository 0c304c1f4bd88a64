"""Tests of the web updater client (no Home Assistant)."""
