"""One frozen view of the corpus: everything a search reads, made once per committed version.

A ``CorpusSnapshot`` holds the BM25 index, the document records, the word statistics, the
acronyms, the numbers that name documents, the link-list flags and the vector-index handle, all
of one committed version of the store (``CorpusStore.versions``). The retriever swaps a whole
snapshot in one assignment, so a search never sees half of one.

The ingest that changed the store writes the snapshot's costly parts to disk once
(``persist_after_ingest``): llama-index's ``BM25Retriever.persist`` (bm25s) plus a JSON of the
statistics, in ``<root>/<key>/``, written to a temporary folder and renamed into place, so a
reader never loads half of one. Readers load it; they build it from the chunks themselves only
when no folder matches the key (a store from before this code, or a Chroma server whose ingest
ran on another machine) and then keep what they built in the same place for the next process.

Where the folder lives: next to an embedded store (``<store>/snapshots``); for a Chroma server,
in this machine's cache (``$XDG_CACHE_HOME/casefile/snapshots/<host>-<port>-<collection>``,
default ``~/.cache``), since the server's machine may not be this one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from index.acronyms import defined_acronyms
from index.features import CorpusStats
from index.named_documents import DocumentNumbers
from index.passages import is_link_list
from index.query_params import DATE_FIRST, DATE_LAST, SearchFilters
from index.settings import Settings
from index.store import CorpusStore, DocumentRecord

if TYPE_CHECKING:
    import numpy as np
    from llama_index.core import VectorStoreIndex
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

log = logging.getLogger("casefile.snapshot")
CANDIDATES = 40  # hits taken from each retriever before fusion (retrieval.CANDIDATES)
FORMAT = 2  # of the persisted folder; a folder of another format is rebuilt (2: series)
STATS_FILE = "snapshot.json"
KEEP = 3  # persisted snapshots kept: the newest, and older ones a reader may be loading


@dataclass(frozen=True)
class ChunkColumns:
    """Per BM25 corpus position, the fields a filter reads: a filter becomes a mask in a few
    vectorised comparisons instead of a loop over every chunk."""

    doc_ids: np.ndarray
    kinds: np.ndarray
    date_first: np.ndarray  # YYYYMMDD; 0 when undated
    date_last: np.ndarray

    @classmethod
    def of(cls, corpus: list[dict[str, Any]]) -> ChunkColumns:
        import numpy as np

        return cls(
            doc_ids=np.array([c.get("doc_id", "") for c in corpus], dtype=object),
            kinds=np.array([c.get("kind", "") for c in corpus], dtype=object),
            date_first=np.array([int(c.get(DATE_FIRST) or 0) for c in corpus], dtype=np.int64),
            date_last=np.array([int(c.get(DATE_LAST) or 0) for c in corpus], dtype=np.int64),
        )

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """1 for each chunk the filters admit; None when they admit every one."""
        import numpy as np

        if not filters.active:
            return None
        keep = np.ones(len(self.doc_ids), dtype=bool)
        if filters.kinds:
            keep &= np.isin(self.kinds, list(filters.kinds))
        if filters.doc_ids:
            keep &= np.isin(self.doc_ids, list(filters.doc_ids))
        if (days := filters.day_range) is not None:
            # Overlap, as SearchFilters.admits: an undated chunk (0) never matches.
            keep &= (self.date_first > 0) & (self.date_last >= days[0]) & (
                self.date_first <= days[1])
        return keep.astype(np.int8)


@dataclass(frozen=True)
class CorpusSnapshot:
    key: str  # the committed-version key it was made for ("" for the empty start)
    store: CorpusStore
    documents: Mapping[str, DocumentRecord]
    bm25: BM25Retriever | None
    columns: ChunkColumns | None
    stats: CorpusStats
    acronyms: Mapping[str, str]
    numbers: DocumentNumbers
    link_lists: frozenset[str]  # chunk ids never to retrieve (for stores without the flag)
    served: int  # committed chunks, link lists included
    vector_index: VectorStoreIndex | None
    # The multilingual collection's vector store, None when the store has none (over the
    # size cap, or written before it existed). Its index is made on the first Spanish
    # question, so an English-only process never loads the multilingual model.
    multilingual: ChromaVectorStore | None = None
    source: str = "empty"  # "persisted" (loaded), "built" (from the chunks) or "empty"
    seconds: float = 0.0  # how long making it took
    made_at: float = field(default_factory=time.monotonic)

    @classmethod
    def empty(cls, store: CorpusStore) -> CorpusSnapshot:
        return cls(key="", store=store, documents=MappingProxyType({}), bm25=None, columns=None,
                   stats=CorpusStats(0, {}), acronyms=MappingProxyType({}),
                   numbers=DocumentNumbers(()), link_lists=frozenset(), served=0,
                   vector_index=None)


# -- where the persisted snapshots live --------------------------------------------------------


def snapshot_root(settings: Settings) -> Path:
    if not settings.server_mode:
        return settings.store / "snapshots"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    server = f"{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return cache / "casefile" / "snapshots" / "".join(
        c if c.isalnum() or c in "-_." else "_" for c in server)


# -- making one ---------------------------------------------------------------------------------


def make(store: CorpusStore, key: str, *, persist: bool = True) -> CorpusSnapshot:
    """The snapshot of ``key``: loaded from disk when it was persisted, otherwise built from
    the chunks (and then persisted, unless ``persist`` is false). The caller reads ``key``
    before calling, so what is read here is at least as new as the key says."""
    started = time.perf_counter()
    committed = store.committed()
    folder = snapshot_root(store.settings) / key
    loaded = _load(folder) if key else None
    if loaded is not None:
        bm25, meta = loaded
        source = "persisted"
    else:
        bm25, meta = _build(store, committed)
        source = "built"
        if persist and key:
            _persist(folder, bm25, meta)
    return _assemble(store, key, committed, bm25, meta, source, started)


def persist_after_ingest(store: CorpusStore) -> str | None:
    """Called by the ingest, holding the writer lock, after its run: write the snapshot of the
    store's committed key unless it is there already, then publish the key. Returns the key
    written, None when nothing needed writing."""
    versions = store.versions()
    folder = snapshot_root(store.settings) / versions.key
    if versions.is_published and _load_meta(folder) is not None:
        return None
    if _load_meta(folder) is None:
        bm25, meta = _build(store, store.committed())
        _persist(folder, bm25, meta)
    if not versions.key.startswith("legacy-"):
        store.publish(versions.key)
    return versions.key


def _assemble(store: CorpusStore, key: str, committed: dict[str, DocumentRecord],
              bm25: BM25Retriever | None, meta: dict[str, Any], source: str,
              started: float) -> CorpusSnapshot:
    from llama_index.core import VectorStoreIndex

    from index.embedding import embed_model

    vector_index = VectorStoreIndex.from_vector_store(store.vector_store,
                                                      embed_model=embed_model())
    stats = meta["stats"]
    return CorpusSnapshot(
        key=key,
        store=store,
        documents=MappingProxyType(committed),
        bm25=bm25,
        columns=ChunkColumns.of(bm25.corpus) if bm25 is not None else None,
        stats=CorpusStats(int(stats["chunks"]), stats["frequency"],
                          frozenset(stats["series"]), MappingProxyType(meta["acronyms"])),
        acronyms=MappingProxyType(meta["acronyms"]),
        numbers=DocumentNumbers((d, r.title) for d, r in committed.items()),
        link_lists=frozenset(meta["link_lists"]),
        served=int(meta["served"]),
        vector_index=vector_index,
        multilingual=store.multilingual_store if store.multilingual.count() else None,
        source=source,
        seconds=time.perf_counter() - started,
    )


def _build(store: CorpusStore,
           committed: dict[str, DocumentRecord]) -> tuple[BM25Retriever | None, dict[str, Any]]:
    """BM25 and the word lists from every served chunk: the costly part, done once per key."""
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = [n for page in store.chunk_nodes() for n in page
             if is_served(n.metadata, committed)]
    # A "Sources:" list of links matches every keyword in its URLs and answers nothing. New
    # chunks carry the flag from ingest; older ones are judged by their text.
    link_lists = sorted(n.node_id for n in nodes if _link_list(n))
    skip = set(link_lists)
    searchable = [n for n in nodes if n.node_id not in skip]
    bm25 = (BM25Retriever.from_defaults(nodes=searchable, similarity_top_k=CANDIDATES)
            if searchable else None)
    stats = CorpusStats.of(n.get_content() for n in searchable)
    meta = {
        "format": FORMAT,
        "served": len(nodes),
        "link_lists": link_lists,
        "stats": {"chunks": stats.chunks, "frequency": stats.frequency,
                  "series": sorted(stats.series)},
        "acronyms": defined_acronyms(n.get_content() for n in nodes),
    }
    return bm25, meta


def _link_list(node: Any) -> bool:
    flag = node.metadata.get("link_list")
    return bool(flag) if flag is not None else is_link_list(node.get_content())


def is_served(metadata: Mapping[str, Any], committed: Mapping[str, DocumentRecord]) -> bool:
    record = committed.get(metadata.get("doc_id", ""))
    return record is not None and record.version == metadata.get("version")


# -- on disk ------------------------------------------------------------------------------------


def _persist(folder: Path, bm25: BM25Retriever | None, meta: dict[str, Any]) -> None:
    """Write to a temporary folder beside ``folder``, then rename it into place: a reader sees
    no folder or a whole one. If another process got there first, its folder stays."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        temporary.mkdir()
        if bm25 is not None:
            bm25.persist(str(temporary / "bm25"), show_progress=False)
        # The statistics file last: its presence marks a complete folder.
        (temporary / STATS_FILE).write_text(json.dumps(meta), encoding="utf-8")
        # Already there (another process wrote the same key): keep that one.
        with contextlib.suppress(OSError):
            temporary.rename(folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    _prune(folder.parent, keep=folder.name)


def _load(folder: Path) -> tuple[BM25Retriever | None, dict[str, Any]] | None:
    meta = _load_meta(folder)
    if meta is None:
        return None
    bm25 = None
    if (folder / "bm25").is_dir():
        from llama_index.retrievers.bm25 import BM25Retriever

        try:
            bm25 = BM25Retriever.from_persist_dir(str(folder / "bm25"), show_progress=False)
        except (OSError, ValueError) as exc:  # pruned while we read it, or damaged: rebuild
            log.warning("cannot load the snapshot at %s (%s); rebuilding", folder, exc)
            return None
    return bm25, meta


def _load_meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / STATS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == FORMAT else None


def _prune(root: Path, keep: str) -> None:
    """Drop all but the newest few snapshots (by time written), never ``keep``."""
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in folders[KEEP:]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
