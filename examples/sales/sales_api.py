"""A small local "sales API" for the example: stdlib HTTP on 127.0.0.1, flaky on purpose.

``GET /orders?date=YYYY-MM-DD&attempt=N`` returns the day's orders as JSON, generated
deterministically from the date (including the bad rows real feeds have: null fields, negative
quantities, re-sent orders). A share of requests fails with ``503 Service Unavailable``, like
the seed's temporarily failing API, so retries show up in ``asset logs``.

Which requests fail is decided by a hash of (day, attempt), not at random, so a run is
reproducible: with the defaults at most two attempts per day fail, and ``sales_raw``'s
``retries=3`` always gets through. Settings (environment):

- ``SALES_API_FAILURE_RATE``: share of requests that fail (default 0.3; 1 = every eligible one).
- ``SALES_API_MAX_FAILURES``: at most this many failed attempts per day (default 2).

The server starts on first use, in a daemon thread on an ephemeral port, once per process.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import urllib.request
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STORES = ["berlin", "hamburg", "munich", "cologne"]
SKUS = [f"SKU-{n:03d}" for n in range(1, 21)]

_lock = threading.Lock()
_server: ThreadingHTTPServer | None = None


def orders_for(day: str) -> list[dict]:
    """The day's orders, warts and all; the same list every time for the same day."""
    rng = random.Random(day)
    midnight = datetime.combine(date.fromisoformat(day), time())
    rows = []
    for n in range(rng.randint(150, 250)):
        ordered_at = midnight + timedelta(seconds=rng.randrange(86_400))
        rows.append(
            {
                "order_id": f"{day}-{n:05d}",
                "ordered_at": ordered_at.isoformat(),
                "store": rng.choice(STORES),
                "sku": rng.choice(SKUS),
                "quantity": rng.randint(1, 5),
                "unit_price": round(rng.uniform(2.0, 80.0), 2),
            }
        )
    for row in rng.sample(rows, 6):  # the feed's known defects
        row[rng.choice(["store", "sku", "unit_price"])] = None
    for row in rng.sample(rows, 4):
        row["quantity"] = -row["quantity"]
    rows.extend(dict(r) for r in rng.sample(rows, 5))  # re-sent orders
    return rows


def fails(day: str, attempt: int) -> bool:
    """Whether the API answers 503 to this day's ``attempt``-th request."""
    rate = float(os.environ.get("SALES_API_FAILURE_RATE", "0.3"))
    limit = int(os.environ.get("SALES_API_MAX_FAILURES", "2"))
    digest = hashlib.blake2b(f"outage/{day}/{attempt}".encode(), digest_size=8).digest()
    return attempt <= limit and int.from_bytes(digest) / 2**64 < rate


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        day = query.get("date", [""])[0]
        attempt = int(query.get("attempt", ["1"])[0])
        try:
            date.fromisoformat(day)
        except ValueError:
            self._send(400, {"error": f"bad date {day!r}"})
            return
        if url.path != "/orders":
            self._send(404, {"error": "not found"})
        elif fails(day, attempt):
            self._send(503, {"error": "service temporarily unavailable, try again"})
        else:
            self._send(200, orders_for(day))

    def _send(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the terminal quiet
        pass


def base_url() -> str:
    """The running server's URL, starting it on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            _server.daemon_threads = True
            thread = threading.Thread(target=_server.serve_forever, daemon=True)
            thread.start()
        host, port = _server.server_address[:2]
        return f"http://{host}:{port}"


def fetch_orders(day: str, attempt: int = 1, timeout: float = 10.0) -> list[dict]:
    """GET the day's orders; raises urllib.error.HTTPError on a 503."""
    url = f"{base_url()}/orders?date={day}&attempt={attempt}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())
