"""Tests for the esp_ota integration."""
