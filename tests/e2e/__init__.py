"""End-to-end tests: the demo stack in a real browser (marker ``e2e``)."""
