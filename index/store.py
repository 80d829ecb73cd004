"""Opens the Chroma store and keeps its two collections consistent.

Two collections:
- ``<name>``: chunks with embeddings, written and read through llama-index's ``ChromaVectorStore``;
- ``<name>_documents``: one record per document (metadata, full text for the source viewer, a
  title embedding), which also acts as the commit log.

A document is served only when its record is committed (``version`` set) and a chunk is served
only when its ``version`` equals its document's. Writers list the versions they may leave behind
in ``cleanup`` *before* writing, so an ingest killed at any point leaves nothing visible that is
half-written, and the next run deletes the leftovers (``repair``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from index.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from llama_index.vector_stores.chroma import ChromaVectorStore

COSINE = {"hnsw": {"space": "cosine"}}
log = logging.getLogger("casefile.store")


class StoreUnavailable(RuntimeError):
    """The Chroma store cannot be opened or reached; the message names where it was looked for."""


@dataclass
class DocumentRecord:
    doc_id: str
    title: str
    publisher: str = ""
    author: str = ""
    date: str = ""
    kind: str = "other"
    url: str = ""
    language: str = ""
    license: str = ""
    source_path: str = ""
    source_file: str = ""
    content_hash: str = ""
    version: str = ""  # "" until committed
    cleanup: list[str] = field(default_factory=list)  # chunk versions to delete on repair
    chunk_count: int = 0
    page_count: int = 0
    ingested_at: str = ""

    def to_metadata(self) -> dict[str, Any]:
        data = asdict(self)
        # Chroma metadata values are scalars: the list travels as a JSON string.
        data["cleanup"] = json.dumps(self.cleanup)
        return data

    @classmethod
    def from_metadata(cls, data: dict[str, Any]) -> DocumentRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["cleanup"] = json.loads(values.get("cleanup") or "[]")
        return cls(**values)


def open_client(settings: Settings, *, fresh: bool = False) -> chromadb.ClientAPI:
    """A Chroma client for the configured store.

    Server mode: every call is bounded by ``settings.chroma_timeout``, so a hung server fails a
    question in seconds instead of holding it. Embedded: ``fresh`` opens a new Chroma system for
    the folder instead of the one this process shares; chromadb keeps each collection's vector
    index in memory and never re-reads it, so only a fresh system sees another process's writes.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.server_mode:
        return _server_client(settings, chroma_settings)
    try:
        settings.store.mkdir(parents=True, exist_ok=True)
        path = str(settings.store / "chroma")
        if fresh:
            return _fresh_persistent_client(path, chroma_settings)
        return chromadb.PersistentClient(path=path, settings=chroma_settings)
    except Exception as exc:
        raise StoreUnavailable(f"Cannot open the Chroma store at {settings.store}: {exc}") from exc


