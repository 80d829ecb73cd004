"""Hybrid search over the store: dense (Chroma) + keyword (BM25), fused by reciprocal rank.

Both halves are llama-index retrievers. The fusion is done here rather than by
``QueryFusionRetriever`` because that one overwrites each hit's score with the fused rank
score, and the answerer needs the dense similarity to decide when to abstain.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from index import snapshot as snapshots
from index.acronyms import expand
from index.embedding import query_embedding
from index.features import CorpusStats
from index.language import is_spanish
from index.passages import Hit, Passage
from index.query_params import DATE_FIRST, DATE_LAST, SearchFilters  # the one filter parser
from index.snapshot import CorpusSnapshot, is_served
from index.store import CorpusStore, open_client

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore, QueryBundle

log = logging.getLogger("casefile.retrieval")
RRF_K = 60  # the usual reciprocal-rank constant: damps the weight of the very first ranks
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0
# The third list, for Spanish questions only. It is the one search that reads the question's
# language (BM25 matches only the names and figures it shares with English; MiniLM was trained
# on English), so it weighs as much as the other two together: with weight 1 the six Spanish
# questions of the dev sets had their evidence passage in the top 8 three times, with 2 six.
MULTILINGUAL_WEIGHT = 2.0
CANDIDATES = snapshots.CANDIDATES  # hits taken from each retriever before fusion
# A key committed but not yet published means an ingest is still running (or died): a reader
# rebuilds for it at most this often, and spends at most a tenth of its time doing so.
UNPUBLISHED_REBUILD_SECONDS = 30.0


@dataclass(frozen=True)
class Refresh:
    """What one ``refresh`` did: for benchmarks timing how soon an ingest becomes visible."""

    swapped: bool  # a new snapshot now answers
    seconds: float  # making it (0 when none was made)
    source: str = ""  # "persisted" (loaded from disk) or "built" (from the chunks)
    key: str = ""


NOTHING = Refresh(False, 0.0)


class HybridRetriever:
    """Answers searches from one frozen ``CorpusSnapshot`` and replaces it, in one assignment,
    when the store's committed version changes. Searches take no lock: a search running while
    a new snapshot is made reads the old one to the end."""

    def __init__(self, store: CorpusStore) -> None:
        self._snapshot = CorpusSnapshot.empty(store)
        self._making = threading.Lock()  # one thread makes a snapshot; searches never wait
        self._checked_at = float("-inf")

    # What the rest of the app reads, all from the one current snapshot.
    store = property(lambda self: self._snapshot.store)
    documents = property(lambda self: self._snapshot.documents)
    stats: CorpusStats = property(lambda self: self._snapshot.stats)  # type: ignore[assignment]
    acronyms = property(lambda self: self._snapshot.acronyms)
    snapshot = property(lambda self: self._snapshot)

    @property
    def empty(self) -> bool:
        return self._snapshot.served == 0

    # -- keeping in step with the store ----------------------------------------------------

    def refresh(self, max_age: float = 0.0, *, reopen: bool = False,
                wait: bool = True) -> Refresh:
        """Take the snapshot of the store's committed version if it changed.

        The check is one cheap read (``CorpusStore.versions``); callers on the hot path pass
        ``max_age`` and a check younger than that is trusted. ``reopen`` makes a snapshot on a
        fresh view of the store even if nothing seems to have changed. While one thread makes
        a snapshot, others calling ``refresh`` return at once and keep answering from the old
        one; ``wait=False`` makes it on a background thread and returns at once.
        """
        now = time.monotonic()
        if not reopen and max_age and now - self._checked_at < max_age:
            return NOTHING
        first = not self._snapshot.key and self._snapshot.vector_index is None
        if not self._making.acquire(blocking=first):
            return NOTHING  # another thread is making one: keep serving this one
        handed_off = False  # the background thread releases the lock when it is done
        try:
            self._checked_at = now
            versions = self._snapshot.store.versions()
            if versions.key == self._snapshot.key and not reopen:
                return NOTHING
            if not (reopen or first or versions.is_published or self._may_rebuild(now)):
                return NOTHING  # an ingest is under way: its end publishes a snapshot
            if not wait:
                handed_off = True
                return self._in_background(versions.key, reopen)
            return self._take(versions.key, reopen)
        finally:
            if not handed_off:
                self._making.release()

    def _may_rebuild(self, now: float) -> bool:
        current = self._snapshot
        return now - current.made_at >= max(UNPUBLISHED_REBUILD_SECONDS, 10 * current.seconds)

    def _in_background(self, key: str, reopen: bool) -> Refresh:
        def run() -> None:
            try:
                self._take(key, reopen)
            except Exception:  # the old snapshot keeps answering; the next refresh retries
                log.exception("making the corpus snapshot of %s failed", key)
            finally:
                self._making.release()

        threading.Thread(target=run, name="casefile-snapshot", daemon=True).start()
        return Refresh(False, 0.0, key=key)

    def _take(self, key: str, reopen: bool) -> Refresh:
        store = self._snapshot.store
        if (self._snapshot.key or reopen) and not store.settings.server_mode:
            # An embedded Chroma keeps each vector index in memory as it first read it:
            # another process's new chunks would be missing from it ("Error finding id"
            # for a question filtered to them). A fresh client reads the index anew.
            store = CorpusStore(store.settings, client=open_client(store.settings, fresh=True))
        made = snapshots.make(store, key)
        self._snapshot = made  # the one assignment searches see
        return Refresh(True, made.seconds, made.source, key)

    # -- searching -------------------------------------------------------------------------

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None) -> list[Hit]:
        from llama_index.core.schema import QueryBundle

        snap = self._snapshot  # read once: everything below sees this one snapshot
        filters = filters or SearchFilters()
        if snap.served == 0:
            return []
        bundle = QueryBundle(query_str=query)
        bundle.embedding = list(query_embedding(query))
        dense = _dense(snap, bundle, filters)
        # A statute never uses the acronym readers know it by: keyword search looks for both
        # forms. (The embedding already places "PLCAA" near its long form; measured no gain.)
        keyword_bundle = QueryBundle(query_str=expand(query, snap.acronyms))
        keyword = _keyword(snap, keyword_bundle, filters)
        # MiniLM places a Spanish question far from the English passage that answers it; the
        # multilingual index does not (index/multilingual.py).
        multilingual = _multilingual(snap, query, filters) if is_spanish(query) else []
        hits = _dated_first(_fuse(dense, keyword, filters, multilingual), query)
        named = [
            doc_id
            for doc_id in snap.numbers.named_in(query)
            if not filters.doc_ids or doc_id in filters.doc_ids  # a document filter still rules
        ]
        if named:
            hits = _named_first(snap, hits, named, bundle, filters)
        return diversify(fold_duplicates(hits), k)


def _named_first(snap: CorpusSnapshot, hits: list[Hit], named: list[str], bundle: QueryBundle,
                 filters: SearchFilters) -> list[Hit]:
    """Passages of the documents the question cites by number go first, in fused order;
    a cited document neither search ranked gets its closest passages looked up."""
    found = {h.passage.doc_id for h in hits}
    missing = tuple(d for d in named if d not in found)
    if missing:
        within = replace(filters, doc_ids=missing)
        hits = hits + _fuse(_dense(snap, bundle, within), [], within)
    first = [h for h in hits if h.passage.doc_id in named]
    for hit in first:
        hit.named = True
    return first + [h for h in hits if h.passage.doc_id not in named]


def _dense(snap: CorpusSnapshot, bundle: QueryBundle,
           filters: SearchFilters) -> list[NodeWithScore]:
    where = _to_metadata_filters(filters)
    # Unfiltered, Chroma searches its vector index alone; any where clause makes it scan
    # metadata too (960 ms instead of 16 ms at 94k chunks). So link lists are then dropped
    # here, from a top k widened by as many as there are.
    top_k = CANDIDATES if where else CANDIDATES + min(len(snap.link_lists), CANDIDATES)
    retriever = snap.vector_index.as_retriever(similarity_top_k=top_k, filters=where)
    return [
        h
        for h in retriever.retrieve(bundle)
        if is_served(h.node.metadata, snap.documents) and h.node.node_id not in snap.link_lists
    ][:CANDIDATES]


def _multilingual(snap: CorpusSnapshot, query: str,
                  filters: SearchFilters) -> list[NodeWithScore]:
    """The multilingual index's closest chunks, when the store has that index and its model
    loads here; otherwise nothing (the other two searches still answer)."""
    if snap.multilingual is None:
        return []
    from llama_index.core import VectorStoreIndex

    from index.multilingual import MultilingualUnavailable, e5_embedding

    try:
        model = e5_embedding()
    except MultilingualUnavailable:
        log.warning("Spanish question searched without the multilingual index", exc_info=True)
        return []
    index = VectorStoreIndex.from_vector_store(snap.multilingual, embed_model=model)
    where = _to_metadata_filters(filters)
    retriever = index.as_retriever(similarity_top_k=CANDIDATES, filters=where)
    return [h for h in retriever.retrieve(query)
            if is_served(h.node.metadata, snap.documents) and h.node.node_id not in snap.link_lists]


def _keyword(snap: CorpusSnapshot, bundle: QueryBundle,
             filters: SearchFilters) -> list[NodeWithScore]:
    """BM25 over the chunks the filters admit: the mask applies before the top k is taken, so
    a narrow filter gets every matching passage there is, not what survives of the top 40."""
    if snap.bm25 is None or snap.columns is None:
        return []
    mask = snap.columns.mask(filters)
    if mask is None:
        hits = snap.bm25.retrieve(bundle)
    elif not mask.any():
        return []
    else:
        from llama_index.retrievers.bm25 import BM25Retriever

        # llama-index's own mask (bm25s weight_mask) on the loaded index: nothing is rebuilt.
        masked = BM25Retriever(existing_bm25=snap.bm25.bm25,
                               similarity_top_k=min(CANDIDATES, len(mask)),
                               corpus_weight_mask=mask.tolist())
        # bm25s fills the top k with masked-out chunks at score 0 when too few match.
        hits = [h for h in masked.retrieve(bundle) if (h.score or 0.0) > 0.0]
    return [h for h in hits if is_served(h.node.metadata, snap.documents)]


def _fuse(
    dense: list[NodeWithScore], keyword: list[NodeWithScore], filters: SearchFilters,
    multilingual: list[NodeWithScore] = (),  # type: ignore[assignment]
) -> list[Hit]:
    fused: dict[str, float] = defaultdict(float)
    dense_score: dict[str, float] = {}
    keyword_score: dict[str, float] = {}
    multilingual_score: dict[str, float] = {}
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
    # It only adds to the rank score: ``dense`` stays MiniLM's cosine, the scale the answerer
    # was trained on.
    for rank, hit in enumerate(multilingual):
        node_id = hit.node.node_id
        fused[node_id] += MULTILINGUAL_WEIGHT / (RRF_K + rank + 1)
        multilingual_score[node_id] = 1.0 + math.log(max(hit.score or 1e-9, 1e-9))
        nodes.setdefault(node_id, hit)
    hits = []
    for node_id, score in sorted(fused.items(), key=lambda item: -item[1]):
        passage = Passage.from_node(nodes[node_id])
        if not filters.admits(passage):
            continue
        passage.score = score
        hits.append(Hit(passage, dense_score.get(node_id, 0.0),
                        keyword_score.get(node_id, 0.0), score,
                        multilingual_score.get(node_id, 0.0)))
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


# A long reference document (the case primer) holds the answers to many questions in
# neighbouring chunks: six of the first passages may come from it. Three left the passage with
# the evidence below the cut for 3 + 4 questions of two question sets; six against four, with the
# ranker retrained, raised citation precision on all five question sets measured (3 Dec 2026)
# and the evidence among the passages read on three (the primer's "Reasoning" chunk was fifth).
PASSAGES_PER_DOCUMENT = 6


def diversify(hits: list[Hit], k: int, per_document: int = PASSAGES_PER_DOCUMENT) -> list[Hit]:
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


def _to_metadata_filters(filters: SearchFilters):
    """Every filter goes to Chroma as its where clause, so the top k is taken among matching
    chunks: kinds, documents, the date (a source's span overlapping the range, as
    ``SearchFilters.admits``) and, with any of those, never a list of links. None without
    a filter: see ``_dense``."""
    from llama_index.core.vector_stores import FilterCondition, MetadataFilter, MetadataFilters

    parts = []
    if filters.kinds:
        parts.append(MetadataFilter(key="kind", value=list(filters.kinds), operator="in"))
    if filters.doc_ids:
        parts.append(MetadataFilter(key="doc_id", value=list(filters.doc_ids), operator="in"))
    if (days := filters.day_range) is not None:
        # An undated chunk has no date_first: it matches no comparison, as admits() says.
        parts.append(MetadataFilter(key=DATE_LAST, value=days[0], operator=">="))
        parts.append(MetadataFilter(key=DATE_FIRST, value=days[1], operator="<="))
    if not parts:
        return None
    # A chunk without the flag (an older store) is kept: $ne matches a missing key.
    parts.append(MetadataFilter(key="link_list", value=1, operator="!="))
    return MetadataFilters(filters=parts, condition=FilterCondition.AND)


