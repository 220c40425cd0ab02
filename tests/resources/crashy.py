"""``crashy`` kills its own worker process on the first attempt (like a segfault or the OOM
killer), then succeeds; retries=1."""

from __future__ import annotations

import os
import signal

import polars as pl

import assetflow as af


@af.asset(code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
def crashy(context: af.Context) -> pl.DataFrame:
    if context.attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return pl.DataFrame({"attempt": [context.attempt]})
