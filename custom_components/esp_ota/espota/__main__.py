"""Entry point of the uploader's command line (see ``cli``), both ways it runs.

``python -m custom_components.esp_ota.espota`` imports it as part of the
integration's package. ``python3 custom_components/esp_ota/espota`` runs the
folder itself: then this folder is loaded as the top-level package ``espota``
(standard library only) and nothing else of the integration is imported.
"""

from __future__ import annotations

import sys

if __package__:
    from .cli import main
else:  # the folder run as a program
    import importlib.util
    from pathlib import Path

    _HERE = Path(__file__).resolve().parent
    # The folder itself is sys.path[0]: its modules must not shadow others.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    _spec = importlib.util.spec_from_file_location(
        "espota", _HERE / "__init__.py", submodule_search_locations=[str(_HERE)]
    )
    assert _spec is not None  # noqa: S101
    assert _spec.loader is not None  # noqa: S101
    _package = importlib.util.module_from_spec(_spec)
    sys.modules["espota"] = _package
    _spec.loader.exec_module(_package)
    from espota.cli import main  # type: ignore[import-not-found, no-redef]

if __name__ == "__main__":
    sys.exit(main())
