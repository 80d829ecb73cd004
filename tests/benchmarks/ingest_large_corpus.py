"""Ingest slices of the 14k-document bench corpus: rate, peak memory, duplicates, resume.

    .venv/bin/python tests/benchmarks/ingest_large_corpus.py [--quick] [--slices 1000,5000,all]
        [--embedder model|stub] [--bench-dir DIR] [--no-resume]

Unpacks /work/shared/bench/whitehouse-briefing-room.tar.gz into a temporary folder (or reads
an unpacked copy with ``--bench-dir``), then for each slice ingests the curated corpus
(/work/shared/corpus) plus that many bench documents into a fresh temporary store, each slice
in its own child process, and prints one row: documents, chunks, seconds, chunks/s, the
child's peak RSS, its RSS after 10% / 50% / 100% of the documents (flat memory means the last
two stay close), duplicates found and failures. A slice is a fixed random sample of the bench
files (seed 12, ingested in path order) that always includes the bench copies of curated
documents, so every slice exercises the duplicate check.

``--embedder stub`` replaces the embedding call with fixed pseudo-random unit vectors (384
dimensions, like MiniLM) so the whole corpus can be streamed through reading, chunking, the
store lookups and Chroma in minutes: it measures everything that can grow with the corpus,
nothing about embedding speed. ``model`` (the default) is the real MiniLM.

The resume check (on the first slice) SIGKILLs an ingest once about half of its documents are
committed, runs it again, and counts what the second run skipped (committed before the kill),
repaired (the batch in flight when it died) and wrote.

``--quick``: one slice of 1,000 documents with the stub embedder, plus 100 with the model
(under 5 minutes on a quiet 2-core machine). Not a test: it asserts nothing and writes
nothing outside its temporary folders.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SHARED = Path("/work/shared")
CURATED = SHARED / "corpus"
BENCH_ARCHIVE = SHARED / "bench" / "whitehouse-briefing-room.tar.gz"
SEED = 12
STUB_DIMENSIONS = 384


# -- the child: one ingest, measured from inside ------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _stub_embedding() -> None:
    """Replace the embedding call (and only it) with fixed unit vectors: the pipeline still
    chunks, looks up, writes and commits every chunk."""
    import numpy as np

    from ingest.pipeline import Ingester

    def embed(self, batch):  # same contract as Ingester._embed
        from llama_index.core.schema import MetadataMode

        nodes = [node for p in batch for node in p.nodes]
        texts = [p.record.title for p in batch]
        texts += [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        vectors = []
        for text in texts:
            rng = np.random.default_rng(abs(hash(text)) % 2**32)
            vector = rng.standard_normal(STUB_DIMENSIONS)
            vectors.append((vector / np.linalg.norm(vector)).tolist())
        for node, vector in zip(nodes, vectors[len(batch):], strict=True):
            node.embedding = vector
        return vectors[: len(batch)]

    Ingester._embed = embed


def child(spec: dict) -> None:
    from index.settings import load_settings
    from index.store import CorpusStore
    from ingest.pipeline import Ingester

    if spec["embedder"] == "stub":
        _stub_embedding()
    else:
        from index.embedding import embed_model

        embed_model(load_settings().embed_batch_size)  # loaded before the clock starts
    files = [Path(f) for f in spec["files"]]
    settings = load_settings().with_overrides(store=Path(spec["store"]))
    store = CorpusStore(settings)
    marks = {max(1, round(len(files) * share)): share for share in (0.1, 0.5, 1.0)}
    rss_at: dict[str, float] = {}
    done = chunks = 0

    def progress(_path: str, new_chunks: int) -> None:
        nonlocal done, chunks
        done += 1
        chunks += new_chunks
        if done in marks:
            rss_at[f"{marks[done]:.0%}"] = round(_rss_mb())
        print(json.dumps({"done": done, "chunks": chunks}), flush=True)

    started = time.perf_counter()
    summary = Ingester(settings, store, on_progress=progress).run(files)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"summary": json.loads(summary.to_json()), "seconds": seconds,
                      "peak_rss_mb": round(peak), "rss_at": rss_at,
                      "chunks_stored": store.chunk_count()}), flush=True)


# -- the parent ----------------------------------------------------------------------------

def _unpack(target: Path) -> Path:
    with tarfile.open(BENCH_ARCHIVE) as archive:
        archive.extractall(target, filter="data")
    return target


def _curated_copies(bench: Path) -> set[Path]:
    """Bench files that curated documents name as their source (their provenance line)."""
    found = set()
    for doc in CURATED.glob("*.md"):
        match = re.search(r"wh-briefings:(\S+?\.md)@", doc.read_text(encoding="utf-8"))
        if match and (bench / match.group(1)).exists():
            found.add((bench / match.group(1)).resolve())
    return found


def _slice(bench_files: list[Path], copies: set[Path], size: int) -> list[Path]:
    if size >= len(bench_files):
        return bench_files
    others = [f for f in bench_files if f not in copies]
    chosen = set(random.Random(SEED).sample(others, max(0, size - len(copies)))) | copies
    return sorted(chosen)


def _spawn(spec: dict) -> subprocess.Popen:
    # The file list goes through a file: 14k paths are too long for a command line.
    spec_file = Path(spec["store"] + ".spec.json")
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("CASEFILE_CHROMA_HOST", None)
    return subprocess.Popen(
        [sys.executable, __file__, "--child", str(spec_file)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def _run(spec: dict, kill_after: int | None = None) -> dict:
    """Run one child to its end (its last JSON line), or SIGKILL it once ``kill_after``
    documents are reported done (committed, skipped or failed)."""
    process = _spawn(spec)
    last: dict = {}
    assert process.stdout is not None
    for line in process.stdout:
        last = json.loads(line)
        if kill_after is not None and last.get("done", 0) >= kill_after:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return last
    process.wait()
    if "summary" not in last:
        raise RuntimeError(f"the ingest child failed (exit {process.returncode})")
    return last


def _row(label: str, embedder: str, result: dict) -> str:
    summary, seconds = result["summary"], result["seconds"]
    docs = summary["added"] + summary["updated"] + summary["unchanged"]
    chunks = summary["chunks_written"]
    rss = result["rss_at"]
    return (f"| {label} | {embedder} | {docs:,} | {chunks:,} | {seconds:,.0f} | "
            f"{chunks / seconds:,.1f} | {result['peak_rss_mb']:,} | "
            f"{rss.get('10%', '-')} / {rss.get('50%', '-')} / {rss.get('100%', '-')} | "
            f"{summary['duplicates']} | {summary['failed']} |")


def _resume_check(files: list[Path], embedder: str, work: Path) -> None:
    store = work / "resume-store"
    spec = {"files": [str(f) for f in files], "store": str(store), "embedder": embedder}
    killed = _run(spec, kill_after=len(files) // 2)
    again = _run(spec)["summary"]
    rerun = _run(spec)["summary"]
    written = again["added"] + again["updated"]
    print("\nResume after kill -9 (same slice, same store):\n")
    print("| documents | reported done at the kill | skipped on re-run (committed) | "
          "repaired (in flight) | written on re-run | chunks written on re-run | "
          "third run writes |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {len(files):,} | {killed.get('done', 0):,} | {again['unchanged']:,} | "
          f"{again['repaired']:,} | {written:,} | {again['chunks_written']:,} | "
          f"{rerun['chunks_written']:,} chunks, {rerun['unchanged']:,} unchanged |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--slices", default="1000,5000,all",
                        help="comma-separated bench document counts, or 'all'")
    parser.add_argument("--embedder", choices=("model", "stub"), default="model")
    parser.add_argument("--bench-dir", type=Path, help="an unpacked copy of the bench archive")
    parser.add_argument("--no-resume", action="store_true", help="skip the kill -9 check")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a spec file: run one ingest
    args = parser.parse_args()
    if args.child:
        child(json.loads(Path(args.child).read_text(encoding="utf-8")))
        return

    from ingest.discover import find_documents

    with tempfile.TemporaryDirectory(prefix="casefile-large-") as tmp:
        work = Path(tmp)
        bench = args.bench_dir or _unpack(work / "bench")
        bench_files, _ = find_documents([bench])
        curated, _ = find_documents([CURATED])
        copies = _curated_copies(bench)
        runs = ([(1000, "stub"), (100, "model")] if args.quick else
                [(len(bench_files) if s == "all" else int(s), args.embedder)
                 for s in args.slices.split(",")])
        print(f"bench: {len(bench_files):,} documents ({len(copies)} are copies of curated "
              f"ones); curated: {len(curated)}; load average {os.getloadavg()[0]:.1f}\n")
        print("| slice | embedder | docs indexed | chunks | s | chunks/s | peak RSS MB | "
              "RSS MB at 10% / 50% / 100% of docs | duplicates | failed |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n, (size, embedder) in enumerate(runs):
            files = curated + _slice(bench_files, copies, size)
            spec = {"files": [str(f) for f in files], "store": str(work / f"store-{n}"),
                    "embedder": embedder}
            print(_row(f"curated + {size:,}", embedder, _run(spec)), flush=True)
        if not args.no_resume:
            size, embedder = runs[0]
            _resume_check(curated + _slice(bench_files, copies, size), embedder, work)


if __name__ == "__main__":
    main()
