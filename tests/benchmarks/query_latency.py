"""Query latency as the corpus grows: retrieval and full ask p50/p95 at 1k … 250k chunks,
embedded and server mode, app memory at each size, and how long a new document takes to show.

    .venv/bin/python tests/benchmarks/query_latency.py --quick          # 1k and 10k, both modes
    .venv/bin/python tests/benchmarks/query_latency.py [--sizes 1000,10000,100000,250000]
        [--modes embedded,server] [--questions N] [--rounds R] [--profile SIZE]

Stores come from ``scale_store.py`` (real bench documents with their real MiniLM vectors,
cached in ``~/.cache/casefile-bench``; see its docstring for how sizes beyond the embedded
documents are made). Each store is brought up to date by the real ingest first (incremental;
the first build of a size costs its embedding, which is not part of the ``--quick`` budget).

One **app process per (mode, size)** (``Casefile`` plus the Gradio app served on loopback, as
``app.py`` does) answers the same questions. Rounds are interleaved across the processes, so a
load change on a shared machine falls on every size alike: the ratios to 1k are the figures to
read, the absolute milliseconds are as loaded as the machine was (the load is printed).
Per process: retrieval (``retriever.search``, k=8) and full ``Casefile.ask`` timings, the cold
open (snapshot load) and first answer, RSS after the runs and its peak. Questions are read from
``../shared/eval/*.jsonl`` at run time; each round appends a marker so no cache flatters it.

**Snapshot visibility**: a new document of our own (a made-up word in it) is ingested with
``python -m ingest`` into each store while its app process keeps asking a question only that
document answers; printed: the ingest's wall time and how long after the ingest ended the
running process answered from it. The document is then removed (``ingest --prune``) and the
wait until it is gone is printed too, which also leaves the cached store as it was.

Before e81cda0 (the store reads in pages) an embedded store past ~32.7k chunks failed the
snapshot build (one unpaged Chroma ``get``: "too many SQL variables").

``--profile SIZE`` prints cProfile's top functions of one full ask at that size (embedded).
Targets (embedded): full ask p50 at 100k <= 1.5 x 1k; at >= 250k <= 2 x 1k.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_store  # noqa: E402
from bench_procs import (  # noqa: E402
    PROJECT,
    chroma_running,
    eval_questions,
    free_port,
    load_note,
    memory_mb,
    percentile,
    store_env,
)

PROTOCOL = "@@"  # worker lines for the parent start with this; the rest is the app's log
TARGETS = {100_000: 1.5, 250_000: 2.0}
NEW_DOC_MARKER = "quellbrook"  # a made-up word: only the new document can answer it
NEW_DOC = f"""---
title: Notice on the {NEW_DOC_MARKER} inspection programme
publisher: Casefile benchmark
date: 2026-12-01
kind: other
---

# The {NEW_DOC_MARKER} inspection programme

The {NEW_DOC_MARKER} inspection programme checks every shipping container that leaves the
harbour of the fictional town of Alderwick. Inspectors weigh each container, compare the
weight with the manifest, and open one container in twenty at random.

