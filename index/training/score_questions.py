"""`python -m index.training.score_questions SET.jsonl … --out scores.json`: what the
answerability model says about a question set's candidates, cached for calibration.

For every question (eval format) it retrieves as the answerer does, builds the answerer's
candidate sentences, and records per candidate the ranker's probability and support, the
cross-encoder's score, and whether the sentence holds one of the question's evidence spans;
per question, the answer the shipped pipeline gives now. Calibration and the blend of the two
models are then worked out from this file (``--calibrate``) without running the models again.

    python -m index.training.score_questions ../shared/eval/dev.jsonl ../shared/eval/dev2.jsonl \
        --out /tmp/scores.json
    python -m index.training.score_questions --calibrate /tmp/scores.json --on dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.eval import load_items
from index.train_ranker import holds_evidence

if TYPE_CHECKING:
    from index.answers import Composed
    from index.extractive import Candidate
    from index.followup import Query
    from index.ranker import SentenceRanker


@dataclass
class Seen:
    """One question as the answerer sees it without the answerability stage."""

    path: Path
    item: dict
    query: Query
    composed: Composed  # its answer now
    candidates: list[Candidate]  # likeliest first by the ranker
    best_dense: float
    ranker: SentenceRanker


def ranked_candidates(paths: list[Path]) -> Iterator[Seen]:
    from index.followup import Query
    from index.service import Casefile
    from index.settings import load_settings

    os.environ["CASEFILE_ANSWERABILITY"] = "off"
    casefile = Casefile(load_settings())
    answerer = casefile.answerer
    for path in paths:
        for item in load_items(path):
            query = Query.of(item["question"], item.get("history") or [])
            hits = casefile.retriever.search(query.search_text, k=10)
            candidates = answerer.candidates(query, hits)
            for c in candidates:
                c.probability = answerer.ranker.probability(c.features)
            candidates.sort(key=lambda c: -c.probability)
            yield Seen(path, item, query, answerer.compose(query, hits), candidates,
                       max((h.dense for h in hits), default=0.0), answerer.ranker)


def question_pairs(paths: list[Path], per_question: int = 16) -> list[dict]:
    """Training rows (make_pairs' format) from a question set's own questions: the answerer's
    likeliest candidates for each, labelled by the evidence spans. The cross-encoder learns from
    the questions of one set and is checked on the others."""
    from index.training.make_pairs import _qid

    rows = []
    for seen in ranked_candidates(paths):
        expected = set(seen.item.get("expected", []))
        for c in seen.candidates[:per_question]:
            label = int(c.passage.source_file in expected
                        and holds_evidence(c.text, seen.item.get("evidence", [])))
            start = c.passage.start_char + c.start
            # The question by reference (its set and id), never copied: an eval set's wording
            # stays in the eval set.
            rows.append({"qid": _qid(seen.query.search_text, c.passage.source_file, start),
                         "question": "", "question_of": [seen.path.name, seen.item["id"]],
                         "doc": c.passage.source_file,
                         "start": start, "end": c.passage.start_char + c.end,
                         "label": label, "kind": f"question-set:{seen.path.name}",
                         "detail": seen.item["type"], "source": seen.item["id"]})
    return rows


def resolve_questions(rows: list[dict], folders: list[Path]) -> None:
    """Fill in the questions of rows made by ``question_pairs`` from their sets."""
    from index.followup import Query

    wanted = {r["question_of"][0] for r in rows if r.get("question_of")}
    asked = {}
    for name in wanted:
        path = next(f / name for f in folders if (f / name).exists())
        for item in load_items(path):
            asked[(name, item["id"])] = Query.of(item["question"],
                                                 item.get("history") or []).search_text
    for r in rows:
        if r.get("question_of"):
            r["question"] = asked[tuple(r["question_of"])]


def score_sets(paths: list[Path], top: int) -> list[dict]:
    from index import answerability
    from index.extractive import plain

    out = []
    for seen in ranked_candidates(paths):
        judged = seen.candidates[:top]
        started = time.perf_counter()
        ce = answerability.scores(seen.query.search_text, [plain(c.text) for c in judged])
        expected = set(seen.item.get("expected", []))
        out.append({
            "set": seen.path.name, "id": seen.item["id"], "type": seen.item["type"],
            "answerable": seen.item["answerable"], "status": seen.composed.status,
            "ce_ms": (time.perf_counter() - started) * 1000, "best_dense": seen.best_dense,
            "candidates": [{
                "p": c.probability, "support": seen.ranker.supported(c.features),
                "ce": s, "label": int(c.passage.source_file in expected
                                      and holds_evidence(c.text, seen.item.get("evidence", []))),
            } for c, s in zip(judged, ce)],
        })
    return out


def calibrate(rows: list[dict], on: set[str], max_false: float, top: int = 8) -> float:
    """The CE threshold from the ``on`` sets (highest that refuses at most ``max_false`` of
    their answerable questions the pipeline answers now), then its effect on every set."""
    def best(r: dict) -> float:  # of the ``top`` sentences the answerer lets the model read
        return max((c["ce"] for c in r["candidates"][:top]), default=0.0)

    tuning = sorted(best(r) for r in rows if r["set"] in on and r["answerable"]
                    and r["status"] == "answered")
    threshold = tuning[int(max_false * len(tuning))] - 1e-6 if tuning else 0.0
    print(f"threshold {threshold:.4f} (calibrated on {', '.join(sorted(on))})")
    for name in sorted({r["set"] for r in rows}):
        part = [r for r in rows if r["set"] == name]
        yes = [r for r in part if r["answerable"]]
        no = [r for r in part if not r["answerable"]]
        now_abst = sum(r["status"] != "answered" for r in no) / max(1, len(no))
        now_false = sum(r["status"] != "answered" for r in yes) / max(1, len(yes))
        gated = lambda r: r["status"] != "answered" or best(r) < threshold  # noqa: E731
        new_abst = sum(map(gated, no)) / max(1, len(no))
        new_false = sum(map(gated, yes)) / max(1, len(yes))
        tops = " ".join(f"w={w:.2f}:{top_holds(yes, w):.2f}" for w in BLENDS)
        print(f"  {name:12s} abstention {now_abst:.2f} -> {new_abst:.2f}   false abstention "
              f"{now_false:.2f} -> {new_false:.2f}   top sentence holds evidence by blend "
              f"weight of the cross-encoder: {tops}")
    return threshold


BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)


def blended(candidate: dict, weight: float) -> float:
    """The ranker's probability and the cross-encoder's, as a weighted geometric mean."""
    return (max(candidate["p"], 1e-6) ** (1 - weight)) * (max(candidate["ce"], 1e-6) ** weight)


def top_holds(rows: list[dict], weight: float) -> float:
    return sum(max(r["candidates"], key=lambda c: blended(c, weight))["label"] for r in rows
               if r["candidates"]) / max(1, len(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.training.score_questions",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--top", type=int, default=24, help="candidates judged per question")
    parser.add_argument("--calibrate", type=Path, help="a scores file written by --out")
    parser.add_argument("--on", nargs="+", default=["dev.jsonl"], help="sets to calibrate on")
    parser.add_argument("--max-false", type=float, default=0.07)
    parser.add_argument("--judged", type=int, default=8, help="sentences the model reads")
    parser.add_argument("--write", action="store_true",
                        help="write the calibration into the model's card")
    parser.add_argument("--pairs-out", type=Path, help="write training rows from the sets' "
                        "questions here instead of scoring")
    args = parser.parse_args(argv)
    if args.calibrate:
        threshold = calibrate(json.loads(args.calibrate.read_text()), set(args.on),
                              args.max_false, args.judged)
        if args.write:
            from index.answerability import CARD

            card = json.loads(CARD.read_text())
            card["calibration"] = {"abstain_below": threshold,
                                   "judged": args.judged, "max_false": args.max_false,
                                   "calibrated_on": sorted(args.on)}
            CARD.write_text(json.dumps(card, indent=1) + "\n")
            print(f"wrote the calibration to {CARD}", file=sys.stderr)
        return 0
    if args.pairs_out:
        made = question_pairs(args.sets)
        args.pairs_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in made))
        print(f"{len(made)} rows -> {args.pairs_out}", file=sys.stderr)
        return 0
    rows = score_sets(args.sets, args.top)
    args.out.write_text(json.dumps(rows))
    print(f"{len(rows)} questions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
