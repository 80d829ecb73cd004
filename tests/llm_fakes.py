"""A scripted language-model server on loopback that speaks the real wire protocols.

No LLM server runs in CI, so the generative tests talk to this one over HTTP exactly as they
would to vLLM / llama.cpp's server (OpenAI chat completions, JSON or SSE streaming) or to
Ollama (``/api/chat``, NDJSON streaming). A test sets ``server.script``: a function of the
request's chat messages that returns a ``Reply`` — text to stream in pieces, a hang, or an
HTTP error.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG_LIMIT = 15.0  # a hanging handler gives up after this, so no thread outlives the tests


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    hang: bool = False
    pieces: int = 0  # stream the text in this many pieces (0: word by word)
    delay: float = 0.0  # seconds before each piece: a slow server


@dataclass
class FakeLLMServer:
    script: Callable[[list[dict[str, Any]]], Reply] = lambda messages: Reply("Nothing.")
    requests: list[dict[str, Any]] = field(default_factory=list)  # bodies received, in order

    def __post_init__(self) -> None:
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, **body})
                reply = server.script(body.get("messages", []))
                if reply.hang:
                    server._release.wait(HANG_LIMIT)
                    return
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": "scripted failure",
                                                        "type": "server_error"}}
                               if self.path.startswith("/v1") else {"error": "scripted failure"})
                    return
                pieces = _pieces(reply)
                self.delay = reply.delay
                if self.path == "/v1/chat/completions":
                    self._openai(body, pieces)
                elif self.path == "/api/chat":
                    self._ollama(body, pieces)
                else:
                    self._json(404, {"error": f"no route {self.path}"})

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _openai(self, body: dict[str, Any], pieces: list[str]) -> None:
                base = {"id": "chatcmpl-fake", "created": int(time.time()),
                        "model": body.get("model", "fake")}
                if not body.get("stream"):
                    self._json(200, {**base, "object": "chat.completion", "choices": [{
                        "index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "".join(pieces)}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces),
                                  "total_tokens": 1 + len(pieces)}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                chunk = {**base, "object": "chat.completion.chunk"}
                deltas = [{"role": "assistant", "content": ""}, *({"content": p} for p in pieces)]
                for delta in deltas:
                    self._sse({**chunk, "choices": [{"index": 0, "delta": delta,
                                                     "finish_reason": None}]})
                self._sse({**chunk, "choices": [{"index": 0, "delta": {},
                                                 "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")

            def _sse(self, payload: dict[str, Any]) -> None:
                if payload["choices"][0]["delta"].get("content"):
                    time.sleep(self.delay)
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _ollama(self, body: dict[str, Any], pieces: list[str]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                base = {"model": body.get("model", "fake"), "created_at": "2026-12-01T00:00:00Z"}
                for piece in pieces:
                    time.sleep(self.delay)
                    line = {**base, "message": {"role": "assistant", "content": piece},
                            "done": False}
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                final = {**base, "message": {"role": "assistant", "content": ""}, "done": True,
                         "done_reason": "stop", "total_duration": 1000, "load_duration": 10,
                         "prompt_eval_count": 100, "prompt_eval_duration": 500,
                         "eval_count": len(pieces), "eval_duration": 400}
                self.wfile.write((json.dumps(final) + "\n").encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeLLMServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


def _pieces(reply: Reply) -> list[str]:
    if reply.pieces:
        size = -(-len(reply.text) // reply.pieces)
        return [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
    return re.findall(r"\S+\s*|\s+", reply.text)


def prompt_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content", "")) for m in messages)


def passage_number(messages: list[dict[str, Any]], needle: str) -> int:
    """The number the prompt gave the passage that contains ``needle``."""
    blocks = re.split(r"\n(?=\[\d+\] )", prompt_of(messages))
    for block in blocks:
        head = re.match(r"\[(\d+)\] ", block)
        if head and needle in block:
            return int(head.group(1))
    raise AssertionError(f"no passage in the prompt contains {needle!r}")


def passage_count(messages: list[dict[str, Any]]) -> int:
    return len(re.findall(r"(?m)^\[\d+\] ", prompt_of(messages)))
