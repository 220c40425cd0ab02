"""How a task is run: retries with backoff and jitter, which errors to retry, timeout, concurrency.

A :class:`TaskPolicy` is declared per asset (``@asset(policy=TaskPolicy(retries=3))``) and per
project (``Project(defaults=TaskPolicy(...))``). Every field left ``None`` inherits: asset, then
project, then :data:`BUILTIN_POLICY`. Pure values, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from assetflow.errors import DefinitionError


@dataclass(frozen=True)
class TaskPolicy:
    """Retry, timeout and concurrency settings; ``None`` means "inherit".

    Attributes:
        retries: extra attempts after the first fails with a retryable error (0 = no retry).
        retry_delay: seconds before the first retry.
        backoff: each further retry waits ``backoff`` times longer than the one before.
        jitter: randomise each delay by up to this fraction either way (0.5 = 50%..150%), so
            many failed tasks do not hit a recovering service at the same instant.
        retry_on: retry only errors that are instances of these types (any retryable error
            when None). Errors marked ``retryable = False`` (a bad return value, a schema
            error) are never retried.
        timeout: seconds one attempt may run before it is stopped (a failed, retryable attempt).
        max_concurrency: at most this many partitions of the asset run at once.
    """

    retries: int | None = None
    retry_delay: float | None = None
    backoff: float | None = None
    jitter: float | None = None
    retry_on: tuple[type[BaseException], ...] | None = None
    timeout: float | None = None
    max_concurrency: int | None = None

    def __post_init__(self) -> None:
        retry_on = self.retry_on
        if isinstance(retry_on, type):
            retry_on = (retry_on,)
        if retry_on is not None:
            retry_on = tuple(retry_on)
            if not all(isinstance(t, type) and issubclass(t, BaseException) for t in retry_on):
                raise DefinitionError(
                    f"retry_on={self.retry_on!r} must be exception types, e.g. (TimeoutError,)"
                )
            object.__setattr__(self, "retry_on", retry_on)
        _check(self.retries, "retries", minimum=0, integer=True)
        _check(self.retry_delay, "retry_delay", minimum=0)
        _check(self.backoff, "backoff", minimum=1)
        _check(self.jitter, "jitter", minimum=0, maximum=1)
        _check(self.timeout, "timeout", minimum=0, exclusive=True)
        _check(self.max_concurrency, "max_concurrency", minimum=1, integer=True)

    def over(self, base: TaskPolicy) -> TaskPolicy:
        """This policy with every unset field taken from ``base``."""
        values = {
            f.name: getattr(self, f.name)
            if getattr(self, f.name) is not None
            else getattr(base, f.name)
            for f in fields(self)
        }
        return TaskPolicy(**values)


def _check(
    value: float | int | None,
    name: str,
    *,
    minimum: float,
    maximum: float | None = None,
    integer: bool = False,
    exclusive: bool = False,
) -> None:
    if value is None:
        return
    kind = "an integer" if integer else "a number"
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    ok = ok and not isinstance(value, bool)
    if ok:
        ok = value > minimum if exclusive else value >= minimum
        ok = ok and (maximum is None or value <= maximum)
    if not ok:
        bound = f"> {minimum:g}" if exclusive else f">= {minimum:g}"
        if maximum is not None:
            bound += f" and <= {maximum:g}"
        raise DefinitionError(f"{name}={value!r} must be {kind} {bound}")


BUILTIN_POLICY = TaskPolicy(retries=0, retry_delay=1.0, backoff=2.0, jitter=0.5)
"""What applies when neither the asset nor the project says otherwise."""
