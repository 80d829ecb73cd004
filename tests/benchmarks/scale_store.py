"""Stores of N chunks made of real bench documents with their real MiniLM vectors, cached.

    .venv/bin/python tests/benchmarks/scale_store.py fill [--docs N] [--minutes M]
    .venv/bin/python tests/benchmarks/scale_store.py status
    .venv/bin/python tests/benchmarks/scale_store.py build --chunks N [--store DIR|--chroma-port P]
    .venv/bin/python tests/benchmarks/scale_store.py ingest [python -m ingest arguments]

What it does, exactly:

- **Documents**: ``../shared/bench/whitehouse-briefing-room.tar.gz`` is unpacked once into
  ``~/.cache/casefile-bench/whitehouse/`` (``CASEFILE_BENCH_CACHE`` moves the cache), each file
  renamed ``<folder>-<month>--<name>.md`` so that no two share a document id. Never committed.
- **Order**: documents that mention Mexico together with guns/firearms/trafficking come first
  (the distractors most likely to compete with the curated corpus, and the ~35 on-topic ones),
  then all others in a fixed pseudo-random order (sha1 of the name): any prefix is a sample of
  the whole archive. A store of N chunks is the curated corpus (``../shared/corpus``) plus the
  shortest prefix of that order whose chunks reach N.
- **Vectors**: ``embed_model().embeddings_cache`` (llama-index's own embedding cache hook) is
  set to a SQLite key-value store (``vectors.sqlite``) keyed by sha256 of the model's identity
  (``CASEFILE_EMBED_BACKEND`` + model folder name) and the exact text handed to the model. The
  real ingest (``ingest.cli.main``: readers, chunking, commit protocol, whatever else ingest
  writes) then builds each store; a text not in the cache is embedded by the real model and
  added. ``fill`` embeds the order's documents ahead of time, in the background
  (``nice -n 15``), with the pipeline's own reader and chunker; what it cannot predict (a
  changed chunker) is a cache miss that the ingest embeds for real, and ``build`` prints the
  hit/miss counts.
- **Beyond the archive** (sizes larger than the embedded documents give): copies of real
  documents, ``copies/<k>/<name>.md``, whose text is the original plus one last paragraph
  "(Bench copy k.)" (identical text would be stored once). A copy's chunks are looked up by
  their exact text first, then by that text with the marker removed: a chunk that is the
  original chunk plus the marker reuses the original chunk's real vector; any other chunk of a
  copy is embedded for real. So every vector is MiniLM's vector of a real chunk's text, copies
  carry the vectors of the chunks they duplicate (near-duplicates in the index: retrieval over
  copies is a little harder for fusion and the per-document cap, never easier).
- **Stores** are kept in ``~/.cache/casefile-bench/stores/`` and re-ingested incrementally on
  every ``build`` (unchanged documents cost a read and a hash), so a pipeline change reaches
  them.

Not a test; writes only under the cache folder and the stores it is pointed at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sqlite3
import sys
import tarfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from index.settings import load_settings  # noqa: E402  (sets the offline flags first)

SHARED = Path(__file__).resolve().parents[3] / "shared"
BENCH_ARCHIVE = SHARED / "bench" / "whitehouse-briefing-room.tar.gz"
CURATED = SHARED / "corpus"
CACHE = Path(os.environ.get("CASEFILE_BENCH_CACHE", Path.home() / ".cache" / "casefile-bench"))
BENCH_DIR = CACHE / "whitehouse"
COPIES_DIR = CACHE / "copies"
STORES_DIR = CACHE / "stores"
VECTORS = CACHE / "vectors.sqlite"
COPY_MARKER = re.compile(r"\s*\(Bench copy \d+\.\)\s*$")
TOPICAL = (re.compile(r"\bMexic", re.I),
           re.compile(r"\b(firearm|gun|weapon|arms traffick)", re.I))


# -- the documents ------------------------------------------------------------------------------

def unpack_bench() -> list[Path]:
    """Every Markdown document of the archive, unpacked once; names made unique."""
    done = BENCH_DIR / ".unpacked"
    if not done.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        with tarfile.open(BENCH_ARCHIVE, "r:gz") as archive:
            for member in archive:
                name = Path(member.name)
                if not member.isfile() or name.suffix != ".md" or len(name.parts) < 3:
                    continue
                flat = "-".join(name.parts[-3:-1]).replace("/", "-") + "--" + name.name
                (BENCH_DIR / flat).write_bytes(archive.extractfile(member).read())
        done.write_text("ok\n")
    return sorted(BENCH_DIR.glob("*.md"))


def ordered_bench() -> list[Path]:
    """The fixed order of the module docstring (cached beside the documents)."""
    order_file = CACHE / "order.json"
    if order_file.exists():
        return [BENCH_DIR / name for name in json.loads(order_file.read_text())]
    files = unpack_bench()

    def topical(path: Path) -> bool:
        text = path.read_text(encoding="utf-8", errors="replace")
        return all(p.search(text) for p in TOPICAL)

    key = lambda p: hashlib.sha1(p.name.encode()).hexdigest()  # noqa: E731
    first = sorted((p for p in files if topical(p)), key=key)
    rest = sorted((p for p in files if p not in set(first)), key=key)
    order = first + rest
    order_file.write_text(json.dumps([p.name for p in order]))
    return order


# -- the vector cache ---------------------------------------------------------------------------

def model_identity() -> str:
    from index.embedding import model_path

    return f"{os.environ.get('CASEFILE_EMBED_BACKEND', 'default')}|{Path(model_path()).name}"


class SqliteVectorStore:
    """A llama-index ``BaseKVStore`` over SQLite: the embedding cache shared by every process.

    ``get`` answers the exact text's vector, else the vector of the text without a copy
    marker; counts hits and misses so a run can say how much it really embedded."""

    def __init__(self, path: Path = VECTORS, identity: str | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.identity = identity or model_identity()
        self.db = sqlite3.connect(path, timeout=120, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self.db.execute("CREATE TABLE IF NOT EXISTS docs (name TEXT PRIMARY KEY, chunks INT)")
        self.db.commit()
        self.hits = self.misses = 0

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.identity}\0{text}".encode()).hexdigest()

    def lookup(self, text: str) -> list[float] | None:
        import numpy as np

        for candidate in (text, COPY_MARKER.sub("", text)):
            row = self.db.execute("SELECT v FROM vec WHERE key=?",
                                  (self.key(candidate),)).fetchone()
            if row:
                return np.frombuffer(row[0], dtype=np.float32).tolist()
        return None

    def known(self, texts: Iterable[str]) -> set[str]:
        return {t for t in texts if self.db.execute(
            "SELECT 1 FROM vec WHERE key=?", (self.key(t),)).fetchone()}

    def store(self, pairs: Iterable[tuple[str, list[float]]]) -> None:
        import numpy as np

        self.db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", [
            (self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in pairs])
        self.db.commit()

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM vec").fetchone()[0]

    # BaseKVStore's interface, as BaseEmbedding._get_text_embeddings_cached calls it.
    def get(self, key: str, collection: str = "embeddings") -> dict | None:
        vector = self.lookup(key)
        if vector is None:
            self.misses += 1
            return None
        self.hits += 1
        return {"v": vector}

    def put(self, key: str, val: dict, collection: str = "embeddings") -> None:
        self.store([(key, next(iter(val.values())))])

    def put_all(self, kv_pairs, collection: str = "embeddings", batch_size: int = 1) -> None:
        self.store((k, next(iter(v.values()))) for k, v in kv_pairs)

    def get_all(self, collection: str = "embeddings") -> dict:
        raise NotImplementedError("the cache is keyed by hash: it cannot list texts")

    def delete(self, key: str, collection: str = "embeddings") -> bool:
        self.db.execute("DELETE FROM vec WHERE key=?", (self.key(key),))
        self.db.commit()
        return True

    async def aget(self, key: str, collection: str = "embeddings") -> dict | None:
        return self.get(key, collection)

    async def aput(self, key: str, val: dict, collection: str = "embeddings") -> None:
        self.put(key, val, collection)

    async def aget_all(self, collection: str = "embeddings") -> dict:
        return self.get_all(collection)

    async def adelete(self, key: str, collection: str = "embeddings") -> bool:
        return self.delete(key, collection)


def install_cache() -> SqliteVectorStore:
    """Put the cache under the project's embedding model, through llama-index's hook."""
    from index.embedding import embed_model

    cache = SqliteVectorStore()
    model = embed_model(load_settings().embed_batch_size)
    model.embeddings_cache = cache
    return cache


# -- fill: embed documents ahead of the stores that need them ----------------------------------

def embedded_texts(path: Path, splitter) -> list[str]:
    """The texts the pipeline hands the model for one document: its title, then each chunk
    with its embedded metadata (title and section)."""
    from llama_index.core.schema import MetadataMode

    from ingest.chunking import chunk_document
    from ingest.readers import load_document

    doc = load_document(path)
    meta = {"doc_id": "x", "version": "x", "title": doc.metadata["title"]}
    nodes = chunk_document(doc, splitter, meta)
    return [doc.metadata["title"]] + [n.get_content(metadata_mode=MetadataMode.EMBED)
                                      for n in nodes]


def fill(max_docs: int | None, minutes: float | None, batch: int = 256) -> None:
    """Embed the order's documents (skipping those already done) until told to stop."""
    from index.embedding import embed_model
    from ingest.chunking import make_splitter

    settings = load_settings()
    cache = SqliteVectorStore()
    model = embed_model(settings.embed_batch_size)  # no cache hook: embed for real
    splitter = make_splitter(settings)
    done = {name for (name,) in cache.db.execute("SELECT name FROM docs")}
    order = ordered_bench()[:max_docs]
    deadline = time.monotonic() + minutes * 60 if minutes else float("inf")
    pending: list[tuple[str, list[str]]] = []
    started, embedded = time.monotonic(), 0

    def flush() -> None:
        nonlocal embedded
        texts = sorted({t for _, ts in pending for t in ts} - cache.known(
            {t for _, ts in pending for t in ts}), key=len)  # similar lengths batch well
        if texts:
            cache.store(zip(texts, model.get_text_embedding_batch(texts), strict=True))
            embedded += len(texts)
        cache.db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)",
                             [(name, len(ts) - 1) for name, ts in pending])
        cache.db.commit()
        pending.clear()
        rate = embedded / max(time.monotonic() - started, 1e-9)
        print(f"{len(done)} docs, {cache.count()} vectors, {rate:.1f} texts/s", flush=True)

    for path in order:
        if time.monotonic() > deadline:
            break
        if path.name in done:
            continue
        try:
            texts = embedded_texts(path, splitter)
        except Exception as exc:  # a document ingest would refuse: recorded with no chunks
            print(f"skip {path.name}: {exc}", file=sys.stderr)
            texts = [""]
        pending.append((path.name, texts))
        done.add(path.name)
        if sum(len(ts) for _, ts in pending) >= batch:
            flush()
    if pending:
        flush()


