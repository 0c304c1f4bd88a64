"""``python -m custom_components.esp_ota.firmware check ...`` (see ``cli``)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
