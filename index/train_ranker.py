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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.eval import collapse_spaces
from index.features import FEATURES, SUPPORT, SUPPORT_SIGNS
from index.ranker import DEFAULT_MODEL, Logistic, SentenceRanker
from index.settings import PROJECT_ROOT, load_settings

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
# Questions of our own that the corpus does not answer (off-topic, and near-misses in its
# vocabulary): more negatives for the support model than the eval sets' ten. Always trained on,
# never scored.
NEGATIVES = Path(__file__).parent / "training" / "negatives.jsonl"
MAX_FALSE_ABSTENTION = 0.07
MAX_OFF_TOPIC_FALSE_ABSTENTION = 0.0  # the dense floor sits under every answerable question
L2 = 1.0
RETRIEVED = 10


@dataclass
class Example:
    """One question's candidates: their features and whether each holds evidence."""

    file: str
    answerable: bool
    features: np.ndarray  # candidates × features
    labels: np.ndarray  # 1 where the sentence holds an evidence span
    best_dense: float  # cosine of the closest passage


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(0, len(words) - 2))}


def holds_evidence(sentence: str, spans: list[str]) -> bool:
    """The sentence contains a span, or most of one (a span may cross a sentence break)."""
    said = collapse_spaces(sentence).lower()
    grams = _trigrams(sentence)
    for span in spans:
        if collapse_spaces(span).lower() in said:
            return True
        wanted = _trigrams(span)
        if wanted and len(wanted & grams) / len(wanted) >= 0.5:
            return True
    return False


def collect(paths: list[Path]) -> list[Example]:
    from index.followup import Query
    from index.service import Casefile

    casefile = Casefile(load_settings())
    answerer = casefile.answerer
    examples = []
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            item.setdefault("answerable", False)  # our own negatives say only "question"
            item.setdefault("expected", [])
            item.setdefault("evidence", [])
            query = Query.of(item["question"], item.get("history") or [])
            hits = casefile.retriever.search(query.search_text, k=RETRIEVED)
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
                max((h.dense for h in hits), default=0.0),
            ))
        count = sum(e.file == path.name for e in examples)
        print(f"{path.name}: {count} questions", file=sys.stderr)
    return examples


def _logistic(examples: list[Example], columns: list[int]) -> Logistic:
    """Weighted L2 logistic regression on the given feature columns (others get weight 0)."""
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
    z = ((x - means) / scales)[:, columns]
    w = np.zeros(len(columns))
    b = 0.0
    n = len(y)
    for _ in range(50):  # Newton's method: a few dozen steps converge on a problem this size
        p = 1 / (1 + np.exp(-(z @ w + b)))
        gradient = np.append(z.T @ (weight * (p - y)) + L2 * w, np.sum(weight * (p - y))) / n
        s = weight * p * (1 - p) / n
        hessian = np.zeros((len(w) + 1, len(w) + 1))
        hessian[:-1, :-1] = z.T @ (z * s[:, None]) + L2 * np.eye(len(w)) / n
        hessian[:-1, -1] = hessian[-1, :-1] = z.T @ s
        hessian[-1, -1] = s.sum()
        step = np.linalg.solve(hessian, gradient)
        w -= step[:-1]
        b -= step[-1]
        if np.abs(step).max() < 1e-8:
            break
    full = np.zeros(x.shape[1])
    full[columns] = w
    return Logistic(tuple(map(float, full)), float(b), tuple(map(float, means)),
                    tuple(map(float, scales)))


def _signed_logistic(examples: list[Example], names: tuple[str, ...]) -> Logistic:
    """A logistic regression whose weights keep the signs SUPPORT_SIGNS gives: a feature whose
    weight comes out the wrong way is left out and the rest refitted."""
    kept = list(names)
    while True:
        model = _logistic(examples, [FEATURES.index(n) for n in kept])
        signed = {n: SUPPORT_SIGNS[n] * model.weights[FEATURES.index(n)] for n in kept}
        worst = min(signed, key=signed.__getitem__)
        if signed[worst] >= 0:
            return model
        kept.remove(worst)


def fit(examples: list[Example]) -> SentenceRanker:
    every = list(range(len(FEATURES)))
    support = _signed_logistic(examples, SUPPORT)
    ranker = SentenceRanker(FEATURES, _logistic(examples, every), support,
                            abstain_below=0.0,
                            trained_on=tuple(sorted({e.file for e in examples})))
    return replace(ranker, abstain_below=calibrate(ranker, examples),
                   dense_floor=_lowest_kept([e.best_dense for e in examples if e.answerable],
                                            MAX_OFF_TOPIC_FALSE_ABSTENTION))


def supports(ranker: SentenceRanker, examples: list[Example]) -> list[float]:
    return [ranker.best_support([list(v) for v in e.features]) for e in examples]


def calibrate(ranker: SentenceRanker, examples: list[Example]) -> float:
    """The highest threshold that refuses at most MAX_FALSE_ABSTENTION of answerable ones."""
    answerable = [s for s, e in zip(supports(ranker, examples), examples) if e.answerable]
    return _lowest_kept(answerable, MAX_FALSE_ABSTENTION)


def _lowest_kept(scores: list[float], refused_share: float) -> float:
    """A threshold just under the score that leaves ``refused_share`` of ``scores`` below it."""
    if not scores:
        return 0.0
    ordered = sorted(scores)
    return float(ordered[int(refused_share * len(ordered))]) - 1e-6


def report(ranker: SentenceRanker, examples: list[Example], name: str) -> None:
    """Top-1 sentence holds evidence, and the abstention trade-off around the threshold."""
    scores = [s if e.best_dense >= ranker.dense_floor else 0.0
              for s, e in zip(supports(ranker, examples), examples)]
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
    print(f"  dense floor {ranker.dense_floor:.3f} (closest passage's cosine); support:")
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
    parser.add_argument("--no-negatives", action="store_true",
                        help=f"leave out our own unanswerable questions ({NEGATIVES.name})")
    args = parser.parse_args(argv)
    negatives = [] if args.no_negatives else [NEGATIVES]
    examples = collect(args.questions + negatives)
    own = [e for e in examples if e.file == NEGATIVES.name]
    if args.cv:
        for path in args.questions:
            train = [e for e in examples if e.file == path.name] + own
            held_out = [e for e in examples if e.file not in (path.name, NEGATIVES.name)]
            ranker = fit(train)
            report(ranker, train, f"trained on {path.name}, scored on itself")
            report(ranker, held_out, f"trained on {path.name}, scored on the others (held out)")
        return 0
    ranker = fit(examples)
    report(ranker, examples, "trained and scored on " + ", ".join(p.name for p in args.questions))
    if own:
        report(ranker, own, f"our own unanswerable questions ({NEGATIVES.name})")
    print("\n  weights (standardised features)        rank  support")
    pairs = zip(FEATURES, ranker.rank.weights, ranker.support.weights)
    for name, rank, support in sorted(pairs, key=lambda f: -abs(f[1])):
        print(f"    {name:32s} {rank:+.3f}   {support:+.3f}")
    ranker.save(args.out)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
