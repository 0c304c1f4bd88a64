"""Fault tests: what esp_ota keeps, reports and cleans up when things go wrong."""
