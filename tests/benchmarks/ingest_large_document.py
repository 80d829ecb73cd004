"""A 20 MB text file (generated here) beside a small one: how long `--dry-run` and a real run
take to judge it, and the peak memory of each (a fresh process per run, so the peaks are the
run's own). Prints one line per run; no assertion.

    .venv/bin/python tests/benchmarks/ingest_large_document.py [--mb 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
WORDS = ["the", "clerk", "filed", "a", "ledger", "of", "permits", "while", "inspectors",
         "audited", "warehouse", "and", "couriers", "carried", "invoices", "past", "customs",
         "post", "before", "hearing", "resumed"]


def write_large(path: Path, megabytes: int) -> None:
    rnd = random.Random(0)
    paragraph = " ".join(
        " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(9, 15))).capitalize() + "."
        for _ in range(40)
    )
    repeats = megabytes * 2**20 // (len(paragraph) + 2) + 1
    path.write_text("# Bulk export\n\n" + "\n\n".join([paragraph] * repeats), encoding="utf-8")


def timed_ingest(store: Path, corpus: Path, *flags: str) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS in MB and the --json summary of one `python -m ingest`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")}
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "ingest", "--store", str(store),
         str(corpus), "--json", *flags],
        cwd=PROJECT, env=env, capture_output=True, text=True, check=False,
    )
    seconds = time.perf_counter() - started
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak_mb, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        write_large(corpus / "bulk-export.md", args.mb)
        (corpus / "note.md").write_text("# A note\n\nThe hearing resumed on Monday.\n")
        size = (corpus / "bulk-export.md").stat().st_size / 2**20
        for label, flags in (("--dry-run", ("--dry-run",)), ("real run", ())):
            seconds, peak, summary = timed_ingest(Path(tmp) / "store", corpus, *flags)
            reason = summary["failures"][0]["reason"] if summary["failures"] else "-"
            print(f"{label:9} {size:.1f} MB file: the run {summary['seconds']:.1f} s "
                  f"({seconds:.1f} s wall with the process start), peak RSS {peak:.0f} MB; "
                  f"added {summary['added']}, refused: {reason}")


if __name__ == "__main__":
    main()
