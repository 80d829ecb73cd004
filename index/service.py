"""Casefile as one object: ask a question, list the corpus, read a document.

The CLI, the evaluation and the web chat all go through here, so validation (empty or huge
questions), follow-up handling and timing are done once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.answers import Answer, Answerer, EmptyIndex, InvalidQuestion, no_evidence
from index.followup import Query
from index.language import is_spanish
from index.passages import Hit
from index.query_params import DEFAULT_K, parse_k
from index.retrieval import HybridRetriever, SearchFilters
from index.settings import Settings, load_settings
from index.store import CorpusStore, DocumentRecord, StoreUnavailable

log = logging.getLogger("casefile.service")

MAX_QUESTION_CHARS = 1000
# How stale the view of the store may be while answering: a new ingest shows up within this.
FRESHNESS_SECONDS = 2.0


class Casefile:
    def __init__(
        self,
        settings: Settings | None = None,
        store: CorpusStore | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        from index.llm import make_answerer

        self.settings = settings or load_settings()
        with self._store_errors():
            self.retriever = HybridRetriever(store or CorpusStore(self.settings))
        # Extractive unless CASEFILE_LLM names a generative backend (index/llm/).
        self.answerer = answerer or make_answerer(self.settings, lambda: self.retriever.stats)
        # What an empty store is waiting for, said instead of "run the ingest" (the app's
        # first start indexes the corpus while it already serves the page).
        self.indexing = ""
        with self._store_errors():
            self.retriever.refresh()

    @property
    def store(self) -> CorpusStore:
        """The retriever's view of the store (renewed when another process ingests)."""
        return self.retriever.store

    # -- questions -------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        k: int = DEFAULT_K,
        filters: SearchFilters | None = None,
        history: list[str] | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``question``; ``history`` holds the user's earlier questions in this chat;
        ``on_token`` receives a generative backend's draft as it is written."""
        started = time.perf_counter()
        question, notices = self._validate(question)
        k = parse_k(k)
        with self._store_errors():
            self.retriever.refresh(max_age=FRESHNESS_SECONDS)
        if self.retriever.empty:  # while the app's first start indexes, it says how far
            raise EmptyIndex(self.indexing or (
                f"The index at the {self.settings.chroma_label} is empty: run `python -m ingest` "
                "first (or start the app, which ingests the corpus when the store is empty)."
            ))
        query = Query.of(question, history or [])
        with self._store_errors():
            hits = self._search(query.search_text, k, filters)
        retrieved_at = time.perf_counter()
        if hits:
            streaming = getattr(self.answerer, "compose_streaming", None)
            composed = (streaming(query, hits, on_token) if on_token and streaming
                        else self.answerer.compose(query, hits))
        else:
            composed = no_evidence(hits, "Nothing in the corpus matches this question.")
        done = time.perf_counter()
        if is_spanish(question):
            notices.append("The documents are in English: Casefile searched them with your "
                           "Spanish question, and every quote is English text as it stands.")
            if (share := self.spanish_prepared()) is not None and share < 1:
                notices.append(f"The search made for Spanish questions is still being prepared "
                               f"({share:.0%}): this answer comes from the English search alone.")
        if filters and filters.active and not hits:
            notices.append("No passage matches the filters; widen them to search the whole corpus.")
        return Answer(
            question=question,
            status=composed.status,
            answer=composed.answer,
            citations=composed.citations,
            retrieved=[h.passage for h in hits],
            related=composed.related,
            notices=notices + composed.notices,
            timings_ms={
                **composed.timings_ms,
                "retrieve": (retrieved_at - started) * 1000,
                "answer": (done - retrieved_at) * 1000,
                "total": (done - started) * 1000,
            },
            search_query=query.search_text,
            backend=composed.backend,
            sentences=composed.sentences,
        )

    def spanish_prepared(self) -> float | None:
        """The share of chunks the multilingual index holds, None when the store keeps none
        (over CASEFILE_MULTILINGUAL_MAX_CHUNKS, or switched off)."""
        store = self.retriever.store
        chunks = store.chunk_count()
        if not chunks or chunks > self.settings.multilingual_max_chunks:
            return None
        return min(1.0, store.multilingual.count() / chunks)

    def _search(self, query: str, k: int, filters: SearchFilters | None) -> list[Hit]:
        try:
            return self.retriever.search(query, k=k, filters=filters)
        except Exception as exc:
            if self.settings.server_mode or not _is_chroma_error(exc):
                raise
            # Another process committed between two looks at the embedded store, so the vector
            # index in memory lacks chunks Chroma's metadata already lists: look again, once.
            log.info("the embedded store changed under this process (%s); reopening it", exc)
            self.retriever.refresh(reopen=True)
            return self.retriever.search(query, k=k, filters=filters)

    @contextmanager
    def _store_errors(self) -> Iterator[None]:
        """A store that fails mid-session becomes a message naming it, not a traceback."""
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as exc:
            if self.settings.server_mode:
                raise StoreUnavailable(self._server_failure(exc)) from exc
            if _is_chroma_error(exc):
                raise StoreUnavailable(
                    f"The {self.settings.chroma_label} changed in a way this process could not "
                    f"follow ({type(exc).__name__}: {exc}); restart the app or command."
                ) from exc
            raise

    def _server_failure(self, exc: BaseException) -> str:
        import httpx

        where = f"the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port}"
        if _caused_by(exc, httpx.TimeoutException):
            return (f"No answer from {where} within {self.settings.chroma_timeout:g} s "
                    "(CASEFILE_CHROMA_TIMEOUT); is it running and not stuck?")
        return f"Lost the connection to {where} ({type(exc).__name__}); is it still running?"

    @staticmethod
    def _validate(question: str) -> tuple[str, list[str]]:
        if question is not None and not isinstance(question, str):
            raise InvalidQuestion("The question must be text.")
        question = (question or "").strip()
        if not question:
            raise InvalidQuestion("Please type a question.")
        notices = []
        if len(question) > MAX_QUESTION_CHARS:
            notices.append(
                f"Your question was {len(question):,} characters long; only the first "
                f"{MAX_QUESTION_CHARS:,} were used."
            )
            question = question[:MAX_QUESTION_CHARS]
        return question, notices

    # -- the corpus ------------------------------------------------------------------------

    def documents(self) -> list[DocumentRecord]:
        # The web chat lists documents for every question (filters): same freshness as ask.
        with self._store_errors():
            self.retriever.refresh(max_age=FRESHNESS_SECONDS)
        return sorted(self.retriever.documents.values(), key=lambda r: (r.kind, r.date, r.title))

    def document_text(self, doc_id: str) -> str | None:
        with self._store_errors():
            return self.store.document_text(doc_id)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """``exc`` or anything it was raised from is a ``kind`` (libraries wrap errors)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_chroma_error(exc: BaseException) -> bool:
    from chromadb.errors import ChromaError

    return _caused_by(exc, ChromaError)