def embedded_documents() -> list[tuple[Path, int]]:
    """Documents of the order whose vectors are cached, in order, with their chunk counts."""
    cache = SqliteVectorStore()
    counts = dict(cache.db.execute("SELECT name, chunks FROM docs"))
    out = []
    for path in ordered_bench():
        if path.name not in counts:
            break  # a prefix only: stores must be prefixes of one order
        out.append((path, counts[path.name]))
    return out


def curated_chunks() -> int:
    """Chunks of the curated corpus (measured once by ingesting it into a scratch store)."""
    marker = CACHE / "curated_chunks.json"
    if marker.exists():
        return json.loads(marker.read_text())["chunks"]
    from ingest.chunking import make_splitter
    from ingest.discover import find_documents

    splitter = make_splitter(load_settings())
    files, _ = find_documents([CURATED])
    total = 0
    for path in files:
        try:
            total += len(embedded_texts(path, splitter)) - 1
        except Exception:  # noqa: S112  (refused by ingest too)
            continue
    marker.write_text(json.dumps({"chunks": total}))
    return total


def copy_of(path: Path, k: int) -> Path:
    target = COPIES_DIR / str(k) / path.name.replace("--", f"--copy{k}-", 1)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8")
        target.write_text(text.rstrip("\n") + f"\n\n(Bench copy {k}.)\n", encoding="utf-8")
    return target


