"""Bring the index in step with a set of files: add new, replace changed, skip unchanged,
store identical content once, optionally prune what disappeared.

Writes follow the store's commit protocol (see ``index.store``), so an ingest killed anywhere
is repaired by the next run. Embedding is batched across documents: it is the only real cost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.embedding import embed_model, embedder_id
from index.settings import Settings
from index.store import CorpusStore, DocumentRecord
from ingest.chunking import chunk_document, make_splitter, min_chunks
from ingest.fingerprint import fingerprint, is_fingerprint, metadata_richness
from ingest.readers import BadDocument, LoadedDocument, load_document

# Bump when reading or chunking changes, so every document is re-indexed once.
PIPELINE_VERSION = "2"  # 2: chunk metadata carries date_first/date_last and link_list
EMBED_GROUP = 256  # chunks embedded per call: big enough to batch well across small documents
LOOKUP_WINDOW = 128  # files read ahead and looked up in the store together (one call each way)
FINGERPRINT_PAGE = 500  # records read per call when upgrading an older store's content hashes


@dataclass
class Summary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    duplicates: int = 0
    chunks_written: int = 0
    repaired: int = 0
    multilingual_embedded: int = 0  # chunks the multilingual index gained (ingest.multilingual)
    multilingual_skipped: str = ""  # why that index is not kept, when it is not
    seconds: float = 0.0
    dry_run: bool = False
    failures: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    duplicate_of: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass
class _Pending:
    """A document read and chunked, waiting for its embeddings."""

    record: DocumentRecord
    previous: DocumentRecord | None
    text: str
    nodes: list


@dataclass
class _StoreView:
    """What one window of files needs from the store, read in two calls, overlaid with the
    records prepared in this run that the store does not show yet (``note``)."""

    stored: dict[str, DocumentRecord] = field(default_factory=dict)  # by doc id
    owners: dict[str, DocumentRecord] = field(default_factory=dict)  # committed, by fingerprint
    noted: dict[str, DocumentRecord] = field(default_factory=dict)  # this run's, by doc id
    noted_owners: dict[str, DocumentRecord] = field(default_factory=dict)

    def note(self, record: DocumentRecord) -> None:
        self.noted[record.doc_id] = record
        self.noted_owners[record.content_hash] = record

    def record(self, doc_id: str) -> DocumentRecord | None:
        return self.noted.get(doc_id) or self.stored.get(doc_id)

    def owner(self, content_hash: str) -> DocumentRecord | None:
        return self.noted_owners.get(content_hash) or self.owners.get(content_hash)

    def forget(self, record: DocumentRecord) -> DocumentRecord:
        for index in (self.stored, self.noted):
            index.pop(record.doc_id, None)
        for index in (self.owners, self.noted_owners):
            if (found := index.get(record.content_hash)) and found.doc_id == record.doc_id:
                del index[record.content_hash]
        return record


def _windows(files: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


def _another_copy(owner: DocumentRecord, path: Path, ids_this_run: set[str]) -> bool:
    """True when ``owner`` is the same text in another file that still counts: seen in this
    run, or still on disk."""
    if Path(owner.source_path).resolve() == path.resolve():
        return False
    return owner.doc_id in ids_this_run or not _gone(Path(owner.source_path))


def _richer(record: DocumentRecord, owner: DocumentRecord) -> bool:
    return metadata_richness(asdict(record)) > metadata_richness(asdict(owner))


def doc_id_for(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "document"


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _fail(summary: Summary, path: Path, reason: str) -> None:
    summary.failed += 1
    summary.failures.append({"path": str(path), "reason": reason})


def _too_large(chunks: str, cap: int) -> str:
    return (f"too large to index: {chunks} chunks, the limit is {cap:,} per document "
            "(CASEFILE_MAX_DOC_CHUNKS); split it or raise the limit")


def _gone(path: Path) -> bool:
    """True only when ``path`` surely does not exist: a file in a folder we may not read is
    not known to be gone (``Path.exists`` would raise there)."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _still_elsewhere(record: DocumentRecord, path: Path) -> bool:
    """True when the record's file is another file than ``path`` and may still exist."""
    source = Path(record.source_path)
    return source.resolve() != path.resolve() and not _gone(source)


