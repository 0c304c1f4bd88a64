"""Tests of the board emulator's own features."""
