"""The UI shop (``ui_shop.py``) as a project file: what ``asset -p`` loads, so the UI's action
can start ``asset materialize`` / ``asset backfill`` on it in another process."""

from tests.resources.ui_shop import build

orders, orders_clean, revenue, flaky, regions = build("2")