The programme began in March and employs nine inspectors working in three shifts.
"""
NEW_DOC_QUESTION = f"How many inspectors does the {NEW_DOC_MARKER} inspection programme employ?"


# -- the app process (worker) -------------------------------------------------------------------

def _say(payload: dict) -> None:
    print(PROTOCOL + json.dumps(payload), flush=True)


def worker() -> int:
    """One app process: Casefile + the Gradio app on loopback; commands on stdin."""
    started = time.perf_counter()
    from index.service import Casefile
    from index.settings import load_settings
    from index.web import build_app, serve

    casefile = Casefile(load_settings())
    opened = time.perf_counter() - started
    demo = build_app(casefile)
    serve(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    casefile.ask("What is this corpus about?")
    _say({"ready": True, "open_s": opened, "first_answer_s": time.perf_counter() - started,
          "chunks": casefile.store.chunk_count()})
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "round":
            retrieve, ask = [], []
            for text in command["questions"]:
                # Different trailing spaces: the query-vector cache must not serve one from
                # the other (search and ask would otherwise share the embedding).
                start = time.perf_counter()
                casefile.retriever.search(text + "  ", k=8)
                retrieve.append((time.perf_counter() - start) * 1000)
                ask.append(casefile.ask(text + "   ", k=8).timings_ms["total"])
            _say({"retrieve": retrieve, "ask": ask, "rss": memory_mb()})
        elif command["cmd"] == "watch":
            deadline = time.monotonic() + command["timeout"]
            seen = not command["present"]
            while time.monotonic() < deadline:
                answer = casefile.ask(command["question"])
                seen = any(p.doc_id == command["doc_id"] for p in answer.retrieved)
                if seen == command["present"]:
                    break
                time.sleep(0.1)
            _say({"at": time.time(), "ok": seen == command["present"]})
        elif command["cmd"] == "profile":
            import cProfile
            import io
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            answer = casefile.ask(command["question"] + "    ", k=8)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(35)
            _say({"text": out.getvalue(), "timings": answer.timings_ms})
        else:
            break
    demo.close()
    return 0


@dataclass
class Worker:
    mode: str
    size: int
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    ready: dict = field(default_factory=dict)
    retrieve: list[float] = field(default_factory=list)
    ask: list[float] = field(default_factory=list)
    rss: tuple[float, float] = (0.0, 0.0)
    visibility: dict = field(default_factory=dict)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "worker"], cwd=PROJECT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env={**os.environ, **self.env})

    def read(self) -> dict:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            if line.startswith(PROTOCOL):
                return json.loads(line[len(PROTOCOL):])
        raise RuntimeError(f"{self.mode} {self.size}: the app process exited "
                           f"({self.proc.wait()})")

    def send(self, payload: dict) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(json.dumps(payload) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.send({"cmd": "quit"})
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# -- snapshot visibility ------------------------------------------------------------------------

def measure_visibility(w: Worker, folder: Path) -> dict:
    """Ingest a new document while ``w`` keeps asking; then prune it again."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = folder / f"{NEW_DOC_MARKER}-notice.md"
    doc.write_text(NEW_DOC, encoding="utf-8")
    env = {**os.environ, **w.env}
    cli = [sys.executable, "-m", "ingest", "--json", "--wait", "600"]
    out = {}
    for present in (True, False):
        w.send({"cmd": "watch", "question": NEW_DOC_QUESTION, "doc_id": doc.stem.lower(),
                "present": present, "timeout": 900})
        if not present:
            doc.unlink()
        started = time.time()
        args = [*cli, str(doc)] if present else [*cli, "--prune", str(folder)]
        result = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True,
                                check=False)
        ended = time.time()
        seen = w.read()
        name = "add" if present else "remove"
        if result.returncode != 0:
            print(f"{w.mode} {w.size}: ingest ({name}) failed: {result.stderr[-500:]}",
                  file=sys.stderr)
        out[name] = {"ingest_s": ended - started, "seen_s": seen["at"] - started,
                     "ok": seen["ok"] and result.returncode == 0}
    return out


# -- the run -------------------------------------------------------------------------------------

def prepare(mode: str, size: int, port: int | None, as_built: bool = False) -> dict[str, str]:
    """Build (or update) the store for one (mode, size); returns the app's environment.
    ``as_built``: use the store as it is (a store built from a shorter cache prefix)."""
    if mode == "embedded":
        store = scale_store.store_dir(size)
        built = ({"as_built": str(store)} if as_built
                 else scale_store.build(size, store=store))
        env = store_env(store=store)
    else:
        collection = f"scale{size}"
        built = ({"as_built": collection} if as_built
                 else scale_store.build(size, port=port, collection=collection))
        env = store_env(store=Path(tempfile.gettempdir()) / "casefile-unused", port=port,
                        collection=collection)
    print(f"store {mode} {size}: {json.dumps(built)}", file=sys.stderr, flush=True)
    return env


