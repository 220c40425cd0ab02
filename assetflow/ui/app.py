"""The Starlette application behind ``asset ui``: routes, templates, static files, headers.

Every page ``/x`` has a JSON twin ``/api/x`` built from the same :mod:`views` function. The
status matrix travels as the binary payload of :mod:`matrix` (``/api/matrix``), revalidated
by an ETag of the published snapshot so an unchanged warehouse costs a 304.

Headers on every response: a Content-Security-Policy that allows only this origin (no inline
script, nothing fetched from elsewhere), ``nosniff``, no framing, and ``Server-Timing`` with the
time the handler took (the browser exposes it to ``benchmarks/ui_scale.py``). Requests whose
Host is not a loopback name are refused (DNS rebinding) unless other hosts are allowed.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assetflow.errors import AssetflowError, StorageError
from assetflow.observe.statuses import STYLES
from assetflow.observe.units import duration, short, size
from assetflow.project import Project
from assetflow.ui import asset_views, run_views, views
from assetflow.ui.actions import Launcher, read_form, same_origin
from assetflow.ui.data import UiData
from assetflow.ui.matrix import encode
from assetflow.ui.plan_views import PlanRequest, plan_page

HERE = Path(__file__).parent
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(
    project: Project,
    *,
    clock: Callable[[], datetime] | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    allow_actions: bool = False,
) -> Starlette:
    """The UI of ``project``'s warehouse; ``clock`` fixes "now" (tests, benchmarks).

    ``allow_actions`` lets the plan page start a materialize or backfill in a separate process
    (:mod:`assetflow.ui.actions`); off, the action endpoint answers 403.
    """
    data = UiData(project, clock or (lambda: datetime.now(UTC)))
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = lambda v: quote(str(v), safe="")
    env.filters["n"] = lambda v: "-" if v is None else f"{v:,}"
    env.filters["t"] = lambda v: "" if not v else str(v)[:19].replace("T", " ")
    env.filters["size"] = size
    env.filters["dur"] = duration
    env.filters["short"] = short
    env.globals["warehouse"] = str(project.warehouse.root)
    env.globals["actions"] = allow_actions
    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
            Middleware(_Headers),
            Middleware(GZipMiddleware, minimum_size=1000, compresslevel=5),
        ],
    )
    app.state.data = data
    app.state.env = env
    app.state.launcher = Launcher(project) if allow_actions else None
    return app


def _routes() -> list:
    pages = [
        ("/", _overview, "overview.html"),
        ("/assets/{asset}", _asset, "asset.html"),
        ("/assets/{asset}/partitions/{key:path}", _partition, "partition.html"),
        ("/graph", _graph, "graph.html"),
        ("/runs", _runs, "runs.html"),
        ("/runs/{run_id}", _run, "run.html"),
        ("/backfills", _backfills, "backfills.html"),
        ("/plan", _plan, "plan.html"),
    ]
    routes = []
    for path, build, template in pages:
        routes.append(Route(path, _html(build, template)))
        routes.append(Route("/api" + (path if path != "/" else "/overview"), _json(build)))
    routes += [
        Route("/runs-fragment", _html(_runs, "runs_table.html")),
        Route("/runs/{run_id}/fragment", _html(_run, "run_body.html")),
        Route("/backfills-fragment", _html(_backfills, "backfills_table.html")),
        Route("/actions/start", _start_html, methods=["POST"]),
        Route("/api/actions/start", _start_json, methods=["POST"]),
        Route("/api/matrix", _matrix),
        Route("/statuses.css", _status_css),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return routes


# -- page data (one function per page; HTML and JSON both come from it) -----------------------


def _now(request: Request) -> datetime:
    return request.app.state.data.clock()


def _overview(request: Request) -> dict:
    return views.overview(request.app.state.data, _now(request))


def _asset(request: Request) -> dict:
    name = request.path_params["asset"]
    return asset_views.asset_page(request.app.state.data, name, _now(request))


def _partition(request: Request) -> dict:
    params = request.path_params
    return asset_views.partition_page(
        request.app.state.data, params["asset"], params["key"], _now(request)
    )


def _graph(request: Request) -> dict:
    q = request.query_params
    depth = int(q["depth"]) if q.get("depth", "").isdigit() else 2
    center = q.get("asset") or None
    return views.graph_page(
        request.app.state.data, _now(request), center, depth, q.get("all") == "1"
    )


def _runs(request: Request) -> dict:
    return run_views.runs_page(request.app.state.data)


def _run(request: Request) -> dict:
    return run_views.run_page(request.app.state.data, request.path_params["run_id"], _now(request))


def _backfills(request: Request) -> dict:
    return run_views.backfills_page(request.app.state.data)


def _plan(request: Request) -> dict:
    q = request.query_params
    form = PlanRequest(
        q.getlist("asset"), q.get("from", ""), q.get("to", ""), q.get("force") == "1"
    )
    return plan_page(request.app.state.data, form, _now(request))


# -- the one action (``--allow-actions``) ------------------------------------------------------


async def _start(request: Request) -> tuple[int, dict]:
    """Start a run in another process; (HTTP status, what to show)."""
    launcher: Launcher | None = request.app.state.launcher
    if launcher is None:
        return 403, {"error": "actions are off: restart with `asset ui --allow-actions`"}
    if not same_origin(request):
        return 403, {"error": "refused: the request did not come from a page of this UI"}
    try:
        kind, form = await read_form(request)
        launched = launcher.start(kind, form, _now(request))
    except AssetflowError as exc:
        return 400, {"error": str(exc).splitlines()[0]}
    return 202, {
        "kind": kind,
        "pid": launched.pid,
        "command": launched.command,
        "log": str(launched.log),
    }


async def _start_json(request: Request) -> Response:
    status, body = await _start(request)
    return JSONResponse(body, status_code=status)


async def _start_html(request: Request) -> Response:
    status, body = await _start(request)
    env: Environment = request.app.state.env
    if "error" in body:
        page = env.get_template("error.html").render(message=body["error"], title="Not started")
        return HTMLResponse(page, status_code=status)
    return HTMLResponse(env.get_template("started.html").render(**body), status_code=status)


def _html(build: Callable[[Request], dict], template: str):
    def endpoint(request: Request) -> Response:
        env: Environment = request.app.state.env
        try:
            context = build(request)
        except views.NotFound as exc:
            page = env.get_template("error.html").render(message=str(exc))
            return HTMLResponse(page, status_code=404)
        except StorageError as exc:  # the snapshot cannot be read right now: say so in one line
            message = str(exc).splitlines()[0]
            page = env.get_template("error.html").render(message=message, title="Unavailable")
            return HTMLResponse(page, status_code=503)
        context["as_of_label"] = f"{_now(request).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return HTMLResponse(env.get_template(template).render(**context, request=request))

    return endpoint


def _json(build: Callable[[Request], dict]):
    def endpoint(request: Request) -> Response:
        try:
            context = build(request)
        except views.NotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except StorageError as exc:
            return JSONResponse({"error": str(exc).splitlines()[0]}, status_code=503)
        for key in [k for k in context if k.endswith("svg")]:
            del context[key]  # the drawings are HTML's; the twin carries the data behind them
        return JSONResponse(context)

    return endpoint


def _matrix(request: Request) -> Response:
    """The binary status matrix of every asset, or of the ``asset`` query parameters."""
    data: UiData = request.app.state.data
    now = data.clock()
    names = tuple(request.query_params.getlist("asset")) or None
    unknown = [n for n in names or () if n not in data.graph.assets]
    if unknown:
        return JSONResponse({"error": f"unknown asset {unknown[0]!r}"}, status_code=404)
    matrix, version = data.matrix_version(now, names)
    which = zlib.crc32("\0".join(names or ()).encode())
    tag = f'"{version}-{which:x}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    payload = encode(matrix)
    return Response(payload, media_type="application/octet-stream", headers=headers)


def _status_css(request: Request) -> Response:
    """The status colours as CSS variables, so ``statuses.py`` stays their only definition."""
    root = "; ".join(f"--{s.name}: {s.colour}" for s in STYLES)
    rules = "\n".join(f".s-{s.name} {{ --c: var(--{s.name}); }}" for s in STYLES)
    return Response(f":root {{ {root}; }}\n{rules}\n", media_type="text/css")


class _Headers:
    """Security headers and ``Server-Timing`` (time until the response starts) on every reply."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"server-timing", f"app;dur={took:.1f}".encode()),
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
            await send(message)

        await self.app(scope, receive, stamped)
