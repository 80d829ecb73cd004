"""Opens the Chroma store and keeps its two collections consistent.

Two collections, and a derived third:
- ``<name>``: chunks with embeddings, written and read through llama-index's ``ChromaVectorStore``;
- ``<name>_documents``: one record per document (metadata, full text for the source viewer, a
  title embedding), which also acts as the commit log;
- ``<name>_multilingual``: the same chunks (same ids, text and metadata) embedded by the
  multilingual model, for Spanish questions (``index.multilingual``). Derived from ``<name>``
  after each ingest (``ingest.multilingual``), so it is never part of the commit protocol: a
  chunk missing from it is only a chunk Spanish questions find by the other two searches.

A document is served only when its record is committed (``version`` set) and a chunk is served
only when its ``version`` equals its document's. Writers list the versions they may leave behind
in ``cleanup`` *before* writing, so an ingest killed at any point leaves nothing visible that is
half-written, and the next run deletes the leftovers (``repair``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from index.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from llama_index.vector_stores.chroma import ChromaVectorStore

COSINE = {"hnsw": {"space": "cosine"}}
log = logging.getLogger("casefile.store")
WRITE_ROUTES = {"add", "upsert", "update", "delete"}  # last path part of chromadb's write calls
WHERE_TERMS = 100  # documents per ``$or`` filter (SQLite's expression depth limit is 1,000)
# The committed-version key lives in the documents collection's metadata: one cheap call to
# poll. ``committed`` changes with every commit or withdrawal; ``published`` is set by the
# ingest once it has written the corpus snapshot for that key (``index.snapshot``).
COMMITTED_KEY, COMMITTED_AT, PUBLISHED_KEY = "casefile_committed", "casefile_committed_at", \
    "casefile_published"
T = TypeVar("T")


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
    tags: str = ""  # the source's own categories, "; "-joined (e.g. a scrape's section)
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
    write_timeout = httpx.Timeout(max(settings.chroma_write_timeout, settings.chroma_timeout))
    url = BaseHTTPClient.resolve_url(str(settings.chroma_host), False, "/api/v2",
                                     settings.chroma_port)
    try:
        # chromadb's client has no timeout (its httpx session is built with timeout=None) and
        # its constructor already calls the server: knock first, with ours.
        httpx.get(f"{url}/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
        _bound_server_calls(client, timeout, write_timeout)
        client.heartbeat()
    except Exception as exc:  # chromadb raises several types for a refused connection
        raise StoreUnavailable(
            f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            f" ({type(exc).__name__}). Start it with `chroma run --host {settings.chroma_host}"
            f" --port {settings.chroma_port} --path DIR`, or unset CASEFILE_CHROMA_HOST to use"
            " the embedded store."
        ) from exc
    return client


def _bound_server_calls(client: chromadb.ClientAPI, timeout: Any, write_timeout: Any) -> None:
    """Put timeouts on the session chromadb (1.5) sends every request through; it offers no
    setting for them (chroma-core/chroma#5805). Writes get the longer one: the server answers a
    full batch (5,461 records) only once it has indexed it, which took 6-11 s on this machine."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        log.warning("cannot bound Chroma server calls: chromadb no longer keeps an httpx "
                    "session at client._server._session; a hung server will hold questions")
        return
    session.timeout = timeout
    send = session.request

    def request(method: str, url: Any, **kwargs: Any) -> Any:
        if str(url).rsplit("/", 1)[-1] in WRITE_ROUTES:
            kwargs.setdefault("timeout", write_timeout)
        return send(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign]


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
    def __init__(
        self,
        settings: Settings,
        client: chromadb.ClientAPI | None = None,
        guard: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or open_client(settings)
        # Called before every write: the ingest lease raises there once another writer owns
        # the store, so a writer that lost it stops before it changes anything more.
        self.guard = guard or (lambda: None)
        self.chunks = self.client.get_or_create_collection(
            settings.collection, configuration=COSINE
        )
        self.documents = self.client.get_or_create_collection(
            f"{settings.collection}_documents", configuration=COSINE
        )
        self.multilingual = self.client.get_or_create_collection(
            f"{settings.collection}_multilingual", configuration=COSINE
        )

    @cached_property
    def vector_store(self) -> ChromaVectorStore:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    @cached_property
    def multilingual_store(self) -> ChromaVectorStore:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.multilingual)

    @cached_property
    def max_batch(self) -> int:
        """Records per Chroma call: the client's own limit (5,461 for a SQLite-backed store)."""
        return self.client.get_max_batch_size()

    # -- reading -------------------------------------------------------------------------------

    def all_records(self) -> dict[str, DocumentRecord]:
        """Every document record, committed or not (the ingest's view)."""
        return self._records()

    def committed(self) -> dict[str, DocumentRecord]:
        """The documents a reader may see."""
        return {i: r for i, r in self.all_records().items() if r.version}

    def versions(self) -> CommittedVersion:
        """The store's committed-version key, read in one call. A store written before the key
        existed gets a digest over its committed (doc_id, version) pairs instead (one read of
        every record), counted as published: its first ingest under this code sets the key."""
        meta = self.client.get_collection(self.documents.name).metadata or {}
        if COMMITTED_KEY in meta:
            return CommittedVersion(str(meta[COMMITTED_KEY]), str(meta.get(PUBLISHED_KEY, "")),
                                    float(meta.get(COMMITTED_AT, 0.0)))
        pairs = sorted((d, r.version) for d, r in self.committed().items())
        legacy = "legacy-" + hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:16]
        return CommittedVersion(legacy, legacy, 0.0)

    def publish(self, key: str) -> None:
        """Say the snapshot of ``key`` is written (by the ingest that made the change)."""
        self.guard()
        self._set_versions({PUBLISHED_KEY: key})

    def _mark_committed(self) -> None:
        # A fresh random token, not a counter: a store deleted and made anew never repeats an
        # old key, so a snapshot persisted for the old store can never be taken for the new.
        self._set_versions({COMMITTED_KEY: uuid.uuid4().hex[:16], COMMITTED_AT: time.time()})

    def _set_versions(self, values: dict[str, Any]) -> None:
        # Read afresh: the collection object's metadata is a copy from when it was opened.
        meta = self.client.get_collection(self.documents.name).metadata or {}
        self.documents.modify(metadata={**meta, **values})

    def document_text(self, doc_id: str) -> str | None:
        got = self.documents.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"] or not DocumentRecord.from_metadata(got["metadatas"][0]).version:
            return None
        return got["documents"][0]

    def chunk_count(self) -> int:
        return self.chunks.count()

    def chunk_ids(self) -> list[str]:
        return self.chunks.get(include=[])["ids"]

    def chunk_pages(self, ids: Sequence[str], size: int) -> Iterator[list]:
        """The chunks with these ids as llama-index nodes (embeddings left out), ``size`` at
        a time."""
        for part in _batches(ids, min(size, self.max_batch)):
            yield self.vector_store.get_nodes(node_ids=list(part))

    def chunk_counts(self, versions: list[str] | None = None) -> Counter[tuple[str, str]]:
        """Stored chunks per (doc_id, version), of these versions or of all. Ids only: a chunk
        id is ``<doc_id>:<version>:<n>`` (``ingest.chunking``)."""
        if versions is not None and not versions:
            return Counter()
        where = None if versions is None else {"version": {"$in": sorted(set(versions))}}
        ids = self.chunks.get(where=where, include=[])["ids"]
        return Counter(tuple(chunk_id.rsplit(":", 2)[:2]) for chunk_id in ids)

    def incomplete(self) -> dict[str, tuple[DocumentRecord, int]]:
        """Committed documents whose chunks are not all in the store: doc_id → (record, chunks
        stored). Only a writer that broke the protocol, or a delete by hand, leaves one."""
        counts = self.chunk_counts()
        return {
            doc_id: (record, counts[(doc_id, record.version)])
            for doc_id, record in self.committed().items()
            if counts[(doc_id, record.version)] != record.chunk_count
        }

    # -- writing (the commit protocol) ---------------------------------------------------------
    # Each step takes a whole batch of documents in as few Chroma calls as the client's batch
    # limit allows: a call costs tens of milliseconds whatever its size, which would otherwise
    # rival the embedding of small documents.

    def begin(self, record: DocumentRecord, title_embedding: list[float], new_version: str) -> None:
        """Announce chunks of ``new_version`` before writing them, so a crash can be undone."""
        self.begin_many([(record, title_embedding, new_version)])

    def begin_many(self, items: list[tuple[DocumentRecord, list[float], str]]) -> None:
        # What the store holds decides, not the caller's record: a document not yet served
        # must get a record listing the new version, or a crash would orphan its chunks.
        if not items:
            return
        self.guard()
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
        self._update_records(served)
        self._upsert_records(unserved, [""] * len(unserved), embeddings)

    def add_chunks(self, nodes: list) -> None:
        """Write embedded chunks (llama-index nodes) of begun versions."""
        self.guard()
        for part in _batches(nodes, self.max_batch):
            self.vector_store.add(part)

    def commit_many(
        self, items: list[tuple[DocumentRecord, str, list[float], str]]
    ) -> list[tuple[DocumentRecord, int]]:
        """Make each ``record.version`` the served version, then drop the chunks it replaces
        (items: record, full text, title embedding, the version being replaced).

        Only a version whose chunks are all in the store is committed; the others are held
        back (returned with the count found) and stay listed for the next run's repair."""
        if not items:
            return []
        self.guard()
        stored = self.chunk_counts([record.version for record, _, _, _ in items])
        held_back = [
            (record, found) for record, _, _, _ in items
            if (found := stored[(record.doc_id, record.version)]) != record.chunk_count
        ]
        short = {record.doc_id for record, _ in held_back}
        items = [item for item in items if item[0].doc_id not in short]
        records = [record for record, _, _, _ in items]
        for record, _, _, old_version in items:
            record.cleanup = [old_version] if old_version and old_version != record.version else []
        self._upsert_records(
            records, [text for _, text, _, _ in items], [emb for _, _, emb, _ in items]
        )
        self._finish_cleanup(records)
        if records:
            self._mark_committed()
        return held_back

    def move(self, doc_id: str, source_path: str) -> None:
        """Record that an unchanged document's file now lives elsewhere."""
        self.guard()
        self.documents.update(ids=[doc_id], metadatas=[{"source_path": source_path}])

    def remove(self, record: DocumentRecord) -> None:
        """Withdraw a document: first from readers, then its chunks, then its record."""
        self.guard()
        record.cleanup = _with(record.cleanup, record.version)
        record.version = ""
        self.documents.update(ids=[record.doc_id], metadatas=[record.to_metadata()])
        self._mark_committed()
        self._finish_cleanup([record])

    def _finish_cleanup(self, records: list[DocumentRecord]) -> None:
        if not records:
            return
        self.guard()
        stale = [
            {"$and": [{"doc_id": r.doc_id}, {"version": {"$in": versions}}]}
            for r in records
            if (versions := [v for v in r.cleanup if v and v != r.version])
        ]
        # A delete by ``where`` has no batch limit (Chroma selects the ids itself), but SQLite
        # refuses an expression tree deeper than 1,000: a long ``$or`` goes in parts.
        for part in _batches(stale, WHERE_TERMS):
            self.chunks.delete(where=part[0] if len(part) == 1 else {"$or": part})
        withdrawn = [r.doc_id for r in records if not r.version]
        for part in _batches(withdrawn, self.max_batch):
            self.documents.delete(ids=part)
        finished = [r for r in records if r.version and r.cleanup]
        for record in finished:
            record.cleanup = []
        self._update_records(finished)

    def repair(self) -> list[str]:
        """Finish or undo whatever a killed writer left; returns the doc ids it touched.
        Only the holder of the ingest lock may call it: another live writer's begun versions
        look exactly like a killed writer's."""
        self.guard()
        touched = [r for r in self.all_records().values() if r.cleanup or not r.version]
        if touched:
            self._finish_cleanup(touched)
        return [r.doc_id for r in touched]

    def withdraw_incomplete(self) -> dict[str, tuple[DocumentRecord, int]]:
        """Withdraw committed documents whose chunks are not all stored (readers must only see
        complete versions); their next ingest writes them anew. Returns ``incomplete()``."""
        self.guard()
        found = self.incomplete()
        for record, _ in found.values():
            self.remove(replace(record))  # a copy: the caller reports the record as it was
        return found

    # -- the derived multilingual collection ----------------------------------------------------

    def multilingual_ids(self) -> list[str]:
        return self.multilingual.get(include=[])["ids"]

    def add_multilingual(self, nodes: list) -> None:
        """Write chunks embedded by the multilingual model (their ``embedding`` set)."""
        self.guard()
        for part in _batches(nodes, self.max_batch):
            self.multilingual_store.add(part)

    def delete_multilingual(self, ids: Sequence[str]) -> None:
        self.guard()
        for part in _batches(ids, self.max_batch):
            self.multilingual.delete(ids=list(part))

    def _update_records(self, records: list[DocumentRecord]) -> None:
        for part in _batches(records, self.max_batch):
            self.documents.update(
                ids=[r.doc_id for r in part], metadatas=[r.to_metadata() for r in part]
            )

    def _upsert_records(
        self, records: list[DocumentRecord], texts: list[str], embeddings: list[list[float]]
    ) -> None:
        step = self.max_batch
        for start in range(0, len(records), step):
            part = records[start : start + step]
            self.documents.upsert(
                ids=[r.doc_id for r in part],
                documents=texts[start : start + step],
                metadatas=[r.to_metadata() for r in part],
                embeddings=embeddings[start : start + step],
            )

    def _records(self, doc_ids: list[str] | None = None) -> dict[str, DocumentRecord]:
        records: dict[str, DocumentRecord] = {}
        for part in self._id_pages(self.documents, doc_ids):
            got = self.documents.get(ids=list(part), include=["metadatas"])
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                records[doc_id] = DocumentRecord.from_metadata(meta)
        return records

    def chunk_nodes(self) -> Iterator[list]:
        """Every stored chunk as llama-index nodes, a page at a time. Embedded Chroma fails one
        read of more than ~32.7k rows with their metadata ("too many SQL variables"); ids alone
        read in one call at any size, then the rows go in pages of the client's batch size."""
        for part in self._id_pages(self.chunks):
            yield self.vector_store.get_nodes(node_ids=list(part))

    def _id_pages(self, collection: Any, ids: list[str] | None = None) -> Iterator[Sequence[str]]:
        if ids is None:
            ids = collection.get(include=[])["ids"]
        yield from _batches(ids, self.max_batch)


@dataclass(frozen=True)
class CommittedVersion:
    key: str  # changes whenever the set of committed document versions does
    published: str  # the key whose snapshot the last ingest wrote ("" before any)
    committed_at: float  # when ``key`` was set (time.time(); 0 for a legacy store)

    @property
    def is_published(self) -> bool:
        return self.key == self.published


def _with(versions: list[str], version: str) -> list[str]:
    return sorted(set(versions) | {version})


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
