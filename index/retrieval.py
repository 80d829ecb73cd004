"""Hybrid search over the store: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

Both halves are llama-index retrievers. The fusion is done here rather than by
``QueryFusionRetriever`` because that one overwrites each hit's score with the fused rank
score, and the answerer needs the dense similarity to decide when to abstain.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING

from index.acronyms import defined_acronyms, expand
from index.embedding import embed_model, query_embedding
from index.features import CorpusStats
from index.named_documents import DocumentNumbers
from index.passages import Hit, Passage, is_link_list
from index.query_params import SearchFilters  # the one parser of filters; re-exported here
from index.store import CorpusStore, DocumentRecord, open_client

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore, QueryBundle

RRF_K = 60  # the usual reciprocal-rank constant: damps the weight of the very first ranks
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0
CANDIDATES = 40  # hits taken from each retriever before fusion and filtering


class HybridRetriever:
    """Owns the BM25 index built from the committed chunks, and rebuilds it when they change."""

    def __init__(self, store: CorpusStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._snapshot: tuple = ()
        self._checked_at = float("-inf")
        self.documents: dict[str, DocumentRecord] = {}
        self._bm25 = None
        self._served_chunks = 0
        self._link_lists: frozenset[str] = frozenset()  # chunk ids never to retrieve
        self._vector_index = None
        self.stats = CorpusStats(0, {})  # term frequencies over the served chunks
        self.acronyms: dict[str, str] = {}  # "PLCAA" -> the long form the corpus gives it
        self._numbers = DocumentNumbers(())  # "554" -> the document titled "18 U.S.C. § 554 …"

    # -- keeping in step with the store ----------------------------------------------------

    def refresh(self, max_age: float = 0.0, *, reopen: bool = False) -> None:
        """Reload the BM25 index if the set of committed document versions changed.

        Reading every document record costs tens of milliseconds on a large corpus, so callers
        on the hot path pass ``max_age``: a check younger than that many seconds is trusted.
        ``reopen`` rebuilds on a fresh view of the store even if nothing seems to have changed.
        """
        now = time.monotonic()
        if not reopen and max_age and now - self._checked_at < max_age:
            return
        first_look = self._checked_at == float("-inf")
        self._checked_at = now
        # Document records are read from SQLite, so they show other processes' commits.
        committed = self.store.committed()
        snapshot = tuple(sorted((d, r.version) for d, r in committed.items()))
        if snapshot == self._snapshot and not reopen:
            return
        with self._lock:
            if snapshot == self._snapshot and not reopen:
                return
            if not first_look and not self.store.settings.server_mode:
                # An embedded Chroma keeps each vector index in memory as it first read it:
                # another process's new chunks would be missing from it ("Error finding id"
                # for a question filtered to them). A fresh client reads the index anew.
                self.store = CorpusStore(self.store.settings,
                                         client=open_client(self.store.settings, fresh=True))
                self._vector_index = None
            from llama_index.core import VectorStoreIndex
            from llama_index.retrievers.bm25 import BM25Retriever

            nodes = [
                n
                for n in self.store.vector_store.get_nodes(node_ids=None)
                if _is_served(n.metadata, committed)
            ]
            # A "Sources:" list of links matches every keyword in its URLs and answers nothing.
            link_lists = frozenset(n.node_id for n in nodes if is_link_list(n.get_content()))
            searchable = [n for n in nodes if n.node_id not in link_lists]
            self._bm25 = (
                BM25Retriever.from_defaults(nodes=searchable, similarity_top_k=CANDIDATES)
                if searchable
                else None
            )
            if self._vector_index is None:
                self._vector_index = VectorStoreIndex.from_vector_store(
                    self.store.vector_store, embed_model=embed_model()
                )
            self._served_chunks = len(nodes)
            self._link_lists = link_lists
            self.stats = CorpusStats.of(n.get_content() for n in searchable)
            self.acronyms = defined_acronyms(n.get_content() for n in nodes)
            self._numbers = DocumentNumbers((d, r.title) for d, r in committed.items())
            self.documents = committed
            self._snapshot = snapshot

    @property
    def empty(self) -> bool:
        return self._served_chunks == 0

    # -- searching -------------------------------------------------------------------------

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None) -> list[Hit]:
        from llama_index.core.schema import QueryBundle

        filters = filters or SearchFilters()
        if self.empty:
            return []
        bundle = QueryBundle(query_str=query)
        bundle.embedding = list(query_embedding(query))
        dense = self._dense(bundle, filters)
        # A statute never uses the acronym readers know it by: keyword search looks for both
        # forms. (The embedding already places "PLCAA" near its long form; measured no gain.)
        keyword_bundle = QueryBundle(query_str=expand(query, self.acronyms))
        keyword = [
            h
            for h in (self._bm25.retrieve(keyword_bundle) if self._bm25 else [])
            if _is_served(h.node.metadata, self.documents)
        ]
        hits = _dated_first(self._fuse(dense, keyword, filters), query)
        named = [
            doc_id
            for doc_id in self._numbers.named_in(query)
            if not filters.doc_ids or doc_id in filters.doc_ids  # a document filter still rules
        ]
        if named:
            hits = self._named_first(hits, named, bundle, filters)
        return diversify(fold_duplicates(hits), k)

    def _named_first(
        self, hits: list[Hit], named: list[str], bundle: QueryBundle, filters: SearchFilters
    ) -> list[Hit]:
        """Passages of the documents the question cites by number go first, in fused order;
        a cited document neither search ranked gets its closest passages looked up."""
        found = {h.passage.doc_id for h in hits}
        missing = tuple(d for d in named if d not in found)
        if missing:
            within = replace(filters, doc_ids=missing)
            hits = hits + self._fuse(self._dense(bundle, within), [], within)
        first = [h for h in hits if h.passage.doc_id in named]
        for hit in first:
            hit.named = True
        return first + [h for h in hits if h.passage.doc_id not in named]

    def _dense(self, bundle: QueryBundle, filters: SearchFilters) -> list[NodeWithScore]:
        retriever = self._vector_index.as_retriever(
            similarity_top_k=CANDIDATES, filters=_to_metadata_filters(filters)
        )
        return [
            h
            for h in retriever.retrieve(bundle)
            if _is_served(h.node.metadata, self.documents)
            and h.node.node_id not in self._link_lists
        ]

    @staticmethod
    def _fuse(
        dense: list[NodeWithScore], keyword: list[NodeWithScore], filters: SearchFilters
    ) -> list[Hit]:
        fused: dict[str, float] = defaultdict(float)
        dense_score: dict[str, float] = {}
        keyword_score: dict[str, float] = {}
        nodes = {}
        for rank, hit in enumerate(dense):
            node_id = hit.node.node_id
            fused[node_id] += DENSE_WEIGHT / (RRF_K + rank + 1)
            # Chroma's distance d = 1 - cos; llama-index reports exp(-d).
            dense_score[node_id] = 1.0 + math.log(max(hit.score or 1e-9, 1e-9))
            nodes[node_id] = hit
        for rank, hit in enumerate(keyword):
            node_id = hit.node.node_id
            fused[node_id] += KEYWORD_WEIGHT / (RRF_K + rank + 1)
            keyword_score[node_id] = float(hit.score or 0.0)
            nodes.setdefault(node_id, hit)
        hits = []
        for node_id, score in sorted(fused.items(), key=lambda item: -item[1]):
            passage = Passage.from_node(nodes[node_id])
            if not filters.admits(passage):
                continue
            passage.score = score
            hits.append(Hit(passage, dense_score.get(node_id, 0.0),
                            keyword_score.get(node_id, 0.0), score))
        return hits


_WORD = re.compile(r"\w+")


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
MONTH_YEAR = re.compile(rf"\b({'|'.join(MONTHS)})\s+((?:19|20)\d\d)\b", re.I)
# A question that names a month ("the October 2022 fact sheet", "designated in February 2025")
# usually means the document of that month: as much as a first place in one of the two lists.
DATED_BONUS = 1.0 / (RRF_K + 1)


def _dated_first(hits: list[Hit], query: str) -> list[Hit]:
    named = {f"{year}-{MONTHS.index(month.lower()) + 1:02d}"
             for month, year in MONTH_YEAR.findall(query)}
    if not named:
        return hits
    for hit in hits:
        if hit.passage.date[:7] in named:
            hit.fused += DATED_BONUS
            hit.passage.score = hit.fused
    return sorted(hits, key=lambda h: -h.fused)


def fold_duplicates(hits: list[Hit]) -> list[Hit]:
    """Keep the best-ranked of passages with the same words in the same order; the others
    are recorded on it. House and Senate companions share whole sections word for word, and
    two copies of one section would take two of the k places. Passages that differ in a
    single figure ("180 days" / "6 months") stay apart: that difference is the answer."""
    kept: dict[tuple[str, ...], Hit] = {}
    for hit in hits:
        words = tuple(_WORD.findall(hit.passage.text.lower()))
        twin = kept.setdefault(words, hit)
        if twin is not hit and hit.passage.doc_id != twin.passage.doc_id:
            twin.also_in.append(hit.passage)
    return list(kept.values())


def diversify(hits: list[Hit], k: int, per_document: int = 3) -> list[Hit]:
    """Top k with at most ``per_document`` passages from one document, unless nothing else
    is left; keeps companion bills side by side instead of one bill filling the list."""
    chosen: list[Hit] = []
    overflow: list[Hit] = []
    per_doc: dict[str, int] = defaultdict(int)
    for hit in hits:
        if per_doc[hit.passage.doc_id] < per_document:
            chosen.append(hit)
            per_doc[hit.passage.doc_id] += 1
        else:
            overflow.append(hit)
        if len(chosen) == k:
            break
    return (chosen + overflow)[:k]


def _is_served(metadata: dict, committed: dict[str, DocumentRecord]) -> bool:
    record = committed.get(metadata.get("doc_id", ""))
    return record is not None and record.version == metadata.get("version")


def _to_metadata_filters(filters: SearchFilters):
    """Kinds and documents go to Chroma as a where clause; dates are checked afterwards."""
    from llama_index.core.vector_stores import FilterCondition, MetadataFilter, MetadataFilters

    parts = []
    if filters.kinds:
        parts.append(MetadataFilter(key="kind", value=list(filters.kinds), operator="in"))
    if filters.doc_ids:
        parts.append(MetadataFilter(key="doc_id", value=list(filters.doc_ids), operator="in"))
    return MetadataFilters(filters=parts, condition=FilterCondition.AND) if parts else None


COMPANION_TITLE = re.compile(r"^(?:H\.\s?R\.|S\.)\s*\d+\s*[—-]\s*")


def companion_key(record_title: str) -> str:
    """Bills that share a short title after their number are House/Senate companions."""
    return COMPANION_TITLE.sub("", record_title).strip().lower()