def _server_client(settings: Settings, chroma_settings: Any) -> chromadb.ClientAPI:
    import chromadb
    import httpx
    from chromadb.api.base_http_client import BaseHTTPClient

    timeout = httpx.Timeout(settings.chroma_timeout)
    url = BaseHTTPClient.resolve_url(str(settings.chroma_host), False, "/api/v2",
                                     settings.chroma_port)
    try:
        # chromadb's client has no timeout (its httpx session is built with timeout=None) and
        # its constructor already calls the server: knock first, with ours.
        httpx.get(f"{url}/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
        _bound_server_calls(client, timeout)
        client.heartbeat()
    except Exception as exc:  # chromadb raises several types for a refused connection
        raise StoreUnavailable(
            f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            f" ({type(exc).__name__}). Start it with `chroma run --host {settings.chroma_host}"
            f" --port {settings.chroma_port} --path DIR`, or unset CASEFILE_CHROMA_HOST to use"
            " the embedded store."
        ) from exc
    return client


def _bound_server_calls(client: chromadb.ClientAPI, timeout: Any) -> None:
    """Put the timeout on the session chromadb (1.5) sends every request through; it offers no
    setting for it (chroma-core/chroma#5805)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        log.warning("cannot bound Chroma server calls: chromadb no longer keeps an httpx "
                    "session at client._server._session; a hung server will hold questions")
        return
    session.timeout = timeout


def _fresh_persistent_client(path: str, chroma_settings: Any) -> chromadb.ClientAPI:
    """A PersistentClient on a new Chroma system. The new system takes the folder's place in
    chromadb's per-process registry, so later clients share it; clients of the old one keep
    working (it is not stopped) until they are dropped."""
    from chromadb.api import ServerAPI
    from chromadb.api.client import Client
    from chromadb.config import System

    chroma_settings.persist_directory = path
    chroma_settings.is_persistent = True
    system = System(chroma_settings)
    system.instance(ServerAPI)
    system.start()
    return Client.from_system(system)


class CorpusStore:
    def __init__(self, settings: Settings, client: chromadb.ClientAPI | None = None) -> None:
        self.settings = settings
        self.client = client or open_client(settings)
        self.chunks = self.client.get_or_create_collection(
            settings.collection, configuration=COSINE
        )
        self.documents = self.client.get_or_create_collection(
            f"{settings.collection}_documents", configuration=COSINE
        )

    @cached_property
    def vector_store(self) -> ChromaVectorStore:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    # -- reading -------------------------------------------------------------------------------

    def all_records(self) -> dict[str, DocumentRecord]:
        """Every document record, committed or not (the ingest's view)."""
        return self._records()

    def committed(self) -> dict[str, DocumentRecord]:
        """The documents a reader may see."""
        return {i: r for i, r in self.all_records().items() if r.version}

    def document_text(self, doc_id: str) -> str | None:
        got = self.documents.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"] or not DocumentRecord.from_metadata(got["metadatas"][0]).version:
            return None
        return got["documents"][0]

    def chunk_count(self) -> int:
        return self.chunks.count()

    # -- writing (the commit protocol) ---------------------------------------------------------
    # Each step takes a whole batch of documents in one Chroma call: a call costs tens of
    # milliseconds whatever its size, which would otherwise rival the embedding of small documents.

    def begin(self, record: DocumentRecord, title_embedding: list[float], new_version: str) -> None:
        """Announce chunks of ``new_version`` before writing them, so a crash can be undone."""
        self.begin_many([(record, title_embedding, new_version)])

    def begin_many(self, items: list[tuple[DocumentRecord, list[float], str]]) -> None:
        # What the store holds decides, not the caller's record: a document not yet served
        # must get a record listing the new version, or a crash would orphan its chunks.
        if not items:
            return
        stored = self._records([record.doc_id for record, _, _ in items])
        served, unserved, embeddings = [], [], []
        for record, title_embedding, new_version in items:
            current = stored.get(record.doc_id)
            if current and current.version:  # keep serving the old text and metadata
                served.append(replace(current, cleanup=_with(current.cleanup, new_version)))
            else:
                cleanup = _with(current.cleanup if current else record.cleanup, new_version)
                unserved.append(replace(record, version="", cleanup=cleanup))
                embeddings.append(title_embedding)
        if served:
            self.documents.update(
                ids=[r.doc_id for r in served], metadatas=[r.to_metadata() for r in served]
            )
        if unserved:
            self.documents.upsert(
                ids=[r.doc_id for r in unserved],
                documents=[""] * len(unserved),
                metadatas=[r.to_metadata() for r in unserved],
                embeddings=embeddings,
            )

    def commit_many(self, items: list[tuple[DocumentRecord, str, list[float], str]]) -> None:
        """Make each ``record.version`` the served version, then drop the chunks it replaces
        (items: record, full text, title embedding, the version being replaced)."""
        records = [record for record, _, _, _ in items]
        for record, _, _, old_version in items:
            record.cleanup = [old_version] if old_version and old_version != record.version else []
        self.documents.upsert(
            ids=[r.doc_id for r in records],
            documents=[text for _, text, _, _ in items],
            metadatas=[r.to_metadata() for r in records],
            embeddings=[embedding for _, _, embedding, _ in items],
        )
        self._finish_cleanup(records)

    def move(self, doc_id: str, source_path: str) -> None:
        """Record that an unchanged document's file now lives elsewhere."""
        self.documents.update(ids=[doc_id], metadatas=[{"source_path": source_path}])

    def remove(self, record: DocumentRecord) -> None:
        """Withdraw a document: first from readers, then its chunks, then its record."""
        record.cleanup = _with(record.cleanup, record.version)
        record.version = ""
        self.documents.update(ids=[record.doc_id], metadatas=[record.to_metadata()])
        self._finish_cleanup([record])

    def _finish_cleanup(self, records: list[DocumentRecord]) -> None:
        stale = [
            {"$and": [{"doc_id": r.doc_id}, {"version": {"$in": versions}}]}
            for r in records
            if (versions := [v for v in r.cleanup if v and v != r.version])
        ]
        if stale:
            self.chunks.delete(where=stale[0] if len(stale) == 1 else {"$or": stale})
        withdrawn = [r.doc_id for r in records if not r.version]
        if withdrawn:
            self.documents.delete(ids=withdrawn)
        finished = [r for r in records if r.version and r.cleanup]
        for record in finished:
            record.cleanup = []
        if finished:
            self.documents.update(
                ids=[r.doc_id for r in finished], metadatas=[r.to_metadata() for r in finished]
            )

    def repair(self) -> list[str]:
        """Finish or undo whatever a killed writer left; returns the doc ids it touched."""
        touched = [r for r in self.all_records().values() if r.cleanup or not r.version]
        if touched:
            self._finish_cleanup(touched)
        return [r.doc_id for r in touched]

    def _records(self, doc_ids: list[str] | None = None) -> dict[str, DocumentRecord]:
        got = self.documents.get(ids=doc_ids, include=["metadatas"])
        pairs = zip(got["ids"], got["metadatas"], strict=True)
        return {doc_id: DocumentRecord.from_metadata(meta) for doc_id, meta in pairs}


def _with(versions: list[str], version: str) -> list[str]:
    return sorted(set(versions) | {version})
