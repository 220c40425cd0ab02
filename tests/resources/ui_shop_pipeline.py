"""The UI shop (``ui_shop.py``) as a project file, for runs in another process: what
``asset -p`` loads (the UI's action starts ``asset materialize`` on it). With the environment
variable ``UI_SHOP_GATE`` naming a file, ``orders`` waits until that file exists."""

import os
from pathlib import Path

from tests.resources.ui_shop import build

_gate = os.environ.get("UI_SHOP_GATE")
orders, orders_clean, revenue, flaky, regions = build("2", gate=Path(_gate) if _gate else None)
