"""The ``asset`` click group, its global options, and :func:`main` (error handling).

Every user mistake is an :class:`AssetflowError`; its one-line message is printed and the
command exits with its code (2 usage, 1 a task failed). ``--debug`` adds the traceback.

The CLI modules import the engine (polars, pyarrow, DuckDB, pydantic) inside the commands, not
at module level, so ``asset --help`` and ``asset --version`` start at once
(``tests/cli/test_startup.py`` checks what they import).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

import click

from assetflow import __version__, _startup
from assetflow.cli.quick_exit import exit_now
from assetflow.errors import AssetflowError, ConfigError

if TYPE_CHECKING:
    from assetflow.project import Project

EXECUTOR_ENV = "ASSETFLOW_EXECUTOR"
"""Names the executor (processes, threads) for every command that runs tasks."""
WORKERS_ENV = "ASSETFLOW_WORKERS"
"""Tasks run at once at most, for every command that runs tasks."""


class CliState:
    """Global options, and the project loaded from them on first use."""

    def __init__(self, project: str | None, warehouse: str | None, lock_timeout: float | None):

        self._options = (project, warehouse)
        self._lock_timeout = lock_timeout
        self._project: Project | None = None
        self.executor: str | None = None
        """``--executor``, when the command has it."""
        self.scheduler: str | None = None
        """``--scheduler``, when the command has it."""

    @property
    def project(self) -> Project:
        from assetflow.config import resolve_settings
        from assetflow.execute.executors import check_executor, dask_at
        from assetflow.project import Project

        if self._project is None:
            settings = resolve_settings(*self._options)
            self._project = Project.load(settings.project, warehouse=settings.warehouse)
            self._project.warehouse = self._project.warehouse.with_lock_timeout(
                self._lock_timeout or settings.lock_timeout
            )
            # The defaults of every command that runs tasks (materialize, resume, backfill,
            # tick, scheduler); --executor and --workers still win.
            if executor := os.environ.get(EXECUTOR_ENV):
                self._project.executor = check_executor(executor)
            if self.scheduler and self.executor not in (None, "dask"):
                raise ConfigError(
                    f"--scheduler runs tasks on Dask; drop it or use --executor dask, "
                    f"not {self.executor}"
                )
            if self.scheduler or self.executor == "dask":
                # Made now, so a missing extra or a bad address stops the command at once.
                self._project.executor = dask_at(self.scheduler)
            elif self.executor:
                self._project.executor = check_executor(self.executor)
            if workers := os.environ.get(WORKERS_ENV):
                self._project.workers = _positive_int(WORKERS_ENV, workers)
        return self._project

    def note_new_warehouse(self, *, writes: bool = True) -> None:
        """Say so in one line (stderr) when the warehouse does not exist yet: usually a command
        run from an unexpected directory or with a mistyped -w, about to start from scratch."""
        warehouse = self.project.warehouse
        if warehouse.exists:
            return
        where = warehouse.root.resolve()
        text = (
            f"creating a new warehouse at {where}"
            if writes
            else f"no warehouse at {where} yet: nothing has been materialized there"
        )
        click.echo(f"note: {text}", err=True)


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={text!r} must be a whole number of tasks, 1 or more")
    return value


def _lock_timeout(ctx: click.Context, param: click.Parameter, value: float | None):
    from assetflow.commit.warehouse import check_lock_timeout

    return None if value is None else check_lock_timeout(value)


class LazyChoice(click.Choice):
    """A :class:`click.Choice` whose choices are looked up when first needed (an option parsed
    or its help shown): defining the option imports nothing of the engine."""

    def __init__(self, choices: Callable[[], Sequence[str]]) -> None:
        self._load = choices
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(self._load())

    @choices.setter
    def choices(self, value: object) -> None:
        pass


pass_state = click.make_pass_decorator(CliState)
partition_option = click.option(
    "--partition", "partition", metavar="KEY", help="Partition key, e.g. 2026-04-08."
)
range_options = (
    click.option(
        "--from",
        "from_key",
        metavar="KEY",
        help="First partition of an inclusive range (with --to), e.g. 2026-04-01.",
    ),
    click.option(
        "--to", "to_key", metavar="KEY", help="Last partition of the range (with --from)."
    ),
)


def partition_range_options(fn):
    """Add ``--from KEY --to KEY`` (an inclusive partition range) to a command."""
    for option in reversed(range_options):
        fn = option(fn)
    return fn


def _keep(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        setattr(ctx.ensure_object(CliState), param.name or "", value)


def _executor_names() -> tuple[str, ...]:
    from assetflow.execute.executors import executor_names

    return executor_names()


def executor_options(fn: Callable) -> Callable:
    """``--executor NAME`` and ``--scheduler ADDRESS`` for every command that runs tasks; they
    set the loaded project's executor (over env ``ASSETFLOW_EXECUTOR``)."""
    fn = click.option(
        "--scheduler",
        metavar="ADDRESS",
        expose_value=False,
        callback=_keep,
        help="Run tasks on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
        "(implies --executor dask; env ASSETFLOW_DASK_SCHEDULER).",
    )(fn)
    return click.option(
        "--executor",
        type=LazyChoice(_executor_names),
        expose_value=False,
        callback=_keep,
        help="Run tasks in worker processes (default), threads (I/O-bound assets) or on Dask "
        "(a local cluster, or --scheduler's); env ASSETFLOW_EXECUTOR sets the default.",
    )(fn)


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def dump_json(doc: Any) -> str:
    """The one JSON encoding of CLI output: times as ISO 8601 (``2026-04-10T12:00:00+00:00``),
    exact integers from DuckDB decimals stay integers."""
    return json.dumps(doc, indent=2, default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    pydantic = sys.modules.get("pydantic")  # only a loaded pydantic made the value
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    return str(value)


class _AssetGroup(click.Group):
    """Turns an error of any command into one line and its exit code; the parsed ``--debug``
    adds the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not isinstance(exc, AssetflowError) and not _is_duckdb_error(exc):
                raise
            _fail(exc, debug=bool(ctx.params.get("debug")))


@click.group(
    cls=_AssetGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-p",
    "--project",
    metavar="PATH",
    help="Pipeline .py file or module (env ASSETFLOW_PROJECT, else [tool.assetflow]).",
)
@click.option(
    "-w",
    "--warehouse",
    metavar="DIR",
    help="Warehouse directory (env ASSETFLOW_WAREHOUSE, else [tool.assetflow]).",
)
@click.option(
    "--lock-timeout",
    type=float,
    callback=_lock_timeout,
    metavar="SECONDS",
    help="How long to wait for another process writing the warehouse (default 60).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(version=__version__)  # not package_name: no importlib.metadata scan
@click.pass_context
def cli(ctx: click.Context, project, warehouse, lock_timeout, debug) -> None:
    """assetflow: declare partitioned assets; plan what is missing or stale; materialize it
    atomically into DuckDB-backed Parquet.

    \b
    Examples:
      asset list
      asset status --details
      asset materialize --partition 2026-04-08
      asset materialize daily_report --partition 2026-04-08 --force --only
      asset query "select * from daily_report"
    """
    ctx.obj = CliState(project, warehouse, lock_timeout)


def main(argv: list[str] | None = None) -> None:
    """Run the ``asset`` command line ``argv`` (default: ``sys.argv[1:]``) in this process."""
    args = sys.argv[1:] if argv is None else argv
    with _terminate_as_interrupt():
        _run(args)


def script() -> NoReturn:
    """The ``asset`` console script: :func:`main`, then exit without the interpreter's teardown
    (``quick_exit.py``)."""
    try:
        main()
    except SystemExit as exc:
        exit_now(exc.code)
    exit_now(0)


def _likely_worker_run(args: Sequence[str]) -> bool:
    """A command that will probably run many tasks in worker processes: ``materialize`` over
    a range (``--from``/``--to``), ``backfill``, or everything due in a warehouse that does
    not exist yet (a first backfill). Not one partition (a cron-style call runs on threads),
    nor everything due in an existing warehouse: a cron job's steady state, usually nothing or
    a partition per asset, where the early worker cost ~0.5 s of CPU, and 0.1-0.5 s of wall on
    a busy machine, for nothing. Nor a dry run, help, or another executor."""
    given = {arg.partition("=")[0] for arg in args}
    if {"--partition", "--dry-run", "--help", "-h"} & given:
        return False
    ranged = "materialize" in given and bool({"--from", "--to"} & given)
    first = "materialize" in given and not ranged and _new_warehouse(args)
    if not (ranged or first or "backfill" in given):
        return False
    executor = os.environ.get(EXECUTOR_ENV, "processes")
    for i, arg in enumerate(args):
        if arg == "--executor" and i + 1 < len(args):
            executor = args[i + 1]
        elif arg.startswith("--executor="):
            executor = arg.partition("=")[2]
    return executor == "processes"


def _new_warehouse(args: Sequence[str]) -> bool:
    """Whether the warehouse the global options, the environment or ``[tool.assetflow]`` name
    has no catalog yet. False when none names one (the project file may; loading it is what
    the early worker overlaps)."""
    from assetflow.commit.catalog_paths import LIVE_CATALOG  # pathlib only
    from assetflow.config import named_warehouse

    options: dict[str, str] = {}
    rest = list(args)
    while rest and rest[0].startswith("-"):  # the global options, up to the command
        name, eq, value = rest.pop(0).partition("=")
        name = "--warehouse" if name == "-w" else name
        if not eq and name != "--debug" and rest:
            value = rest.pop(0)
        options[name] = value
    try:
        warehouse = named_warehouse(options.get("--warehouse"))
    except AssetflowError:  # a broken [tool.assetflow]: the command itself will say so
        return False
    return warehouse is not None and not (warehouse / LIVE_CATALOG).exists()


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the command like Ctrl-C: one line, exit 130 (a run records itself
    cancelled; the runner turns both signals into a graceful cancellation while it runs)."""
    _startup.restore()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: list[str]) -> None:
    if _likely_worker_run(args):
        from assetflow.execute import warm  # standard library only

        warm.prestart()  # its imports overlap ours (execute/warm.py)
    try:
        cli.main(args=args, prog_name="asset", standalone_mode=False)
    except click.exceptions.Abort:  # click's form of Ctrl-C inside a command
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AssetflowError as exc:  # from parsing the global options, before any command ran
        _fail(exc, debug=False)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


def _is_duckdb_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")  # no DuckDB error without DuckDB loaded
    return duckdb is not None and isinstance(exc, duckdb.Error)


def _fail(exc: Exception, *, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    if isinstance(exc, AssetflowError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    # A catalog failure no layer below turned into a StorageError.
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    click.echo(
        f"error: the warehouse catalog failed: {first}; check free space and permissions, "
        "then run `asset verify`",
        err=True,
    )
    sys.exit(1)
