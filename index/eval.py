"""`python -m index.eval [FILE.jsonl]`: retrieval and citation quality on a question set.

Metrics follow ../shared/eval/README.md: hit@k and MRR over answerable questions (a document
counts at the rank of its first chunk), evidence recall (a cited passage contains an evidence
span), citation precision, abstention accuracy and false-abstention rate, per type, plus
latency.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.settings import PROJECT_ROOT, load_settings

DEFAULT_QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
K_VALUES = (1, 3, 5, 10)


def collapse_spaces(text: str) -> str:
    """Span matching as ../shared/eval/README.md defines it: every run of whitespace (non-breaking
    spaces too) is one space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@dataclass
class Scored:
    qtype: str
    answerable: bool
    first_rank: int | None  # rank (1-based) of the first expected document among retrieved docs
    evidence_cited: bool
    evidence_retrieved: bool
    citations: int
    citations_expected: int
    citations_strict: int
    abstained: bool
    total_ms: float


def score(item: dict, answer: dict) -> Scored:
    expected = set(item["expected"])
    spans = [collapse_spaces(s) for s in item["evidence"]]
    docs_in_order: list[str] = []
    for hit in answer["retrieved"]:
        if hit["source_file"] not in docs_in_order:
            docs_in_order.append(hit["source_file"])
    first = next((i + 1 for i, d in enumerate(docs_in_order) if d in expected), None)
    cited = answer["citations"]
    has_span = lambda text: any(s in collapse_spaces(text) for s in spans)  # noqa: E731
    return Scored(
        qtype=item["type"],
        answerable=item["answerable"],
        first_rank=first,
        evidence_cited=any(has_span(c["text"]) for c in cited),
        evidence_retrieved=any(has_span(h["text"]) for h in answer["retrieved"]),
        citations=len(cited),
        citations_expected=sum(c["source_file"] in expected for c in cited),
        citations_strict=sum(c["source_file"] in expected and has_span(c["text"]) for c in cited),
        abstained=answer["status"] == "no_evidence",
        total_ms=answer["timings_ms"]["total"],
    )


def summarize(rows: list[Scored]) -> dict[str, float | None]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    out: dict[str, float | None] = {"n": len(rows)}
    share = lambda xs, cond: sum(map(cond, xs)) / len(xs) if xs else None  # noqa: E731
    for k in K_VALUES:
        out[f"hit@{k}"] = share(answerable, lambda r, k=k: r.first_rank is not None
                                and r.first_rank <= k)
    out["mrr"] = (
        statistics.fmean(1 / r.first_rank if r.first_rank and r.first_rank <= 10 else 0
                         for r in answerable) if answerable else None
    )
    out["evidence_recall"] = share(answerable, lambda r: r.evidence_cited)
    out["evidence_in_top_k"] = share(answerable, lambda r: r.evidence_retrieved)
    total_citations = sum(r.citations for r in answerable)
    out["citation_precision"] = (
        sum(r.citations_expected for r in answerable) / total_citations if total_citations else None
    )
    out["citation_precision_strict"] = (
        sum(r.citations_strict for r in answerable) / total_citations if total_citations else None
    )
    out["abstention_accuracy"] = share(unanswerable, lambda r: r.abstained)
    out["false_abstention"] = share(answerable, lambda r: r.abstained)
    return out


def _fmt(value: float | None) -> str:
    return "—" if value is None else (f"{value:.0f}" if value >= 2 else f"{value:.2f}")


def print_table(rows: list[Scored], out=sys.stdout) -> None:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for row in rows:
        groups[row.qtype].append(row)
    table = {"ALL": summarize(rows)} | {t: summarize(g) for t, g in sorted(groups.items())}
    columns = list(table["ALL"])
    print("type".ljust(13) + "".join(c[:10].rjust(11) for c in columns), file=out)
    for name, metrics in table.items():
        print(name.ljust(13) + "".join(_fmt(metrics[c]).rjust(11) for c in columns), file=out)
    latencies = sorted(r.total_ms for r in rows)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(f"\nlatency per ask (warm): p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms", file=out)


def load_items(path: Path) -> list[dict]:
    """A question set; a set of our own keeps its evidence as offsets into the corpus
    (``evidence_at``: document, start, end) instead of the third-party text itself."""
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if any("evidence_at" in item for item in items):
        bodies = _bodies()
        for item in items:
            item["evidence"] = [bodies[doc][a:b] for doc, a, b in item.pop("evidence_at", [])]
    return items


def _bodies() -> dict[str, str]:
    from index.training.make_pairs import corpus_bodies

    return corpus_bodies(folder for folder in load_settings().corpus if folder.exists())


def as_offsets(items: list[dict]) -> list[dict]:
    """The set with each evidence span replaced by where it sits in its document (span
    matching as the eval README says: whitespace runs collapsed)."""
    bodies = _bodies()
    out = []
    for item in items:
        at = []
        for span in item.get("evidence", []):
            wanted = collapse_spaces(span)
            for doc in item["expected"]:
                body = bodies[doc]
                pattern = r"\s+".join(map(re.escape, wanted.split(" ")))
                match = re.search(pattern, body.replace("\u00a0", " "))
                if match:
                    at.append([doc, match.start(), match.end()])
                    break
            else:
                raise ValueError(f"{item['id']}: span not found: {span!r}")
        kept = {k: v for k, v in item.items() if k in ("id", "question", "answerable", "expected",
                                                       "type", "history")}
        out.append(kept | {"evidence_at": at})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.eval", description=__doc__)
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    parser.add_argument("--show", action="store_true", help="print each question's outcome")
    parser.add_argument("--as-offsets", type=Path, metavar="OUT",
                        help="write the set with its evidence as corpus offsets, then stop")
    args = parser.parse_args(argv)

    from index.service import Casefile

    items = load_items(args.questions)
    if args.as_offsets:
        args.as_offsets.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n"
                                           for item in as_offsets(items)))
        return 0
    casefile = Casefile(load_settings())
    casefile.ask("warm-up question about the lawsuit")  # first call pays for lazy loading
    rows = []
    for item in items:
        answer = casefile.ask(item["question"], k=args.k,
                                history=item.get("history") or []).to_dict()
        row = score(item, answer)
        rows.append(row)
        if args.show:
            mark = "ABSTAIN" if row.abstained else f"rank={row.first_rank} ev={row.evidence_cited}"
            print(f"{item['id']} {item['type']:<12} {mark}  {answer['answer'][:160]!r}")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
