"""Warm latency of retrieval and of a full `ask`, beside the bare cost underneath them.

    .venv/bin/python tests/benchmarks/ask_latency.py [--store DIR] [--questions FILE] [--rounds N]

"Bare" is one query embedding plus one Chroma top-k query: the floor any answer pays. The ratio
ask/bare says how much retrieval fusion, BM25 and answer composition add on top. The store is
ingested from the configured corpus first if it is empty. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from index.settings import PROJECT_ROOT, load_settings

DEFAULT_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings().with_overrides(store=args.store)

    from index.embedding import embed_model
    from index.service import Casefile
    from index.store import CorpusStore
    from ingest.cli import run_ingest

    if CorpusStore(settings).chunk_count() == 0:
        run_ingest(settings, [p for p in settings.corpus if p.exists()], as_json=True)
    casefile = Casefile(settings)
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines()
                 if line.strip()]
    model = embed_model()
    for question in questions[:3]:  # warm every lazy path once
        casefile.ask(question)

    bare, retrieve, ask = [], [], []
    for round_number in range(args.rounds):
        for question in questions:
            # Vary the text per round so no cache (query embeddings are cached) flatters us.
            text = f"{question} ({round_number})" if round_number else question
            start = time.perf_counter()
            vector = model.get_query_embedding(text + " ")
            casefile.store.chunks.query(query_embeddings=[vector], n_results=10)
            bare.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            casefile.retriever.search(text + "  ", k=8)
            retrieve.append((time.perf_counter() - start) * 1000)
            answer = casefile.ask(f"{text}   ", k=8)
            ask.append(answer.timings_ms["total"])
    chunks = casefile.store.chunk_count()
    print(f"store: {settings.chroma_label}, {chunks} chunks; {len(ask)} asks")
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in (("bare embed+query", bare), ("retrieval (hybrid)", retrieve),
                         ("full ask", ask)):
        print(f"{name:24}{percentile(values, .5):10.1f}{percentile(values, .95):10.1f}"
              f"{statistics.fmean(values):10.1f}")
    print(f"ratio ask/bare (p50): {percentile(ask, .5) / percentile(bare, .5):.2f}")
    print(f"ratio retrieval/bare (p50): {percentile(retrieve, .5) / percentile(bare, .5):.2f}")


if __name__ == "__main__":
    main()
