"""Retrieval quality with distractors: dev and dev2 over the curated corpus alone, and over the
curated corpus plus the bench archive (White House briefing room), side by side.

    .venv/bin/python tests/benchmarks/quality_distractors.py [--quick] [--sets dev,dev2]

The distractor store is the curated corpus plus **every bench document whose vectors are
cached** (``scale_store.py fill``; no copies), so until the whole archive is embedded it holds a
fraction of it, and the table says how much (documents and chunks of the 14,396, chunks
estimated for the rest from the embedded documents' mean). The scoring is ``index.eval``'s own
(``score``/``summarize``): hit@k, MRR and evidence recall over answerable questions, abstention
over unanswerable ones, with the shipped ranker (in-sample for dev/dev2: the comparison is
between stores, the model is the same on both sides). Target: hit@5 within 0.05 of
curated-only. ``--quick`` scores the first 15 questions of each set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_store  # noqa: E402
from bench_procs import EVAL, load_note  # noqa: E402

METRICS = ("hit@1", "hit@5", "hit@10", "mrr", "evidence_recall", "abstention_accuracy",
           "false_abstention")
TARGET = 0.05


def evaluate(store: Path, items: list[dict]) -> dict:
    from index.eval import score, summarize
    from index.service import Casefile
    from index.settings import load_settings

    casefile = Casefile(load_settings().with_overrides(store=store))
    casefile.ask("What is this corpus about?")  # lazy loading outside the figures
    rows = [score(item, casefile.ask(item["question"], k=10,
                                     history=item.get("history") or []).to_dict())
            for item in items]
    return summarize(rows) | {"chunks": casefile.store.chunk_count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sets", default="dev,dev2")
    args = parser.parse_args(argv)
    curated = scale_store.STORES_DIR / "embedded-curated"
    distracted = scale_store.STORES_DIR / "embedded-all-embedded"
    print(f"curated: {scale_store.build_from([], {}, curated)}", file=sys.stderr)
    built = scale_store.build_all_embedded(distracted)
    print(f"with distractors: {built}", file=sys.stderr)

    # What the distractor store holds, against the whole archive (chunks estimated by bytes:
    # the first documents of the order are long briefings, so a mean per document overshoots).
    counts = dict(scale_store.embedded_documents())
    archive = scale_store.ordered_bench()
    selected = {Path(x) for x in json.loads((distracted / "bench-selection.json").read_text())}
    in_store = [p for p in archive if p in selected and counts.get(p)]
    embedded_chunks = sum(counts[p] for p in in_store)
    share = sum(p.stat().st_size for p in in_store) / sum(p.stat().st_size for p in archive)
    estimate = embedded_chunks / max(share, 1e-9)
    header = f"{'set':<6}{'store':<22}{'chunks':>8}" + "".join(f"{m[:10]:>11}" for m in METRICS)
    lines = [header, "-" * len(header)]
    misses = []
    for name in args.sets.split(","):
        items = [json.loads(line) for line in (EVAL / f"{name}.jsonl").read_text().splitlines()
                 if line.strip()]
        items = items[:15] if args.quick else items
        base = evaluate(curated, items)
        other = evaluate(distracted, items)
        for label, figures in (("curated only", base), ("curated + bench", other)):
            lines.append(f"{name:<6}{label:<22}{figures['chunks']:>8}" + "".join(
                f"{'—' if figures[m] is None else format(figures[m], '.2f'):>11}"
                for m in METRICS))
        delta = other["hit@5"] - base["hit@5"]
        lines.append(f"{'':<6}{'difference':<22}{'':>8}" + "".join(
            f"{'' if base[m] is None else format(other[m] - base[m], '+.2f'):>11}"
            for m in METRICS))
        if abs(delta) > TARGET:
            misses.append(f"{name}: hit@5 moved {delta:+.2f} (target within {TARGET})")
    print("\n".join(lines))
    print(f"questions per set: {'first 15' if args.quick else 'all'}; bench embedded: "
          f"{len(in_store)} of {len(archive)} documents ({len(in_store) / len(archive):.1%}), "
          f"{embedded_chunks} chunks of ~{estimate:,.0f} estimated ({share:.1%} of the bytes); "
          "the first "
          "documents of the order are those that mention Mexico and guns")
    print("\n".join(misses) or f"target met: hit@5 within {TARGET} on every set")
    print(load_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
