"""Keep the multilingual collection in step with the chunks, after each ingest.

The collection holds the same chunks embedded by multilingual-e5 (``index.multilingual``) for
Spanish questions. It is derived, so bringing it up to date is a diff of chunk ids: embed the
chunks it lacks, delete the ones the store no longer has. Pages are written as they are
embedded, so a run killed half-way keeps what it wrote and the next run embeds the rest.

e5 embeds ~7 chunks a second on two cores, so the collection is kept only for stores of at
most ``Settings.multilingual_max_chunks`` chunks (the curated corpus has ~530; at the cap of
3,000 the first run takes about seven minutes). A larger store gets no multilingual
collection, and Spanish questions are searched with MiniLM and BM25 alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.settings import Settings
from index.store import CorpusStore

PAGE = 64  # chunks read, embedded and written per step: a killed run loses at most this many


@dataclass
class MultilingualSync:
    embedded: int = 0
    deleted: int = 0
    skipped: str = ""  # why the collection is not kept, when it is not


def sync_multilingual(store: CorpusStore, settings: Settings,
                      on_page: Callable[[int, int], None] | None = None) -> MultilingualSync:
    """Embed the chunks the multilingual collection lacks and delete those the store no
    longer has; ``on_page`` gets (chunks embedded by this page, chunks to embed in all)."""
    from llama_index.core.schema import MetadataMode

    from index.multilingual import MultilingualUnavailable, e5_embedding

    result = MultilingualSync()
    chunks = store.chunk_count()
    if chunks > settings.multilingual_max_chunks:
        result.deleted = _drop_all(store)
        result.skipped = (f"{chunks:,} chunks is more than CASEFILE_MULTILINGUAL_MAX_CHUNKS "
                          f"({settings.multilingual_max_chunks:,}): Spanish questions are "
                          "searched without the multilingual index")
        return result
    wanted = set(store.chunk_ids())
    held = set(store.multilingual_ids())
    stale = sorted(held - wanted)
    store.delete_multilingual(stale)
    result.deleted = len(stale)
    missing = sorted(wanted - held)
    if not missing:
        return result
    try:
        model = e5_embedding()
    except MultilingualUnavailable as exc:
        result.skipped = str(exc)
        return result
    for nodes in store.chunk_pages(missing, PAGE):
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        for node, vector in zip(nodes, model.get_text_embedding_batch(texts), strict=True):
            node.embedding = vector
        store.add_multilingual(nodes)
        result.embedded += len(nodes)
        if on_page:
            on_page(len(nodes), len(missing))
    return result


def _drop_all(store: CorpusStore) -> int:
    held = store.multilingual_ids()
    store.delete_multilingual(held)
    return len(held)
