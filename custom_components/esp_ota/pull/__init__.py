"""The pull server: boards running ESPhttpUpdate / HTTPUpdate fetch their updates.

Rules of the package: ``protocol.py`` is pure Python (no Home Assistant, checked
by ``tests/test_layers.py``); the rest is Home Assistant glue. The platform
files stay where Home Assistant looks for them (``update.py``, ``sensor.py``)
and import from here, never the other way round.
"""
