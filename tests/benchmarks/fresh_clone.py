"""`python tests/benchmarks/fresh_clone.py [--keep]`: what a newcomer waits for.

Clones this checkout (its committed HEAD) into a temporary folder beside it — so the clone finds
`../shared/corpus` as a fresh clone here would — runs the README's first command exactly
(`python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/python app.py`, on a free
port), and prints: seconds of install, seconds until the page answers HTTP, until the first
English answer, and until the app reports Spanish questions ready. `--keep` leaves the clone.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
QUESTION = "What does 18 U.S.C. 933 prohibit?"
TIMEOUT = 900  # seconds any one stage may take


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, started: float, check, log: Path) -> float:
    while time.monotonic() - started < TIMEOUT:
        if check():
            return time.monotonic()
        time.sleep(0.5)
    sys.exit(f"{what}: not within {TIMEOUT} s; the log's end:\n{log.read_text()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="leave the clone to look at")
    args = parser.parse_args(argv)
    clone = Path(tempfile.mkdtemp(prefix="casefile-fresh-", dir=PROJECT.parent))
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(clone)], check=True)
    port = _free_port()
    log = clone / "first-start.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")}
    started = time.monotonic()
    install = subprocess.run("python3 -m venv .venv && .venv/bin/pip install -q -e .",
                             shell=True, cwd=clone, env=env)
    installed = time.monotonic()
    if install.returncode:
        sys.exit(f"install failed ({install.returncode})")
    with log.open("w") as out:
        app = subprocess.Popen([".venv/bin/python", "app.py", "--port", str(port)], cwd=clone,
                               env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        def serving() -> bool:
            if app.poll() is not None:
                sys.exit(f"app.py exited ({app.returncode}):\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return True
            except OSError:
                return False

        served = _wait("the page", installed, serving, log)
        # Asked until answered: while the first indexing runs, the app says so instead.
        asked = subprocess.run(
            [".venv/bin/python", "-c", "import sys, time\n"
             "from gradio_client import Client\n"
             f"client = Client({url!r}, verbose=False)\n"
             f"for _ in range({TIMEOUT}):\n"
             "    try:\n"
             f"        r = client.predict({QUESTION!r}, api_name='/ask'); break\n"
             "    except Exception as exc:\n"
             "        assert 'being indexed' in str(exc), exc\n"
             "        time.sleep(1)\n"
             "sys.exit(r['status'] != 'answered')"],
            cwd=clone, env={**env, "HF_HUB_DISABLE_TELEMETRY": "1"})
        answered = time.monotonic()
        spanish = _wait("Spanish ready", installed,
                        lambda: bool(re.search(r"Spanish questions: ready", log.read_text())),
                        log)
    finally:
        app.terminate()
        app.wait(timeout=30)
    print(f"install {installed - started:.0f} s; after install: page served "
          f"{served - installed:.0f} s, first English answer {answered - installed:.0f} s"
          f"{'' if asked.returncode == 0 else ' (NOT answered)'}, Spanish ready "
          f"{spanish - installed:.0f} s; clone to first answer {answered - started:.0f} s")
    if args.keep:
        print(f"kept: {clone}")
    else:
        shutil.rmtree(clone, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
