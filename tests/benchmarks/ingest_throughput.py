"""Ingest throughput per embedding backend, beside raw encode throughput of the same chunks.

    .venv/bin/python tests/benchmarks/ingest_throughput.py [--corpus DIR ...] [--bench N]
                                  [--repeat R] [--backend torch|onnx-int8 ...] [--quick]

For each corpus and each embedding backend (CASEFILE_EMBED_BACKEND; all by default): ingest it
into a fresh temporary store with that backend (model and tokenizer loaded before the clock
starts), read back the chunk texts exactly as the pipeline embedded them, encode those with the
same backend's bare model — a plain ``SentenceTransformer(...).encode(texts, batch_size=32)``
for torch, the ONNX session in length-sorted batches of 32 for onnx-int8 — and print both
rates and their ratio (target: ingest >= 0.90 x raw), and each backend's ingest rate over
torch's. ``--bench N`` adds N documents unpacked from
/work/shared/bench/whitehouse-briefing-room.tar.gz into a temporary folder. ``--quick``: 50
bench documents only, one round (about 3 minutes on a quiet machine).

Wall-clock rates are the figures; the CPU-time ratio beside them is a cross-check for a shared
machine, where other work can slow one phase and not the other. Not a test: it asserts nothing
and writes nothing outside its temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from index.settings import EMBED_BACKENDS, Settings  # noqa: E402  (sets the offline flags first)

SHARED = Path("/work/shared")
DEFAULT_CORPUS = SHARED / "corpus"
BENCH_ARCHIVE = SHARED / "bench" / "whitehouse-briefing-room.tar.gz"
TARGET = 0.90
QUICK_BENCH = 50  # ~800 chunks: the bench documents are long (150 gave 2,436)


@dataclass
class Clock:
    wall: float
    cpu: float

    @classmethod
    def run(cls, work: Callable[[], object]) -> tuple[object, Clock]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        return result, cls(time.perf_counter() - wall, time.process_time() - cpu)

    def best(self, other: Clock) -> Clock:
        return Clock(min(self.wall, other.wall), min(self.cpu, other.cpu))


@dataclass
class Row:
    name: str
    backend: str
    documents: int
    chunks: int
    ingest: Clock
    raw: Clock

    @property
    def ratio(self) -> float:
        """Ingest chunks/s over raw encode chunks/s, from wall-clock time."""
        return self.raw.wall / self.ingest.wall

    @property
    def cpu_ratio(self) -> float:
        return self.raw.cpu / self.ingest.cpu


def unpack_bench(count: int, target: Path) -> Path:
    """The first ``count`` Markdown documents of the archive, streamed out (no full unpack)."""
    folder = target / "whitehouse"
    folder.mkdir(parents=True, exist_ok=True)
    taken = 0
    with tarfile.open(BENCH_ARCHIVE, "r:gz") as archive:
        for member in archive:
            name = Path(member.name)
            if not member.isfile() or name.suffix != ".md" or name.parent == Path("."):
                continue
            out = folder / name.name
            if out.exists():  # same file name in two months: keep the first
                continue
            out.write_bytes(archive.extractfile(member).read())
            taken += 1
            if taken == count:
                break
    return folder


def embedded_texts(settings: Settings) -> list[str]:
    """Each stored chunk's text as the pipeline handed it to the model."""
    from llama_index.core.schema import MetadataMode

    from index.store import CorpusStore

    nodes = CorpusStore(settings).vector_store.get_nodes(node_ids=None)
    return [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]


def ingest_once(files: list[Path], settings: Settings):
    from index.store import CorpusStore
    from ingest.pipeline import Ingester

    return Ingester(settings, CorpusStore(settings)).run(files)


def measure(name: str, folders: list[Path], settings: Settings, raw_encode, repeat: int) -> Row:
    """Best of ``repeat`` rounds, each an ingest into a fresh store then a raw encode."""
    from ingest.discover import find_documents

    files, _ = find_documents(folders)
    row: Row | None = None
    for round_ in range(repeat):
        round_settings = replace(settings, store=settings.store.with_name(f"store-{round_}"))
        summary, ingest = Clock.run(lambda s=round_settings: ingest_once(files, s))
        texts = embedded_texts(round_settings)
        if len(texts) != summary.chunks_written:
            raise SystemExit(f"{name}: {len(texts)} chunks stored, "
                             f"{summary.chunks_written} written")
        _, raw = Clock.run(lambda t=texts: raw_encode(t))
        if row is None:
            row = Row(name, settings.embed_backend, summary.added + summary.updated, len(texts),
                      ingest, raw)
        row.ingest, row.raw = row.ingest.best(ingest), row.raw.best(raw)
    return row


