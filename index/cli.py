"""`python -m index ask "QUESTION"`: a cited answer on the command line (see README)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from index.answers import InvalidQuestion
from index.settings import SettingsError, load_settings

EXIT_OK, EXIT_ERROR = 0, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Ask the corpus.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--batch", type=Path, help="JSON Lines file of {\"question\": ...} objects")
    ask.add_argument("--after", action="append", default=[], metavar="EARLIER_QUESTION",
                     help="an earlier question of the same conversation, oldest first "
                     "(repeat it): the question is read as a follow-up to them")
    ask.add_argument("--k", default="8", help="passages to retrieve, 1 to 40 (default 8)")
    ask.add_argument("--kind", action="append", default=[],
                     help="only this kind of source: a label (statute, bill, news, ...) or a kind")
    ask.add_argument("--doc", action="append", default=[], help="only this document id")
    ask.add_argument("--since", default="",
                     help="only sources dated on or after YYYY, YYYY-MM or YYYY-MM-DD")
    ask.add_argument("--until", default="",
                     help="only sources dated on or before YYYY, YYYY-MM or YYYY-MM-DD (to the "
                     "end of that year or month)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--store", type=Path, help="embedded store folder (CASEFILE_STORE)")
    ask.add_argument("--chroma-host", help="use the Chroma server at this host")
    ask.add_argument("--chroma-port", type=int, help="Chroma server port")
    args = parser.parse_args(argv)
    if (args.question is None) == (args.batch is None):
        parser.error("give a QUESTION or --batch FILE (one of them)")
    if args.after and args.batch is not None:
        parser.error("--after goes with a QUESTION; batch lines carry their own \"history\"")
    return _ask(args)


def _ask(args: argparse.Namespace) -> int:
    from index.answers import CasefileError
    from index.query_params import CLI_NAMES, SearchFilters, date_range, parse_k
    from index.service import Casefile
    from index.store import StoreUnavailable

    try:
        settings = load_settings().with_overrides(
            store=args.store, chroma_host=args.chroma_host, chroma_port=args.chroma_port
        )
        # Mistakes that need no corpus are caught before the models load.
        k = parse_k(args.k)
        date_range(args.since, args.until, CLI_NAMES)
        questions = (
            [BatchLine(args.question, args.after)] if args.batch is None
            else _read_batch(args.batch)
        )
        casefile = Casefile(settings)
        records = casefile.documents()
        filters = SearchFilters.parse(args.kind, args.doc, args.since, args.until,
                                      corpus_kinds={r.kind for r in records},
                                      known_documents={r.doc_id for r in records},
                                      names=CLI_NAMES)
        for line in questions:
            question = line.question
            try:
                if line.error:
                    raise InvalidQuestion(line.error)
                answer = casefile.ask(question, k=k, filters=filters, history=line.history)
            except CasefileError as exc:
                if args.batch is None:
                    raise
                # One bad line must not sink the batch: answer it with the message.
                print(json.dumps({"question": question, "error": str(exc)}), flush=True)
                continue
            if args.json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
            else:
                print(_as_text(answer), flush=True)
    except (CasefileError, StoreUnavailable, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


@dataclass
class BatchLine:
    question: str
    history: list[str] = field(default_factory=list)  # earlier questions of the same chat
    error: str = ""  # why the line can't be asked (answered with this message, in order)


def _read_batch(path: Path) -> list[BatchLine]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidQuestion(f"cannot read the batch file {path}: {exc}") from exc
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            lines.append(BatchLine(raw[:200], error=f"line {number} is not JSON ({exc.msg})"))
            continue
        if not isinstance(item, dict):
            lines.append(BatchLine(raw[:200], error=f"line {number} is not a JSON object"))
            continue
        history = item.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            lines.append(BatchLine(str(item.get("question", "")),
                                   error=f"line {number}: history must be a list of strings"))
            continue
        question = item.get("question", "")
        if not isinstance(question, str):  # as /ask refuses it: a number is not a question
            lines.append(BatchLine(str(question), error=f"line {number}: question must be text"))
            continue
        lines.append(BatchLine(question, history))
    return lines


def _as_text(answer) -> str:
    lines = [*(f"note: {n}" for n in answer.notices), answer.answer, ""]
    for citation in answer.citations:
        p = citation.passage
        section = citation.section
        where = f", p. {p.page}" if p.page else (f", § {section}" if section else "")
        lines.append(f"[{citation.n}] {p.title} — {p.publisher} ({p.kind_label}, {p.date}{where})")
        if p.url:
            lines.append(f"    {p.url}")
    if answer.related:
        lines.append("Related (not support):")
        lines.extend(f"  - {p.title} ({p.kind_label})" for p in answer.related)
    return "\n".join(lines)
