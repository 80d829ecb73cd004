"""Tokens as they come, with a deadline: the model runs in a worker thread, the caller waits
on a queue, so a hung server or a model still reading its prompt cannot hold the answer past
the timeout (the worker stops at its next token, the HTTP client at its own timeout).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index.llm.backends import Backend, LLMUnavailable, explain

if TYPE_CHECKING:
    from llama_index.core.llms import ChatMessage

    from index.answers import Answer
    from index.service import Casefile

DRAFT_EVERY = 0.1  # seconds between draft updates sent to the chat


@dataclass
class Generation:
    text: str
    first_token_s: float  # from the request to the first piece of text
    seconds: float  # the whole generation
    pieces: int  # streamed deltas (about one per token)


def generate(
    backend: Backend,
    messages: Sequence[ChatMessage],
    on_token: Callable[[str], None] | None = None,
) -> Generation:
    """Stream the backend's chat answer; ``on_token`` gets each piece. Raises LLMUnavailable
    (one line) when the backend fails, gives nothing within ``backend.timeout`` seconds, or
    takes more than twice that in all."""
    pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for chunk in backend.llm.stream_chat(list(messages)):
                if stop.is_set():
                    break  # leaving the loop closes the stream (and its HTTP response)
                if chunk.delta:
                    pieces.put(("piece", chunk.delta))
            pieces.put(("done", None))
        except Exception as exc:  # noqa: BLE001 - any client failure becomes a message
            pieces.put(("error", exc))

    started = time.perf_counter()
    deadline = started + 2 * backend.timeout
    threading.Thread(target=work, name=f"casefile-llm-{backend.name}", daemon=True).start()
    parts: list[str] = []
    first = 0.0
    try:
        while True:
            wait = backend.timeout if not parts else deadline - time.perf_counter()
            try:
                kind, value = pieces.get(timeout=max(wait, 0.0))
            except queue.Empty:
                raise LLMUnavailable(_late(backend, bool(parts))) from None
            if kind == "error":
                raise LLMUnavailable(explain(value, backend)) from value
            if kind == "done":
                break
            if not parts:
                first = time.perf_counter() - started
            parts.append(value)
            if on_token:
                on_token(value)
    finally:
        stop.set()
    return Generation("".join(parts), first, time.perf_counter() - started, len(parts))


def _late(backend: Backend, started: bool) -> str:
    if started:
        return f"{backend.label} did not finish within {2 * backend.timeout:g} s."
    return f"{backend.label} did not answer within {backend.timeout:g} s."


def ask_streaming(casefile: Casefile, question: str, **options: Any) -> Iterator[str | Answer]:
    """``casefile.ask`` for the chat: the draft text so far (at most every DRAFT_EVERY s) while
    a generative backend writes, then the verified ``Answer``. Errors are raised here, in the
    caller's thread. With the extractive answerer it yields the answer alone."""
    if not getattr(casefile.answerer, "streams", False):
        yield casefile.ask(question, **options)
        return
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            answer = casefile.ask(question, on_token=lambda t: events.put(("piece", t)),
                                  **options)
            events.put(("answer", answer))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            events.put(("error", exc))

    threading.Thread(target=work, name="casefile-ask", daemon=True).start()
    draft, shown_at = "", 0.0
    while True:
        kind, value = events.get()
        if kind == "error":
            raise value
        if kind == "answer":
            yield value
            return
        draft += value
        if time.perf_counter() - shown_at >= DRAFT_EVERY:
            shown_at = time.perf_counter()
            yield draft
