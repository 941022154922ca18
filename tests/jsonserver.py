"""A JSON-over-HTTP server on loopback, standing in for a third-party service (an LLM endpoint, a
translation service) in tests: the code under test makes real HTTP requests to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (path, JSON body) -> the JSON reply, or None for a 400 ("this request should never be made").
Respond = Callable[[str, dict[str, Any]], dict[str, Any] | None]


@contextmanager
def json_server(respond: Respond) -> Iterator[int]:
    """Serve ``respond`` on 127.0.0.1 until the block ends; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            payload = respond(self.path, body)
            if payload is None:
                self.send_error(400, f"unexpected request {self.path}")
                return
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
