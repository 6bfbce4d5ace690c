"""The explore server: a Starlette app on uvicorn, bound to 127.0.0.1 only.

The page (``static/``) asks for JSON; every computation runs in a worker thread, one at a
time, within the time limit of :class:`~gradwalk.explore._requests.Limits`. A bad
request gets status 4xx and ``{"error": message, "field": name}``; nothing answers with a
traceback.
"""

from __future__ import annotations

import json
import socket
import threading
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gradwalk._common.language import LANGUAGES, catalog, language_scope, page_language
from gradwalk._common.language import gettext as _

from ._descent_view import compute_descent, describe, read_descent
from ._learning_view import Sessions
from ._requests import LIMITS, Limits, RequestError

__all__ = ["HOST", "bind", "create_app", "serve"]

#: The only address the server listens on.
HOST = "127.0.0.1"
STATIC = Path(__file__).parent / "static"


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


async def _payload(request: Request, limits: Limits) -> Mapping[str, Any]:
    """The request's JSON object, or an HTTPException saying what is wrong with it."""
    body = await request.body()
    if len(body) > limits.body_bytes:
        raise HTTPException(413, f"the request is {len(body)} bytes; at most {limits.body_bytes}.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise HTTPException(400, f"the request body is not JSON: {error}.") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the request body must be a JSON object of the page's inputs.")
    return payload


def create_app(limits: Limits = LIMITS) -> Starlette:
    """The explore app: the page, its static files and its JSON API.

    Parameters
    ----------
    limits : Limits
        What one request may ask for.

    Returns
    -------
    starlette.applications.Starlette
    """
    # One computation at a time: Python's warning filters, which descend and the views
    # catch per run, are global to the process, so two runs in two threads would mix
    # them up; the page's static files and menus are answered meanwhile.
    workers = anyio.CapacityLimiter(1)
    sessions = Sessions(limits)

    async def compute(request: Request, work: Callable[[Mapping[str, Any]], Any]) -> Response:
        payload = await _payload(request, limits)

        def spoken(payload: Mapping[str, Any]) -> Any:
            with language_scope(page_language(payload.get("lang"))):
                return work(payload)

        try:
            answer = await anyio.to_thread.run_sync(spoken, payload, limiter=workers)
        except RequestError as error:
            return _error(422, str(error), error.field)
        return JSONResponse(answer)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def options(request: Request) -> Response:
        return JSONResponse(
            {
                "descent": describe(limits),
                "learning": sessions.describe(),
                "languages": LANGUAGES,
            }
        )

    async def messages(request: Request) -> Response:
        code = page_language(request.query_params.get("lang"))
        return JSONResponse({"lang": code, "messages": catalog(code)})

    async def descent(request: Request) -> Response:
        return await compute(request, lambda p: compute_descent(read_descent(p, limits), limits))

    async def learn_start(request: Request) -> Response:
        return await compute(request, sessions.start)

    async def learn_step(request: Request) -> Response:
        return await compute(request, sessions.step)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return _error(error.status_code, error.detail)

    async def server_error(request: Request, error: Exception) -> Response:
        return _error(500, f"the server could not answer: {type(error).__name__}: {error}")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/options", options),
            Route("/api/messages", messages),
            Route("/api/descent", descent, methods=["POST"]),
            Route("/api/learn/start", learn_start, methods=["POST"]),
            Route("/api/learn/step", learn_step, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port=0``: a free port), or an OSError in words."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        raise OSError(
            _("cannot listen on {address} ({reason}); pass --port 0 for a free port.").format(
                address=f"{HOST}:{port}", reason=error.strerror
            )
        ) from None
    sock.listen(128)
    return sock


def serve(
    port: int,
    *,
    open_browser: bool = True,
    out: Callable[[str], object] = print,
    limits: Limits = LIMITS,
) -> None:
    """Serve the page on 127.0.0.1 until Ctrl-C; print its URL and open it in a browser.

    Raises
    ------
    OSError
        When the port cannot be used.
    """
    sock = bind(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    out(
        _(
            "gradwalk explore: serving on {url} (only this machine can reach it); Ctrl-C stops."
        ).format(url=url)
    )
    config = uvicorn.Config(create_app(limits), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        pass
    finally:
        sock.close()
    out(_("gradwalk explore: stopped."))