def documents_for(chunks: int) -> tuple[list[Path], dict[str, int]]:
    """Bench files (originals, then copies) whose chunks with the curated corpus reach
    ``chunks``; and a description of what was taken."""
    need = chunks - curated_chunks()
    # "Reach N" within 5%: a document that would overshoot more is passed over for smaller
    # ones (one 700-chunk fact sheet would otherwise make a 1k store 1.6k).
    tolerance = max(20, chunks // 20)
    available = embedded_documents()
    if not available:
        raise SystemExit("no bench document is embedded yet: run `scale_store.py fill`")
    taken: list[Path] = []
    copies = k = 0
    while need > tolerance:
        progressed = False
        for path, count in available:
            if need <= tolerance:
                break
            if count == 0 or count > need + tolerance:
                continue
            taken.append(path if k == 0 else copy_of(path, k))
            copies += k > 0
            need -= count
            progressed = True
        if not progressed:
            break
        k += 1
    return taken, {"bench_docs": len(taken) - copies, "copies": copies,
                   "embedded_docs": len(available)}


# -- build: a store of N chunks through the real ingest -----------------------------------------

def ingest_argv(store: Path | None, port: int | None, collection: str | None) -> list[str]:
    # --wait: a server-mode claim can come back "contended" on a loaded machine with no
    # other writer (seen once at load 10; ingest/lease.py's CONTENDED): wait, do not fail.
    argv = ["--json", "--wait", "300"]
    if store:
        argv += ["--store", str(store)]
    if port:
        argv += ["--chroma-host", "127.0.0.1", "--chroma-port", str(port)]
    if collection:
        argv += ["--collection", collection]
    return argv


def run_cached_ingest(paths: list[Path], argv: list[str], env: dict[str, str] | None = None
                      ) -> dict:
    """``python -m ingest`` in a fresh process with the vector cache installed; returns its
    JSON summary plus the cache's hit/miss counts. Paths go through a file (thousands)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(map(str, paths)))
    try:
        result = subprocess.run(
            [sys.executable, __file__, "ingest", "--paths-from", listing.name, *argv],
            capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    finally:
        os.unlink(listing.name)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines or result.returncode not in (0, 1):
        raise SystemExit(f"ingest failed ({result.returncode}):\n{result.stderr[-3000:]}")
    rows = [json.loads(line) for line in lines]
    summary = next(r for r in reversed(rows) if "chunks_written" in r)
    summary.update(next((r for r in rows if "cache_hits" in r), {}))
    return summary


def _wipe(store: Path | None, port: int | None, collection: str | None) -> None:
    """Empty a store of ours: the embedded folder, or the server's collections of this name."""
    import shutil

    if store:
        shutil.rmtree(store, ignore_errors=True)
        return
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    prefix = collection or load_settings().collection
    for existing in client.list_collections():
        name = getattr(existing, "name", existing)
        if name == prefix or name.startswith(prefix + "_"):
            client.delete_collection(name)


def build(chunks: int, store: Path | None = None, port: int | None = None,
          collection: str | None = None) -> dict:
    """Bring a store to the curated corpus plus the bench prefix of ``chunks`` chunks. The
    curated corpus goes first, so it owns the documents the archive repeats. A store made
    from another selection (the cache has grown since) is emptied and made anew: ingest adds,
    it never drops a document that was merely not selected."""
    files, taken = documents_for(chunks)
    return build_from(files, {"chunks_target": chunks, **taken}, store, port, collection)


def build_all_embedded(store: Path) -> dict:
    """The curated corpus plus every embedded bench document (no copies): for quality."""
    docs = embedded_documents()
    files = [p for p, count in docs if count]
    return build_from(files, {"bench_docs": len(files), "copies": 0,
                              "embedded_docs": len(docs)}, store)


def build_from(files: list[Path], described: dict, store: Path | None = None,
               port: int | None = None, collection: str | None = None) -> dict:
    manifest = (store / "bench-selection.json" if store
                else STORES_DIR / f"server-{collection or 'casefile'}.json")
    selection = [str(p) for p in files]
    if manifest.exists() and json.loads(manifest.read_text()) != selection:
        _wipe(store, port, collection)
    argv = ingest_argv(store, port, collection)
    started = time.perf_counter()
    curated = run_cached_ingest([CURATED], argv)
    bench = run_cached_ingest(files, argv) if files else {"chunks_written": 0, "failed": 0}
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(selection))
    return {**described,
            "chunks_written": curated["chunks_written"] + bench["chunks_written"],
            "seconds": round(time.perf_counter() - started, 1),
            "cache_hits": curated.get("cache_hits", 0) + bench.get("cache_hits", 0),
            "cache_misses": curated.get("cache_misses", 0) + bench.get("cache_misses", 0),
            "failed": curated["failed"] + bench["failed"]}


