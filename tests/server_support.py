"""Real servers for the HTTP tests: the API under uvicorn on a loopback socket, and a
webhook receiver that records what it is sent."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from healthstore import HealthStore
from healthstore.server import ServerSettings, create_app
from healthstore.server.protocol import JSONErrorProtocol


def listening_socket() -> socket.socket:
    """A socket listening on 127.0.0.1 at a free port: connections queue in its backlog
    until the server accepts them, so nobody has to wait for the server to start."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def serve(store: HealthStore, settings: ServerSettings | None = None) -> Iterator[str]:
    """Serve ``store`` with uvicorn in a thread; yields the base URL."""
    with serve_app(create_app(store, settings or ServerSettings())) as url:
        yield url


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve any ASGI app with uvicorn in a thread on loopback; yields the base URL."""
    sock = listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", http=JSONErrorProtocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server on loopback that records POSTs. ``statuses`` lists the answers to
    give, in order (then 200 forever)."""

    def __init__(
        self,
        statuses: list[int] | None = None,
        port: int = 0,
        on_delivery: Callable[[], None] | None = None,
    ) -> None:
        self.deliveries: list[Delivery] = []
        self.statuses = list(statuses or [])
        self.on_delivery = on_delivery
        self._changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.on_delivery is not None:
                    receiver.on_delivery()  # runs while the sender waits for the answer
                with receiver._changed:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if status < 300:
                        receiver.deliveries.append(
                            Delivery(
                                self.path, {k.lower(): v for k, v in self.headers.items()}, body
                            )
                        )
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Delivery]:
        """The deliveries once there are ``count`` of them (fails after ``timeout``)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout)
        assert arrived, f"expected {count} deliveries, got {len(self.deliveries)}"
        return list(self.deliveries)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
