"""Tests for the firmware image package (no Home Assistant needed)."""
