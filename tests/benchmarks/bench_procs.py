"""Processes the scale benchmarks start: a real `chroma run`, real app processes; questions
read from the eval files at run time; percentiles and memory figures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parents[1]))
sys.path.insert(0, str(BENCH))

from ask_latency import percentile  # noqa: E402,F401  (re-exported: one definition)

PROJECT = BENCH.parents[1]
EVAL = PROJECT.parent / "shared" / "eval"
CHROMA = Path(sys.executable).parent / "chroma"
QUIET_ENV = {"ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
             "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FIXED_CHROMA_PORT = 18765


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def eval_questions(limit: int | None = None, files: tuple[str, ...] = ("dev", "dev2")
                   ) -> list[str]:
    """Questions of the eval sets, read at run time (never copied into this tree); answerable
    and unanswerable alike, in file order, interleaved so a prefix holds both sets."""
    sets = [[json.loads(line)["question"] for line in (EVAL / f"{name}.jsonl").read_text()
             .splitlines() if line.strip()] for name in files]
    mixed = [q for group in zip(*sets, strict=False) for q in group]
    longest = max(map(len, sets))
    mixed += [q for s in sets for q in s[min(map(len, sets)):longest]]
    return mixed[:limit] if limit else mixed


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")


@contextmanager
def chroma_running(path: Path) -> Iterator[int]:
    """A real ``chroma run --path DIR`` on loopback for the duration: on port 18765 when it
    is free, since server-mode snapshots are kept per host:port (index/snapshot.py) and a new
    port each run would leave one more copy of them in ~/.cache/casefile."""
    port = FIXED_CHROMA_PORT if _port_free(FIXED_CHROMA_PORT) else free_port()
    path.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **QUIET_ENV})
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", server, 120, "chroma run")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=60)


def store_env(store: Path | None = None, port: int | None = None,
              collection: str | None = None) -> dict[str, str]:
    """CASEFILE_* variables for an embedded store or a Chroma server on loopback."""
    env = dict(QUIET_ENV)
    if port:
        env |= {"CASEFILE_CHROMA_HOST": "127.0.0.1", "CASEFILE_CHROMA_PORT": str(port),
                "CASEFILE_CHROMA_TIMEOUT": "120"}  # a loaded 2-core box: do not time out
    if store:
        env["CASEFILE_STORE"] = str(store)
    if collection:
        env["CASEFILE_COLLECTION"] = collection
    return env


@contextmanager
def app_running(env: dict[str, str], timeout: float = 900) -> Iterator[tuple[str, int]]:
    """``python app.py`` (the real app) on a free port; yields its URL and pid once it
    serves. Its log goes to a temporary file (shown if it fails)."""
    import tempfile

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile("w+", prefix="casefile-app-") as log:
        proc = subprocess.Popen(
            [sys.executable, str(PROJECT / "app.py"), "--host", "127.0.0.1", "--port",
             str(port)], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **env})
        try:
            try:
                _wait_http(url, proc, timeout, "app.py")
            except RuntimeError:
                log.seek(0)
                print(log.read()[-3000:], file=sys.stderr)
                raise
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def memory_mb(pid: int | None = None) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"
