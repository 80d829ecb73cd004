"""`python -m index.train_ranker`: train the sentence ranker on evaluation sets' evidence labels.

For every question of the given JSONL files (../shared/eval format) it retrieves passages with
the live index, builds the answerer's own candidate sentences and features, and labels a
sentence positive when it holds one of the question's evidence spans (unanswerable questions
give only negatives). A logistic regression (each question weighted equally, classes balanced,
L2) is fitted, and the support threshold is calibrated on the same questions: the highest one
that refuses at most MAX_FALSE_ABSTENTION of the answerable ones. `--cv` trains on each file and
scores on the others, which is the honest figure; the shipped model is trained on all of them.

    python -m index.train_ranker ../shared/eval/dev.jsonl ../shared/eval/dev2.jsonl
    python -m index.train_ranker A.jsonl B.jsonl --cv
    python -m index.train_ranker A.jsonl --out /tmp/ranker-A.json   # then CASEFILE_RANKER=...
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.features import FEATURES
from index.ranker import DEFAULT_MODEL, SentenceRanker
from index.settings import PROJECT_ROOT, load_settings

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
MAX_FALSE_ABSTENTION = 0.07
L2 = 1.0
RETRIEVED = 10


@dataclass
class Example:
    """One question's candidates: their features and whether each holds evidence."""

    file: str
    answerable: bool
    features: np.ndarray  # candidates × features
    labels: np.ndarray  # 1 where the sentence holds an evidence span


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().lower()


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(0, len(words) - 2))}


def holds_evidence(sentence: str, spans: list[str]) -> bool:
    """The sentence contains a span, or most of one (a span may cross a sentence break)."""
    said = _norm(sentence)
    grams = _trigrams(sentence)
    for span in spans:
        if _norm(span) in said:
            return True
        wanted = _trigrams(span)
        if wanted and len(wanted & grams) / len(wanted) >= 0.5:
            return True
    return False


def collect(paths: list[Path]) -> list[Example]:
    from index.followup import with_context
    from index.service import Casefile

    casefile = Casefile(load_settings())
    answerer = casefile.answerer
    examples = []
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            query = with_context(item["question"], item.get("history") or [])
            hits = casefile.retriever.search(query, k=RETRIEVED)
            candidates = answerer.candidates(query, hits)
            expected = set(item["expected"])
            spans = item["evidence"]
            labels = [float(c.passage.source_file in expected and holds_evidence(c.text, spans))
                      for c in candidates]
            examples.append(Example(
                path.name,
                bool(item["answerable"]),
                np.array([c.features for c in candidates], dtype=float).reshape(-1, len(FEATURES)),
                np.array(labels),
            ))
        count = sum(e.file == path.name for e in examples)
        print(f"{path.name}: {count} questions", file=sys.stderr)
    return examples


def fit(examples: list[Example]) -> SentenceRanker:
    rows = [e for e in examples if len(e.labels)]
    x = np.vstack([e.features for e in rows])
    y = np.concatenate([e.labels for e in rows])
    # Each question counts once, and the few positives weigh as much as the many negatives.
    weight = np.concatenate([np.full(len(e.labels), 1.0 / len(e.labels)) for e in rows])
    positives = weight[y == 1].sum()
    weight = np.where(y == 1, weight * (weight.sum() - positives) / max(positives, 1e-9), weight)
    weight /= weight.mean()
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-6] = 1.0
    z = (x - means) / scales
    w = np.zeros(z.shape[1])
    b = 0.0
    for _ in range(50):  # Newton's method: a few dozen steps converge on a problem this size
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g_w = z.T @ (weight * (p - y)) / len(y) + L2 * w / len(y)
        g_b = float(np.sum(weight * (p - y)) / len(y))
        s = weight * p * (1 - p) / len(y)
        hessian = np.zeros((len(w) + 1, len(w) + 1))
        hessian[:-1, :-1] = z.T @ (z * s[:, None]) + L2 * np.eye(len(w)) / len(y)
        hessian[:-1, -1] = hessian[-1, :-1] = z.T @ s
        hessian[-1, -1] = s.sum()
        step = np.linalg.solve(hessian, np.append(g_w, g_b))
        w -= step[:-1]
        b -= step[-1]
        if np.abs(step).max() < 1e-8:
            break
    ranker = SentenceRanker(FEATURES, tuple(map(float, w)), float(b), tuple(map(float, means)),
                            tuple(map(float, scales)), 0.0,
                            tuple(sorted({e.file for e in examples})))
    threshold = calibrate(ranker, examples)
    return SentenceRanker(**{**ranker.__dict__, "abstain_below": threshold})


def supports(ranker: SentenceRanker, examples: list[Example]) -> list[float]:
    return [max((ranker.probability(list(v)) for v in e.features), default=0.0) for e in examples]


def calibrate(ranker: SentenceRanker, examples: list[Example]) -> float:
    """The highest threshold that refuses at most MAX_FALSE_ABSTENTION of answerable ones."""
    answerable = sorted(s for s, e in zip(supports(ranker, examples), examples) if e.answerable)
    if not answerable:
        return 0.5
    allowed = int(MAX_FALSE_ABSTENTION * len(answerable))
    return float(answerable[allowed]) - 1e-6


def report(ranker: SentenceRanker, examples: list[Example], name: str) -> None:
    """Top-1 sentence holds evidence, and the abstention trade-off around the threshold."""
    scores = supports(ranker, examples)
    answerable = [(s, e) for s, e in zip(scores, examples) if e.answerable]
    unanswerable = [s for s, e in zip(scores, examples) if not e.answerable]
    top_right = 0
    for _, e in answerable:
        if len(e.labels):
            best = int(np.argmax([ranker.probability(list(v)) for v in e.features]))
            top_right += int(e.labels[best] == 1)
    reachable = sum(int(e.labels.sum() > 0) for _, e in answerable)
    print(f"\n{name}: {len(answerable)} answerable ({reachable} with evidence among candidates), "
          f"{len(unanswerable)} unanswerable")
    share = top_right / max(1, len(answerable))
    print(f"  top sentence holds evidence: {top_right}/{len(answerable)} ({share:.2f}; "
          f"of reachable {top_right / max(1, reachable):.2f})")
    print("  threshold  abstention  false-abstention")
    for t in sorted({round(ranker.abstain_below, 3), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}):
        abst = sum(s < t for s in unanswerable) / max(1, len(unanswerable))
        false = sum(s < t for s, _ in answerable) / max(1, len(answerable))
        mark = "  <- calibrated" if t == round(ranker.abstain_below, 3) else ""
        print(f"  {t:9.3f}  {abst:10.2f}  {false:16.2f}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.train_ranker", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="*", type=Path,
                        default=[EVAL_DIR / "dev.jsonl", EVAL_DIR / "dev2.jsonl"])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--cv", action="store_true",
                        help="train on each file, score on the others; write nothing")
    args = parser.parse_args(argv)
    examples = collect(args.questions)
    if args.cv:
        for path in args.questions:
            train = [e for e in examples if e.file == path.name]
            held_out = [e for e in examples if e.file != path.name]
            ranker = fit(train)
            report(ranker, train, f"trained on {path.name}, scored on itself")
            report(ranker, held_out, f"trained on {path.name}, scored on the others (held out)")
        return 0
    ranker = fit(examples)
    report(ranker, examples, "trained and scored on " + ", ".join(p.name for p in args.questions))
    print("\n  weights (standardised features):")
    for name, weight in sorted(zip(FEATURES, ranker.weights), key=lambda f: -abs(f[1])):
        print(f"    {name:22s} {weight:+.3f}")
    ranker.save(args.out)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