def load_models(settings: Settings) -> Callable[[list[str]], object]:
    """Everything that loads once per process, loaded before any clock starts; returns the
    backend's bare encode (no llama-index, no pipeline) over a list of texts."""
    from index.embedding import count_word_pieces, embed_model, model_path

    model = embed_model(settings.embed_batch_size, settings.embed_backend)
    model.get_text_embedding("warm up")
    count_word_pieces()("warm up")
    if settings.embed_backend == "torch":
        from sentence_transformers import SentenceTransformer

        raw = SentenceTransformer(model_path(), device="cpu")
        raw.encode(["warm up"])
        return lambda texts: raw.encode(texts, batch_size=32)

    def onnx_encode(texts: list[str]) -> None:
        ordered = sorted(texts, key=len)  # as SentenceTransformer.encode orders them
        for start in range(0, len(ordered), 32):
            model._encode(ordered[start:start + 32])

    return onnx_encode


def print_table(rows: list[Row]) -> None:
    header = (f"{'corpus':<18}{'backend':<11}{'docs':>6}{'chunks':>8}{'ingest s':>10}"
              f"{'ingest c/s':>12}{'raw s':>8}{'raw c/s':>9}{'ratio':>7}{'cpu ratio':>11}"
              f"{'vs torch':>10}")
    print(header)
    print("-" * len(header))
    torch_rate = {r.name: r.chunks / r.ingest.wall for r in rows if r.backend == "torch"}
    for r in rows:
        rate = r.chunks / r.ingest.wall
        versus = f"{rate / torch_rate[r.name]:.2f}x" if r.name in torch_rate else "-"
        print(f"{r.name:<18}{r.backend:<11}{r.documents:>6}{r.chunks:>8}{r.ingest.wall:>10.1f}"
              f"{rate:>12.1f}{r.raw.wall:>8.1f}{r.chunks / r.raw.wall:>9.1f}"
              f"{r.ratio:>7.2f}{r.cpu_ratio:>11.2f}{versus:>10}"
              f"{'' if r.ratio >= TARGET else '  < target'}")
    print(f"target: ratio >= {TARGET}; load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (a busy machine blurs the wall-clock ratio)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help=f"folder to ingest (repeatable; default {DEFAULT_CORPUS})")
    parser.add_argument("--bench", type=int, default=0, metavar="N",
                        help="also ingest N documents from the White House archive")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="rounds per corpus; the best of R is printed (default 1)")
    parser.add_argument("--backend", action="append", choices=EMBED_BACKENDS,
                        help="embedding backend (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"only {QUICK_BENCH} bench documents, one round (under 5 minutes)")
    args = parser.parse_args(argv)
    backends = args.backend or list(EMBED_BACKENDS)
    with tempfile.TemporaryDirectory(prefix="casefile-bench-") as tmp:
        root = Path(tmp)
        jobs = []
        if not args.quick:
            corpus = args.corpus or [DEFAULT_CORPUS]
            jobs.append((", ".join(p.name for p in corpus), corpus))
        bench = QUICK_BENCH if args.quick else args.bench
        if bench:
            jobs.append((f"whitehouse x{bench}", [unpack_bench(bench, root)]))
        rows = []
        for backend in backends:  # one backend's models at a time, loaded before its clocks
            raw_encode = load_models(Settings(embed_backend=backend))
            for n, (name, folders) in enumerate(jobs):
                settings = Settings(store=root / backend / f"job-{n}" / "store",
                                    corpus=tuple(folders), embed_backend=backend)
                rows.append(measure(name, folders, settings, raw_encode,
                                    1 if args.quick else max(args.repeat, 1)))
                print(f"measured {name} with {backend}", file=sys.stderr)
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