def store_dir(chunks: int, mode: str = "embedded") -> Path:
    return STORES_DIR / f"{mode}-{chunks}"


def _ingest_main(argv: list[str]) -> int:
    """The ``ingest`` sub-command: python -m ingest with the cache installed."""
    if "--paths-from" in argv:
        i = argv.index("--paths-from")
        paths = Path(argv[i + 1]).read_text().splitlines()
        argv = argv[:i] + argv[i + 2:] + paths
    cache = install_cache()
    from ingest.cli import main as ingest_main

    code = ingest_main(argv)
    # One more JSON line, before the summary the caller reads last.
    sys.stdout.flush()
    print(json.dumps({"cache_hits": cache.hits, "cache_misses": cache.misses}), file=sys.stdout)
    return code


def _iter_status() -> Iterator[str]:
    cache = SqliteVectorStore()
    docs = embedded_documents()
    yield f"cache: {VECTORS} ({VECTORS.stat().st_size / 2**20:.0f} MB)"
    yield f"vectors: {cache.count()}; documents embedded (order prefix): {len(docs)}"
    yield f"chunks in that prefix: {sum(c for _, c in docs)} (+ curated {curated_chunks()})"
    yield f"archive documents: {len(ordered_bench())}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ingest"]:
        return _ingest_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_fill = sub.add_parser("fill", help="embed bench documents into the cache")
    p_fill.add_argument("--docs", type=int, help="stop after this many documents of the order")
    p_fill.add_argument("--minutes", type=float, help="stop after this long")
    sub.add_parser("status", help="what the cache holds")
    p_build = sub.add_parser("build", help="make a store of N chunks")
    p_build.add_argument("--chunks", type=int, required=True)
    p_build.add_argument("--store", type=Path)
    p_build.add_argument("--chroma-port", type=int)
    p_build.add_argument("--collection")
    args = parser.parse_args(argv)
    if args.command == "fill":
        fill(args.docs, args.minutes)
    elif args.command == "status":
        print("\n".join(_iter_status()))
    else:
        store = args.store or (None if args.chroma_port else store_dir(args.chunks))
        print(json.dumps(build(args.chunks, store, args.chroma_port, args.collection)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
