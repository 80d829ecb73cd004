"""16 concurrent users against the web app's /ask (gradio_client on loopback), beside one user
in the same run: against one app process (embedded store), and against two app processes on one
Chroma server.

    .venv/bin/python tests/benchmarks/concurrent_users.py --quick      # 1k-chunk store, 3 asks/user
    .venv/bin/python tests/benchmarks/concurrent_users.py [--chunks 10000] [--users 16]
        [--asks 6] [--setups one-app,two-apps]

Stores come from ``scale_store.py`` (the same stores as ``query_latency.py``). Each setup starts
the real ``app.py`` process(es), warms them with a few questions, then measures:

1. **single user**: one client asks the questions one after another;
2. **N users**: N threads, each with its own ``gradio_client.Client``, ask ``--asks`` questions
   each, all at once (users spread round-robin over the app processes). Counts and time are
   bounded: every request has a deadline (``--timeout``, default 300 s), after which it is an
   error.

Latency is the client's wall time per ``/ask`` call. Zero errors is the requirement: every
error is printed. Questions come from ``../shared/eval/*.jsonl`` at run time, each suffixed
with the user and round so no cache answers it. On a shared 2-core machine the absolute
figures move with the load (printed); the N-user/single-user ratio is from one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_store  # noqa: E402
from bench_procs import (  # noqa: E402
    app_running,
    chroma_running,
    eval_questions,
    load_note,
    percentile,
    store_env,
)


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def ask_all(url: str, questions: list[str], timeout: float, outcome: Outcome,
            lock: threading.Lock) -> None:
    """One user: its own client, questions one after another."""
    try:
        client = _client(url)
    except Exception as exc:  # counted: a user who cannot connect is an error
        with lock:
            outcome.errors.append(f"connect {url}: {type(exc).__name__}: {exc}")
        return
    for question in questions:
        start = time.perf_counter()
        try:
            result = client.submit(question, api_name="/ask").result(timeout=timeout)
            if result.get("status") not in ("answered", "no_evidence"):
                raise RuntimeError(f"unexpected result {str(result)[:200]}")
        except Exception as exc:
            with lock:
                outcome.errors.append(f"{question[:60]!r} at {url}: {type(exc).__name__}: "
                                      f"{str(exc)[:300]}")
            continue
        with lock:
            outcome.latencies.append((time.perf_counter() - start) * 1000)


def run_users(urls: list[str], users: int, asks: int, questions: list[str], tag: str,
              timeout: float) -> Outcome:
    outcome, lock = Outcome(), threading.Lock()
    threads = []
    for u in range(users):
        mine = [f"{questions[(u * asks + i) % len(questions)]} ({tag}{u}.{i})"
                for i in range(asks)]
        threads.append(threading.Thread(
            target=ask_all, args=(urls[u % len(urls)], mine, timeout, outcome, lock),
            daemon=True))
    start = time.perf_counter()
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout * asks + 60  # bounded: never waits forever
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    outcome.wall = time.perf_counter() - start
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        outcome.errors.append(f"{stuck} users still waiting after {outcome.wall:.0f} s")
    return outcome


def measure(name: str, urls: list[str], args, questions: list[str]) -> list[tuple]:
    warm = Outcome()
    ask_all(urls[0], questions[:2], args.timeout, warm, threading.Lock())
    for url in urls[1:]:
        ask_all(url, questions[:2], args.timeout, warm, threading.Lock())
    single = run_users(urls[:1], 1, args.single, questions, "s", args.timeout)
    many = run_users(urls, args.users, args.asks, questions, "u", args.timeout)
    return [(name, 1, single), (name, args.users, many)]


def print_table(rows: list[tuple]) -> None:
    header = (f"{'setup':<28}{'users':>6}{'asks':>6}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'max ms':>9}{'asks/s':>8}{'p50 / 1 user':>14}")
    print(header)
    print("-" * len(header))
    single_p50 = {}
    for name, users, o in rows:
        if not o.latencies:
            print(f"{name:<28}{users:>6}{0:>6}{len(o.errors):>7}   (no answer)")
            continue
        p50 = percentile(o.latencies, .5)
        if users == 1:
            single_p50[name] = p50
        ratio = p50 / single_p50[name] if name in single_p50 else float("nan")
        print(f"{name:<28}{users:>6}{len(o.latencies):>6}{len(o.errors):>7}{p50:>9.0f}"
              f"{percentile(o.latencies, .95):>9.0f}{max(o.latencies):>9.0f}"
              f"{len(o.latencies) / o.wall:>8.2f}{ratio:>13.1f}x")
    print(load_note())
    errors = [e for _, _, o in rows for e in o.errors]
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in errors))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--chunks", type=int, help="store size (default 10000; quick 1000)")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--asks", type=int, help="questions per user (default 6; quick 3)")
    parser.add_argument("--single", type=int, help="questions of the single user (default 8)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
    parser.add_argument("--setups", default="one-app,two-apps")
    args = parser.parse_args(argv)
    args.chunks = args.chunks or (1000 if args.quick else 10000)
    args.asks = args.asks or (3 if args.quick else 6)
    args.single = args.single or (4 if args.quick else 8)
    questions = eval_questions()
    rows: list[tuple] = []
    setups = args.setups.split(",")
    if "one-app" in setups:
        store = scale_store.store_dir(args.chunks)
        print(f"store: {scale_store.build(args.chunks, store=store)}", file=sys.stderr)
        with app_running(store_env(store=store)) as (url, _pid):
            rows += measure(f"1 app, embedded {args.chunks}", [url], args, questions)
    if "two-apps" in setups:
        with ExitStack() as stack:
            port = stack.enter_context(chroma_running(scale_store.STORES_DIR / "server"))
            collection = f"scale{args.chunks}"
            print(f"store: {scale_store.build(args.chunks, port=port, collection=collection)}",
                  file=sys.stderr)
            env = store_env(store=Path(os.environ.get("TMPDIR", "/tmp")) / "casefile-unused",
                            port=port, collection=collection)
            urls = [stack.enter_context(app_running(env))[0] for _ in range(2)]
            rows += measure(f"2 apps, 1 server {args.chunks}", urls, args, questions)
    print_table(rows)
    errors = sum(len(o.errors) for _, _, o in rows)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
