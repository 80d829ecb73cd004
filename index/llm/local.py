"""A GGUF model run in-process by the prebuilt ``ik-llama-cpp-python`` wheel, as a llama-index LLM.

The wheel has no streaming call and formats every chat as Gemma's, so this module does two
things itself: the Qwen (ChatML) prompt, and the token loop — prefill, then greedy decoding one
token at a time, each piece handed on as soon as its UTF-8 bytes are complete. Greedy decoding
takes the arg-max of the logits with numpy; the wheel's own sampler walks the whole vocabulary
(152k entries for Qwen) in Python for every token. The optional extra
``pip install -e '.[local-llm]'`` brings the runtime.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field, PrivateAttr

CONTEXT_TOKENS = 4096
log = logging.getLogger("casefile.llm.runtime")
_LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


@_LOG_CALLBACK
def _to_logging(level: int, text: bytes | None, _user: int | None) -> None:
    # llama.cpp prints hundreds of loader lines to stderr; they belong in the debug log.
    log.debug("%s", (text or b"").decode("utf-8", "replace").rstrip())


def _quiet_runtime() -> None:
    from ik_llama_cpp import _ctypes_api as C

    C._lib.llama_log_set(_to_logging, None)


def chatml(messages: Sequence[ChatMessage]) -> str:
    """Qwen2.5's chat template (ChatML), ending where the assistant's turn begins."""
    parts = [f"<|im_start|>{m.role.value}\n{m.content or ''}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def runtime_available() -> bool:
    try:
        import ik_llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


class LocalGGUF(CustomLLM):
    model_path: str = Field(description="the GGUF file")
    n_threads: int = Field(default=2, description="CPU threads for prefill and decoding")
    n_ctx: int = Field(default=CONTEXT_TOKENS)
    max_tokens: int = Field(default=400)

    _llama: Any = PrivateAttr(default=None)
    # One context holds one conversation's cache: generations take turns.
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    last_prompt_tokens: int = 0  # for the benchmark: prompt size of the latest generation

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("messages_to_prompt", chatml)
        super().__init__(**kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "CasefileLocalGGUF"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.n_ctx, num_output=self.max_tokens,
                           is_chat_model=False, model_name=Path(self.model_path).name)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text="".join(self._pieces(prompt)))

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            text = ""
            for piece in self._pieces(prompt):
                text += piece
                yield CompletionResponse(text=text, delta=piece)

        return gen()

    # -- the runtime -----------------------------------------------------------------------

    def load(self) -> Any:
        """The model, loaded once (memory-mapped: a second process shares the pages)."""
        if self._llama is None:
            # Spinning OpenMP threads collapse decoding to <1 token/s when another process
            # holds a core (measured on these 2-core machines); passive waiting avoids it.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from ik_llama_cpp import IkLlama

            _quiet_runtime()
            if not Path(self.model_path).is_file():
                raise FileNotFoundError(f"no GGUF model at {self.model_path}")
            # Flash attention off: the wheel's asserts on long prompts without AVX-VNNI (it
            # would switch it off itself, with a warning, on such CPUs).
            self._llama = IkLlama(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                  flash_attn=False, verbose=False)
        return self._llama

    def tokenize(self, prompt: str) -> list[int]:
        # The prompt carries its own special tokens (<|im_start|>): no BOS, parse specials.
        return self.load().tokenize(prompt, add_bos=False, special=True)

    def _pieces(self, prompt: str) -> Iterator[str]:
        import numpy as np
        from ik_llama_cpp import _ctypes_api as C
        from ik_llama_cpp._internals import make_batch_range, make_batch_single

        llama = self.load()
        # The wheel's IkLlama keeps its model and context private; version pinned (0.1.5).
        model, context = llama._model, llama._context
        with self._lock:
            tokens = self.tokenize(prompt)
            self.last_prompt_tokens = len(tokens)
            budget = min(self.max_tokens, self.n_ctx - len(tokens))
            if budget <= 0:
                raise ValueError(f"the prompt ({len(tokens)} tokens) fills the model's "
                                 f"{self.n_ctx}-token context")
            context.kv_cache_clear()
            step = context._n_ubatch
            for i in range(0, len(tokens), step):  # prefill in batches the context accepts
                batch = make_batch_range(tokens[i : i + step], pos_start=i,
                                         logits_last=i + step >= len(tokens))
                failed = context.decode(batch)
                C.llama_batch_free(batch)
                if failed:
                    raise RuntimeError(f"llama_decode failed during the prompt ({failed})")
            utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
            buffer = ctypes.create_string_buffer(256)
            position = len(tokens)
            for _ in range(budget):
                logits = C.llama_get_logits_ith(context.ctx, -1)
                token = int(np.ctypeslib.as_array(logits, shape=(model.n_vocab,)).argmax())
                if C.llama_token_is_eog(model.model, token):
                    break
                size = C.llama_token_to_piece(model.model, token, buffer, 256, 0, False)
                piece = utf8.decode(buffer.raw[: max(size, 0)])
                if piece:
                    yield piece
                batch = make_batch_single(token, position)
                failed = context.decode(batch)
                C.llama_batch_free(batch)
                if failed:
                    break
                position += 1
            if tail := utf8.decode(b"", final=True):
                yield tail
