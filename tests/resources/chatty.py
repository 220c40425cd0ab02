"""``chatty`` logs, prints, warns; it fails its first attempt (retries=1) with a traceback.

``CHATTY_LINES`` / ``CHATTY_PAUSE``: print that many extra lines, pausing between them (for
following a running task's log).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings

import polars as pl

import assetflow as af

library_log = logging.getLogger("chatty.library")


@af.asset(code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
def chatty(context: af.Context) -> pl.DataFrame:
    context.log.info("starting attempt %d", context.attempt)
    print("hello from print")
    print("to stderr", file=sys.stderr)
    warnings.warn("prices look odd", UserWarning, stacklevel=1)
    library_log.warning("a library complains")
    for n in range(int(os.environ.get("CHATTY_LINES", "0"))):
        print(f"progress {n}", flush=True)
        time.sleep(float(os.environ.get("CHATTY_PAUSE", "0")))
    if context.attempt == 1:
        raise ZeroDivisionError("first attempt always fails")
    return pl.DataFrame({"x": [1]})
