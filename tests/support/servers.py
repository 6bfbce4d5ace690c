"""The explore page's server, run for real: uvicorn on 127.0.0.1 and a free port, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gradwalk.explore._requests import Limits


@contextmanager
def running_server(limits: Limits | None = None) -> Iterator[str]:
    """The explore app served by uvicorn on 127.0.0.1 and a free port; yields its URL.

    Needs the explore extra (starlette, uvicorn): callers skip without it.
    """
    import uvicorn

    from gradwalk.explore._server import bind, create_app

    sock = bind(0)
    app = create_app(limits) if limits is not None else create_app()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the explore server did not start within 10 s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