def print_table(workers: list[Worker]) -> None:
    base = {w.mode: w for w in workers if w.size == min(x.size for x in workers
                                                         if x.mode == w.mode)}
    header = (f"{'mode':<9}{'target':>8}{'chunks':>8}{'retr p50':>9}{'p95':>7}{'ask p50':>9}"
              f"{'p95':>7}{'ask/base':>9}{'open s':>8}{'1st s':>7}{'RSS MB':>8}{'peak':>7}"
              f"{'ingest s':>9}{'seen s':>8}{'rm ingest':>10}{'gone s':>8}")
    print(header)
    print("-" * len(header))
    for w in workers:
        ask50 = percentile(w.ask, .5)
        ratio = ask50 / percentile(base[w.mode].ask, .5)
        goal = TARGETS.get(w.size) if w.mode == "embedded" else None
        flag = "" if goal is None else (" ok" if ratio <= goal else f" > {goal}x")
        vis, nan = w.visibility, float("nan")
        add, rm = vis.get("add", {}), vis.get("remove", {})
        print(f"{w.mode:<9}{w.size:>8}{w.ready['chunks']:>8}{percentile(w.retrieve, .5):>9.1f}"
              f"{percentile(w.retrieve, .95):>7.0f}{ask50:>9.1f}{percentile(w.ask, .95):>7.0f}"
              f"{ratio:>8.2f}x{w.ready['open_s']:>8.1f}{w.ready['first_answer_s']:>7.1f}"
              f"{w.rss[0]:>8.0f}{w.rss[1]:>7.0f}"
              f"{add.get('ingest_s', nan):>9.1f}{add.get('seen_s', nan):>8.1f}"
              f"{rm.get('ingest_s', nan):>10.1f}{rm.get('seen_s', nan):>8.1f}{flag}"
              + ("" if add.get("ok", True) and rm.get("ok", True) else "  VISIBILITY FAILED"))
    print(f"{len(workers[0].ask)} asks per row; times in ms unless marked; {load_note()}")
    print("ingest s: wall time of `python -m ingest NEW.md` (a fresh process: model load, "
          "embedding, commit, BM25 snapshot); seen s: from its start until the running app "
          "answered from the new document; rm ingest / gone s: the same for `ingest --prune` "
          "after deleting it")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        return worker()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k, few questions")
    parser.add_argument("--sizes", default="1000,10000,100000,250000")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--questions", type=int, help="questions per round")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--profile", type=int, metavar="SIZE",
                        help="profile one ask at this size (embedded)")
    parser.add_argument("--no-visibility", action="store_true")
    parser.add_argument("--as-built", action="store_true",
                        help="use the cached stores as they are; do not bring them up to date")
    args = parser.parse_args(argv)
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    n_questions = args.questions or (10 if args.quick else 24)
    rounds = args.rounds or (2 if args.quick else 3)
    questions = eval_questions(n_questions)

    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="casefile-ql-") as tmp:
        port = None
        if "server" in modes:
            port = stack.enter_context(chroma_running(scale_store.STORES_DIR / "server"))
        workers = [Worker(mode, size, prepare(mode, size, port, args.as_built)) for mode in modes
                   for size in sizes]
        for w in workers:
            stack.callback(w.stop)
            w.start()
            w.ready = w.read()  # one at a time: cold starts measured without each other
            print(f"app {w.mode} {w.size}: {w.ready}", file=sys.stderr, flush=True)
        for r in range(rounds):
            batch = [f"{q} ({r})" if r else q for q in questions]
            for w in workers:
                w.send({"cmd": "round", "questions": batch})
                result = w.read()
                w.retrieve += result["retrieve"]
                w.ask += result["ask"]
                w.rss = tuple(result["rss"])
        if not args.no_visibility:
            for w in workers:
                w.visibility = measure_visibility(w, Path(tmp) / f"new-{w.mode}-{w.size}")
        print_table(workers)
        if args.profile:
            target = next(w for w in workers if w.mode == "embedded" and w.size == args.profile)
            target.send({"cmd": "profile", "question": questions[0]})
            report = target.read()
            print(f"\nprofile of one ask at {args.profile} (embedded): {report['timings']}")
            print(report["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
