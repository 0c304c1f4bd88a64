"""Firmware sources, the pure part: manifests, versions, a source's settings.

No Home Assistant and nothing from the rest of the integration is imported
here (``tests/test_layers.py`` checks it), so these modules are used and tested
alone. Modules, one idea each:

- ``manifest``: the three manifest formats parsed into one ``Release`` for a
  board's chip, the digest check, the errors (each with a stable ``key``).
- ``versions``: which version counts as newer.
- ``config``: ``SourceConfig`` (URL, interval, credentials) as kept in a
  board's options, with redaction of its secrets.

The Home Assistant side lives next to the other glue: ``source_fetch.py`` (GETs
on the shared session), ``source_manager.py`` (polling, checks, records,
repairs), ``source_actions.py``, ``source_options.py``, ``source_sensor.py``.
"""
