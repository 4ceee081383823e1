"""The local watchdog endpoint: ``GET /healthz`` on loopback, stdlib http.server in a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HealthServer:
    """Serves ``status_fn()`` as JSON at /healthz; 200 when ``status`` is "ok", else 503.

    Bound to 127.0.0.1 only: the watchdog runs on the device; ``port`` 0 picks a free one.
    """

    def __init__(self, status_fn: Callable[[], dict[str, Any]], port: int = 0) -> None:
        status = status_fn

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/healthz":
                    self.send_error(404)
                    return
                body = status()
                data = json.dumps(body).encode()
                self.send_response(200 if body.get("status") == "ok" else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # a watchdog polling every few seconds would flood the log

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="healthz", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
