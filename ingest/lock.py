"""One writer at a time per store: a second ingest waits (``--wait``) or refuses clearly."""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.settings import Settings


class StoreBusy(RuntimeError):
    pass


def lock_path(settings: Settings) -> Path:
    if settings.server_mode:
        # A server has no folder of ours: lock per server address on this machine. Ingests
        # from two machines into one server are not coordinated (see README).
        key = hashlib.sha1(f"{settings.chroma_host}:{settings.chroma_port}".encode()).hexdigest()
        return Path(tempfile.gettempdir()) / f"casefile-ingest-{key[:12]}.lock"
    settings.store.mkdir(parents=True, exist_ok=True)
    return settings.store / "ingest.lock"


@contextmanager
def writer_lock(settings: Settings, wait_seconds: float = 0) -> Iterator[None]:
    path = lock_path(settings)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if wait_seconds <= 0:
            raise _busy(settings, path) from None
        # Say so at once: a silent wait looks like a hang.
        print(f"another ingest holds the lock {path}; waiting up to {wait_seconds:g} s",
              file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout:
            raise _busy(settings, path) from None
    try:
        yield
    finally:
        lock.release()


def _busy(settings: Settings, path: Path) -> StoreBusy:
    return StoreBusy(
        f"another ingest is writing to the {settings.chroma_label} (lock {path}); "
        "wait for it to finish, or re-run with --wait SECONDS"
    )
