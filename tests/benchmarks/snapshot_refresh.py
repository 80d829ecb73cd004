"""How much the corpus snapshot costs: polling the committed-version key, building a snapshot
from the chunks (what every reader did on the first question after an ingest before issue 12)
against loading the one the ingest persisted, and a search with and without a narrow filter.

    .venv/bin/python tests/benchmarks/snapshot_refresh.py --quick          # the fixture corpus
    .venv/bin/python tests/benchmarks/snapshot_refresh.py --store DIR      # a copy of a store

``--store`` must be a store you own (the script writes its snapshot folder, never chunks);
copy the shared one first. The figures are wall-clock on a shared machine: compare the rows of
one run with each other (build vs load), not with another run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index import snapshot as snapshots  # noqa: E402
from index.query_params import SearchFilters  # noqa: E402
from index.retrieval import HybridRetriever  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import CorpusStore  # noqa: E402

QUESTION = "What penalty applies to moving firearms across the border without a licence?"


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def row(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"| {name:<44} | {len(ms):>4} | {statistics.median(ms):>10.1f} | {p95:>10.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an embedded store folder you own")
    parser.add_argument("--quick", action="store_true", help="the fixture corpus, few repeats")
    args = parser.parse_args()
    repeat = 3 if args.quick else 5
    workdir = Path(tempfile.mkdtemp(prefix="casefile-snapshot-bench-"))
    try:
        if args.store:
            settings = Settings(store=args.store)
        else:
            from ingest.cli import run_ingest

            fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
            settings = Settings(store=workdir / "store", corpus=(fixtures,))
            assert run_ingest(settings, [fixtures], as_json=True) in (0, 1)
        store = CorpusStore(settings)
        key = store.versions().key
        snapshots.persist_after_ingest(store)  # as the ingest does; a no-op if written
        folder = snapshots.snapshot_root(settings) / store.versions().key
        retriever = HybridRetriever(store)
        retriever.refresh()  # loads the model once, outside the timings
        chunks = retriever.snapshot.served
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
        print(f"store {settings.store}: {len(retriever.documents)} documents, {chunks} chunks, "
              f"snapshot {size:.1f} MB")
        print("| step                                         |    n |   p50 (ms) |   p95 (ms) |")
        print("|----------------------------------------------|-----:|-----------:|-----------:|")
        row("poll the committed-version key", timed(store.versions, 50))
        row("build a snapshot from the chunks (old path)",
            timed(lambda: snapshots.make(store, "", persist=False), repeat))
        row("load the snapshot the ingest persisted", timed(lambda: snapshots.make(store, key),
                                                            repeat))
        row("refresh(reopen=True) (fresh client + load)",
            timed(lambda: retriever.refresh(reopen=True), repeat))
        row("search, no filter", timed(lambda: retriever.search(QUESTION, k=8), repeat * 4))
        narrow = SearchFilters.parse(date_from="2021-08", date_to="2021-08")
        found = len(retriever.search(QUESTION, k=8, filters=narrow))
        row(f"search, date filter Aug 2021 ({found} hits)", timed(
            lambda: retriever.search(QUESTION, k=8, filters=narrow), repeat * 4))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