class Ingester:
    def __init__(
        self,
        settings: Settings,
        store: CorpusStore,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.on_progress = on_progress or (lambda _path, _chunks: None)
        self.splitter = make_splitter(settings)
        self.config_hash = _hash(
            PIPELINE_VERSION, str(settings.chunk_size), str(settings.chunk_overlap),
            # Which backend's vectors: ingesting with another re-embeds every document. The
            # torch backend adds nothing, so stores written before backends existed stay valid.
            *([] if settings.embed_backend == "torch" else [embedder_id(settings.embed_backend)]),
        )
        # Committed documents found with chunks missing: doc_id → (record, chunks stored).
        self._incomplete: dict[str, tuple[DocumentRecord, int]] = {}
        self._batch: list[_Pending] = []  # read and chunked, waiting to be embedded
        # A dry run writes nothing, so the store cannot show what earlier windows prepared.
        self._dry_notes: list[DocumentRecord] = []

    def run(
        self,
        files: list[Path],
        prune_roots: list[Path] | None = None,
        dry_run: bool = False,
        unseen_folders: list[Path] | None = None,
    ) -> Summary:
        """Ingest ``files``; with ``prune_roots``, withdraw documents whose file under them is
        gone, except under ``unseen_folders`` (folders that could not be listed).

        Streams: files are read a window at a time and looked up in the store with one call
        per window, so memory does not grow with the corpus; the only state kept per
        document is its id (for the prune and the same-id check)."""
        started = time.perf_counter()
        summary = Summary(dry_run=dry_run)
        if dry_run:
            self._incomplete = self.store.incomplete()
        else:
            summary.repaired = len(self.store.repair())
            self._incomplete = self.store.withdraw_incomplete()
            summary.repaired += len(self._incomplete)
            self._upgrade_fingerprints()
        ids_this_run: set[str] = set()
        self._batch, self._dry_notes = [], []

        for window in _windows(files, LOOKUP_WINDOW):
            loaded = [(path, self._load(path, summary)) for path in window]
            view = self._look_up([doc for _, doc in loaded if doc is not None])
            for path, doc in loaded:
                pending = None if doc is None else self._prepare(doc, view, ids_this_run,
                                                                  summary)
                if pending is None:
                    self.on_progress(str(path), 0)
                    continue
                view.note(pending.record)
                if dry_run:
                    self._dry_notes.append(pending.record)
                    self._count_change(pending, summary)
                    self.on_progress(str(path), 0)
                    continue
                self._batch.append(pending)
                if sum(len(p.nodes) for p in self._batch) >= EMBED_GROUP:
                    self._write(self._batch, summary)
                    self._batch = []
        if self._batch:
            self._write(self._batch, summary)
            self._batch = []

        self._report_incomplete(ids_this_run, summary)
        if prune_roots is not None:
            self._prune(self.store.all_records(), ids_this_run, prune_roots,
                        unseen_folders or [], summary)
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _look_up(self, docs: list[LoadedDocument]) -> _StoreView:
        """The stored records a window of documents may meet: by their ids (their previous
        versions) and by their fingerprints (copies of them stored under another id); plus
        the records of the batch not yet written, which the store does not have yet."""
        view = _StoreView()
        for record in [p.record for p in self._batch] + self._dry_notes:
            view.note(record)
        if docs:
            view.stored = self.store._records(sorted({doc_id_for(d.path) for d in docs}))
            prints = sorted({fingerprint(d.text) for d in docs})
            got = self.store.documents.get(where={"content_hash": {"$in": prints}},
                                           include=["metadatas"])
            for meta in got["metadatas"]:
                owner = DocumentRecord.from_metadata(meta)
                if owner.version:
                    view.owners.setdefault(owner.content_hash, owner)
        return view

    def _upgrade_fingerprints(self) -> None:
        """A store written before word fingerprints holds a hash of each document's exact
        text: put the fingerprint in its place (read from the stored text, once), so copies
        of those documents are recognised. Reads a page of records at a time."""
        offset = 0
        while True:
            page = self.store.documents.get(include=["metadatas"], limit=FINGERPRINT_PAGE,
                                            offset=offset)
            if not page["ids"]:
                return
            offset += len(page["ids"])
            legacy = [doc_id for doc_id, meta in zip(page["ids"], page["metadatas"], strict=True)
                      if meta.get("version") and not is_fingerprint(meta.get("content_hash")
                                                                    or "")]
            if not legacy:
                continue
            texts = self.store.documents.get(ids=legacy, include=["documents"])
            self.store.guard()
            self.store.documents.update(
                ids=texts["ids"],
                metadatas=[{"content_hash": fingerprint(text or "")}
                           for text in texts["documents"]],
            )

    # -- one document ----------------------------------------------------------------------

    def _prepare(
        self,
        doc: LoadedDocument,
        view: _StoreView,
        ids_this_run: set[str],
        summary: Summary,
    ) -> _Pending | None:
        path = doc.path
        doc_id = doc_id_for(path)
        content_hash = fingerprint(doc.text)
        previous = view.record(doc_id)
        if doc_id in ids_this_run:
            if previous and previous.content_hash == content_hash:
                self._duplicate(summary, path, doc_id)  # two files, one id, the same words
            else:
                where = previous.source_path if previous else "another file"
                _fail(summary, path, f"same document id '{doc_id}' as {where}; rename one")
            return None
        record = self._record_for(doc, doc_id, content_hash)
        if previous and previous.version == record.version and doc_id not in self._incomplete:
            ids_this_run.add(doc_id)
            summary.unchanged += 1
            self._follow_move(previous, record.source_path, summary.dry_run)
            return None
        owner = view.owner(content_hash)
        if owner and _another_copy(owner, path, ids_this_run):
            if owner.doc_id == doc_id or not _richer(record, owner):
                self._duplicate(summary, path, owner.doc_id)
                if previous and previous.version and owner.doc_id != doc_id:
                    # Its file now holds another document's text: its old text exists nowhere.
                    self._withdraw(view.forget(previous), summary)
                return None
            # This copy says more about the text (a curated document over a scraped copy):
            # it takes the place of the one stored, which becomes the duplicate.
            self._displace(view.forget(owner), summary)
            self._duplicate(summary, Path(owner.source_path), doc_id)
        if previous and previous.version and _still_elsewhere(previous, path):
            # Two files, one id: replacing the indexed one would silently drop a document.
            _fail(summary, path, f"same document id '{doc_id}' as {previous.source_path}, "
                  "which is already indexed; rename one")
            return None
        cap = self.settings.max_doc_chunks
        if (at_least := min_chunks(doc.text, self.settings.chunk_size)) > cap:
            # Judged before chunking: the splitter would hold every node of it in memory.
            _fail(summary, path, _too_large(f"at least {at_least:,}", cap))
            return None
        nodes: list = []
        if not summary.dry_run:  # a dry run only reports: chunks are made when written
            try:
                nodes = chunk_document(doc, self.splitter, self._chunk_metadata(record))
            except ValueError as exc:  # e.g. a chunk the splitter could not place in the text
                _fail(summary, path, f"could not be chunked: {exc}")
                return None
            if len(nodes) > cap:
                _fail(summary, path, _too_large(f"{len(nodes):,}", cap))
                return None
        ids_this_run.add(doc_id)
        for warning in doc.warnings:
            summary.warnings.append({"path": str(path), "warning": warning})
        record.chunk_count = len(nodes)
        return _Pending(record=record, previous=previous, text=doc.text, nodes=nodes)

    @staticmethod
    def _duplicate(summary: Summary, path: Path, stored_as: str) -> None:
        summary.duplicates += 1
        summary.duplicate_of.append({"path": str(path), "stored_as": stored_as})

    def _displace(self, owner: DocumentRecord, summary: Summary) -> None:
        """Give up the stored copy of a text for a better-described one: unwritten, it leaves
        the batch; written, it is withdrawn."""
        waiting = [p for p in self._batch if p.record.doc_id == owner.doc_id]
        if waiting:
            self._batch = [p for p in self._batch if p.record.doc_id != owner.doc_id]
            if waiting[0].previous and waiting[0].previous.version:
                self._withdraw(waiting[0].previous, summary)
        elif owner.version:
            self._withdraw(owner, summary)

    def _follow_move(self, record: DocumentRecord, source_path: str, dry_run: bool) -> None:
        """An unchanged document found at a new path: point its record there, so a later
        --prune of its old folder does not remove a document that still exists."""
        if record.source_path != source_path and not dry_run:
            record.source_path = source_path
            self.store.move(record.doc_id, source_path)

    def _withdraw(self, record: DocumentRecord, summary: Summary) -> None:
        if not summary.dry_run:
            self.store.remove(record)
        summary.removed += 1

    @staticmethod
    def _load(path: Path, summary: Summary) -> LoadedDocument | None:
        try:
            return load_document(path)
        except (BadDocument, OSError) as exc:
            reason = str(exc)
        except Exception as exc:  # a parser's own bug in one file must not stop the others
            reason = f"could not be read ({type(exc).__name__}: {exc})"
        _fail(summary, path, reason)
        return None

    def _record_for(self, doc: LoadedDocument, doc_id: str, content_hash: str) -> DocumentRecord:
        meta = doc.metadata
        version = _hash(self.config_hash, doc.text, json.dumps(meta, sort_keys=True))
        return DocumentRecord(
            doc_id=doc_id,
            title=meta["title"],
            publisher=meta.get("publisher", ""),
            author=meta.get("author", ""),
            date=meta.get("date", ""),
            kind=meta.get("kind", "other"),
            url=meta.get("url", ""),
            language=meta.get("language", ""),
            license=meta.get("license", ""),
            tags=meta.get("tags", ""),
            source_path=str(doc.path),
            source_file=doc.path.stem,
            content_hash=content_hash,
            version=version,
            page_count=len(doc.pages),
            ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )

    @staticmethod
    def _chunk_metadata(record: DocumentRecord) -> dict[str, str | int]:
        from index.query_params import date_numbers

        return {
            "doc_id": record.doc_id,
            "version": record.version,
            "title": record.title,
            "publisher": record.publisher,
            "date": record.date,
            # The date as integers, so a date filter goes to Chroma as a where clause.
            **date_numbers(record.date),
            "kind": record.kind,
            "url": record.url,
            "source_file": record.source_file,
        }

    def _count_change(self, pending: _Pending, summary: Summary) -> None:
        previous = pending.previous
        # A document withdrawn for missing chunks was indexed before: written anew, it is an
        # update. A record without a version was left by a killed run: an addition.
        if pending.record.doc_id in self._incomplete or (previous and previous.version):
            summary.updated += 1
        else:
            summary.added += 1

    # -- writing ---------------------------------------------------------------------------

    def _write(self, batch: list[_Pending], summary: Summary) -> None:
        """Embed a batch, then write it with as few Chroma calls per protocol step as the
        client's batch limit allows."""
        titles = self._embed(batch)
        self.store.begin_many([
            (p.record, title, p.record.version) for p, title in zip(batch, titles, strict=True)
        ])
        self.store.add_chunks([node for p in batch for node in p.nodes])
        held_back = self.store.commit_many([
            (p.record, p.text, title, p.previous.version if p.previous else "")
            for p, title in zip(batch, titles, strict=True)
        ])
        short = {record.doc_id: found for record, found in held_back}
        for pending in batch:
            record = pending.record
            if record.doc_id in short:
                _fail(summary, Path(record.source_path),
                      f"only {short[record.doc_id]} of its {record.chunk_count} chunks were in "
                      "the store after writing them (another writer deleted some?); not "
                      "committed, the next run repairs and re-ingests it")
                self.on_progress(record.source_path, 0)
                continue
            self._count_change(pending, summary)
            summary.chunks_written += len(pending.nodes)
            self.on_progress(pending.record.source_path, len(pending.nodes))

    def _report_incomplete(self, ids_this_run: dict[str, Path], summary: Summary) -> None:
        for doc_id, (record, found) in self._incomplete.items():
            outcome = "written anew" if doc_id in ids_this_run else (
                "withdrawn from the index; ingest its file again")
            if summary.dry_run:
                outcome = f"would be {outcome}"
            summary.warnings.append({
                "path": record.source_path,
                "warning": f"was indexed with {found} of its {record.chunk_count} chunks: "
                f"{outcome}",
            })

    def _embed(self, batch: list[_Pending]) -> list[list[float]]:
        """Set every node's embedding; returns the title embeddings (for the records).

        Titles and chunks go to the model in one call, shortest first: similar lengths side
        by side waste less padding inside each encode batch."""
        from llama_index.core.schema import MetadataMode

        model = embed_model(self.settings.embed_batch_size, self.settings.embed_backend)
        nodes = [node for p in batch for node in p.nodes]
        texts = [p.record.title for p in batch]
        texts += [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[]] * len(texts)
        for i, vector in zip(order, model.get_text_embedding_batch([texts[i] for i in order]),
                             strict=True):
            vectors[i] = vector
        for node, vector in zip(nodes, vectors[len(batch):], strict=True):
            node.embedding = vector
        return vectors[: len(batch)]

    def _prune(
        self,
        records: dict[str, DocumentRecord],
        present: set[str],
        roots: list[Path],
        unseen: list[Path],
        summary: Summary,
    ) -> None:
        """Remove documents whose file lay under a scanned folder and is gone now; never one
        under a folder that could not be listed (its files were not seen, not gone)."""
        resolved_roots = [r.resolve() for r in roots]
        resolved_unseen = [u.resolve() for u in unseen]
        for record in records.values():
            if record.doc_id in present or not record.version:
                continue
            source = Path(record.source_path)
            if not any(source.is_relative_to(root) for root in resolved_roots):
                continue
            if any(source.is_relative_to(folder) for folder in resolved_unseen):
                continue
            if _gone(source):
                self._withdraw(record, summary)
