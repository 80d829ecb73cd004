"""all-MiniLM-L6-v2 as an ONNX graph behind llama-index's embedding interface.

The graph ends at the transformer's ``last_hidden_state``; tokenisation (the MiniLM package's
own tokenizer.json, truncated at 256 word pieces), mean pooling and normalisation are done here
exactly as the sentence-transformers model does them, so its vectors match the torch backend's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

MAX_WORD_PIECES = 256  # the sentence-transformers model's max_seq_length


class OnnxMiniLMEmbedding(BaseEmbedding):
    """MiniLM as an ONNX graph (its output: ``last_hidden_state``), pooled here."""

    model_file: str
    tokenizer_file: str
    max_length: int = MAX_WORD_PIECES
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()

    def __init__(self, model_file: str, tokenizer_file: str, threads: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(model_file=model_file, tokenizer_file=tokenizer_file, **kwargs)
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default, one per core
        options.log_severity_level = 3  # its initializer warnings would pollute --json output
        self._session = onnxruntime.InferenceSession(
            model_file, options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(tokenizer_file)
        # The file ships with fixed 128-piece padding and truncation; the sentence-transformers
        # model pads each batch to its longest input and truncates at 256.
        tokenizer.enable_truncation(max_length=self.max_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer

    @classmethod
    def class_name(cls) -> str:
        return "OnnxMiniLMEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        # sentence-transformers strips each input before tokenising it
        encodings = self._tokenizer.encode_batch([t.strip() for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {
            "input_ids": ids,
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(ids),
        })[0]
        return _mean_pool_normalise(hidden, mask).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def _mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean Pooling then Normalize (same clamps: 1e-9 and 1e-12)."""
    weights = mask[..., None].astype(hidden.dtype)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
