"""Ingest throughput beside raw SentenceTransformer.encode throughput on the same chunks.

    .venv/bin/python tests/benchmarks/ingest_throughput.py [--corpus DIR ...] [--bench N]

For each corpus: ingest it into a fresh temporary store (model and tokenizer loaded before the
clock starts), read back the chunk texts exactly as the pipeline embedded them, encode those
with a plain ``SentenceTransformer(...).encode(texts, batch_size=32)``, and print both rates
and their ratio (target: ingest >= 0.85 x raw). ``--bench N`` adds N documents unpacked from
/work/shared/bench/whitehouse-briefing-room.tar.gz into a temporary folder. Not a test: it
asserts nothing and writes nothing outside the temporary folders.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from index.settings import Settings  # noqa: E402  (sets the offline flags first)

SHARED = Path("/work/shared")
DEFAULT_CORPUS = SHARED / "corpus"
BENCH_ARCHIVE = SHARED / "bench" / "whitehouse-briefing-room.tar.gz"
TARGET = 0.85


@dataclass
class Row:
    name: str
    documents: int
    chunks: int
    ingest_seconds: float
    raw_seconds: float

    @property
    def ingest_rate(self) -> float:
        return self.chunks / self.ingest_seconds

    @property
    def raw_rate(self) -> float:
        return self.chunks / self.raw_seconds

    @property
    def ratio(self) -> float:
        return self.ingest_rate / self.raw_rate


def unpack_bench(count: int, target: Path) -> Path:
    """The first ``count`` Markdown documents of the archive, streamed out (no full unpack)."""
    folder = target / "whitehouse"
    taken = 0
    with tarfile.open(BENCH_ARCHIVE, "r:gz") as archive:
        for member in archive:
            name = Path(member.name)
            if not member.isfile() or name.suffix != ".md" or name.parent == Path("."):
                continue
            out = folder / name.name
            if out.exists():  # same file name in two months: keep the first
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(archive.extractfile(member).read())
            taken += 1
            if taken == count:
                break
    return folder


def embedded_texts(store) -> list[str]:
    """Each stored chunk's text as the pipeline handed it to the model."""
    from llama_index.core.schema import MetadataMode

    nodes = store.vector_store.get_nodes(node_ids=None)
    return [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]


def measure(name: str, folders: list[Path], settings: Settings, raw_model, repeat: int) -> Row:
    """Best of ``repeat`` alternating rounds (ingest into a fresh store, then raw encode):
    on a shared 2-core machine the minimum is the figure least disturbed by other work."""
    from ingest.discover import find_documents

    files, _ = find_documents(folders)
    best: Row | None = None
    for round_ in range(repeat):
        store_dir = settings.store.with_name(f"{settings.store.name}-{round_}")
        documents, texts, ingest_seconds = _ingest(files, replace(settings, store=store_dir))
        started = time.perf_counter()
        raw_model.encode(texts, batch_size=32)
        raw_seconds = time.perf_counter() - started
        row = Row(name, documents, len(texts), ingest_seconds, raw_seconds)
        if best is None:
            best = row
        best.ingest_seconds = min(best.ingest_seconds, row.ingest_seconds)
        best.raw_seconds = min(best.raw_seconds, row.raw_seconds)
    return best


def _ingest(files: list[Path], settings: Settings) -> tuple[int, list[str], float]:
    from index.store import CorpusStore
    from ingest.pipeline import Ingester

    started = time.perf_counter()
    summary = Ingester(settings, CorpusStore(settings)).run(files)
    seconds = time.perf_counter() - started
    texts = embedded_texts(CorpusStore(settings))
    if len(texts) != summary.chunks_written:
        raise SystemExit(f"{len(texts)} chunks stored, {summary.chunks_written} written")
    return summary.added + summary.updated, texts, seconds


def load_models(settings: Settings):
    """Everything that loads once per process, loaded before any clock starts."""
    from sentence_transformers import SentenceTransformer

    from index.embedding import count_word_pieces, embed_model, model_path

    embed_model(settings.embed_batch_size).get_text_embedding("warm up")
    count_word_pieces()("warm up")
    raw = SentenceTransformer(model_path(), device="cpu")
    raw.encode(["warm up"])
    return raw


def print_table(rows: list[Row]) -> None:
    header = (f"{'corpus':<24}{'docs':>6}{'chunks':>8}{'ingest s':>10}{'ingest c/s':>12}"
              f"{'raw s':>8}{'raw c/s':>9}{'ratio':>7}")
    print(header)
    print("-" * len(header))
    for r in rows:
        flag = "" if r.ratio >= TARGET else "  < target"
        print(f"{r.name:<24}{r.documents:>6}{r.chunks:>8}{r.ingest_seconds:>10.1f}"
              f"{r.ingest_rate:>12.1f}{r.raw_seconds:>8.1f}{r.raw_rate:>9.1f}"
              f"{r.ratio:>7.2f}{flag}")
    print(f"target: ingest >= {TARGET} x raw encode")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help=f"folder to ingest (repeatable; default {DEFAULT_CORPUS})")
    parser.add_argument("--bench", type=int, default=0, metavar="N",
                        help="also ingest N documents from the White House archive")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="rounds per corpus; the best of R is printed (default 1)")
    args = parser.parse_args(argv)
    corpus = args.corpus or [DEFAULT_CORPUS]
    with tempfile.TemporaryDirectory(prefix="casefile-bench-") as tmp:
        root = Path(tmp)
        raw_model = load_models(Settings())
        jobs = [(", ".join(p.name for p in corpus), corpus)]
        if args.bench:
            jobs.append((f"whitehouse x{args.bench}", [unpack_bench(args.bench, root)]))
        rows = []
        for n, (name, folders) in enumerate(jobs):
            settings = Settings(store=root / f"store-{n}", corpus=tuple(folders))
            rows.append(measure(name, folders, settings, raw_model, max(args.repeat, 1)))
            print(f"measured {name}", file=sys.stderr)
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
