"""Two ASGI middlewares in front of Gradio's routes.

``RefuseRemoteFetches``: Gradio serves ``/gradio_api/file=<http(s) URL>`` by resolving and fetching
that URL for whoever asks, proxies Hugging Face Spaces at ``/gradio_api/proxy=``, and stores any
``POST /gradio_api/upload``. Casefile needs none of them (no file inputs, nothing remote), and
Gradio has no switch to turn them off, so they are refused here, before any route code runs (and
so before any name resolution).

``LoginBackoff``: Gradio's login route checks a password as often as it is asked. After a few
failures from one client address, that address must wait before it may try again, twice as long
after each further failure; a success clears its record. The address is the connection's peer:
behind a reverse proxy every reader shares the proxy's, so put the limit in the proxy there.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/gradio_api"
REFUSED_ROUTES = ("/upload", "/upload_progress")  # POST uploads and their progress stream


def is_refused(method: str, path: str) -> bool:
    """True for the routes that would fetch a remote URL or accept an upload."""
    if not path.startswith(API_PREFIX + "/"):
        return False
    route = path[len(API_PREFIX):]
    if route.startswith("/file="):
        target = route[len("/file="):].lower()
        # Gradio fetches anything starting "http://" or "https://"; refuse every scheme-like
        # or protocol-relative form rather than mirror its exact test.
        return "://" in target or target.startswith(("http:", "https:", "//"))
    if route.startswith("/proxy="):
        return True
    return route.rstrip("/") in REFUSED_ROUTES and method in ("GET", "POST", "HEAD", "PUT")


async def _send_plain(send: Send, status: int, body: dict[str, Any],
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class RefuseRemoteFetches:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_refused(scope["method"], scope["path"]):
            await _send_plain(send, 403, {"detail": "Casefile serves no remote files and "
                                                    "accepts no uploads."})
            return
        await self.app(scope, receive, send)


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0
    in_flight: bool = False


class LoginBackoff:
    """Refuses ``POST /login`` from an address that failed too often, for a growing delay."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        free_failures: int = 5,
        first_delay: float = 1.0,
        max_delay: float = 300.0,
        max_clients: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.free_failures = free_failures
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_clients = max_clients  # oldest records are forgotten past this many
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].rstrip("/") == "/login"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        record = self._record(client)
        wait = record.blocked_until - self.clock()
        if wait > 0 or record.in_flight:
            # One attempt at a time per address, or the waits could be raced past.
            seconds = max(1, math.ceil(wait))
            await _send_plain(send, 429, {"detail": f"Too many failed logins: try again in "
                                                    f"{seconds} s."},
                              [(b"retry-after", str(seconds).encode())])
            return
        status: dict[str, int] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        record.in_flight = True
        try:
            await self.app(scope, receive, watch)
        finally:
            record.in_flight = False
        code = status.get("code", 500)
        if 200 <= code < 400:
            self._records.pop(client, None)
        elif code in (400, 401, 403):  # Gradio answers a wrong password with 400
            self._failed(record)

    def _record(self, client: str) -> _Record:
        record = self._records.pop(client, None) or _Record()
        self._records[client] = record  # most recent last
        while len(self._records) > self.max_clients:
            self._records.popitem(last=False)
        return record

    def _failed(self, record: _Record) -> None:
        record.failures += 1
        over = record.failures - self.free_failures
        if over >= 0:
            delay = min(self.first_delay * 2 ** over, self.max_delay)
            record.blocked_until = self.clock() + delay
