"""One writer at a time per store: a second ingest waits (``--wait``) or refuses clearly.

- A Chroma **server** is guarded by a lease held in the store itself (``ingest.lease``), so
  ingests serialize however they spell the server's address and from whatever machine.
- The **embedded** store keeps the file lock in its folder. Two processes must never write
  one embedded store at the same time (each PersistentClient keeps its own in-memory vector
  index and overwrites the other's files), so a lease *inside* it could not even be taken
  safely by the second process; and the kernel drops a file lock the moment its holder dies,
  where a lease left by a killed ingest would block the next one until it expires.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.settings import Settings

Guard = Callable[[], None]  # raises when this writer may no longer write
CONTENDED_RETRIES = 5  # claims tried again when nobody holds the lease but a claim failed


class StoreBusy(RuntimeError):
    pass


def lock_path(settings: Settings) -> Path:
    """The embedded store's lock file (server mode uses the lease instead)."""
    settings.store.mkdir(parents=True, exist_ok=True)
    return settings.store / "ingest.lock"


@contextmanager
def writer_lock(settings: Settings, wait_seconds: float = 0) -> Iterator[Guard]:
    """Hold the store's writer lock; yields the guard the ``CorpusStore`` calls before writes."""
    if settings.server_mode:
        with _server_lease(settings, wait_seconds) as guard:
            yield guard
        return
    path = lock_path(settings)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if wait_seconds <= 0:
            raise _busy(settings, f"lock {path}") from None
        # Say so at once: a silent wait looks like a hang.
        _say_waiting(f"another ingest holds the lock {path}", wait_seconds)
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout:
            raise _busy(settings, f"lock {path}") from None
    try:
        yield lambda: None
    finally:
        lock.release()


@contextmanager
def _server_lease(settings: Settings, wait_seconds: float) -> Iterator[Guard]:
    from index.store import open_client
    from ingest.lease import CONTENDED, IngestLease

    lease = IngestLease(open_client(settings), settings)
    deadline = time.monotonic() + max(wait_seconds, 0)
    holder = lease.try_acquire()
    # A claim that was only contended (no holder: a race, or a claim too slow on a starved
    # machine) is tried again even without --wait; a live holder is reported at once.
    for _ in range(CONTENDED_RETRIES):
        if holder is not CONTENDED:
            break
        time.sleep(0.5 + random.random())
        holder = lease.try_acquire()
    if holder is not None and wait_seconds > 0:
        _say_waiting(f"another ingest, {holder.describe()}, holds the ingest lease of the "
                     f"{settings.chroma_label}", wait_seconds)
    while holder is not None and time.monotonic() < deadline:
        # Jittered, so two waiters do not keep claiming in step.
        time.sleep(min(0.5 + random.random(), max(deadline - time.monotonic(), 0)))
        holder = lease.try_acquire()
    if holder is not None:
        raise _busy(settings, f"ingest lease held by {holder.describe()}")
    try:
        yield lease.check
    finally:
        lease.release()


def _say_waiting(what: str, wait_seconds: float) -> None:
    print(f"{what}; waiting up to {wait_seconds:g} s", file=sys.stderr, flush=True)


def _busy(settings: Settings, held_by: str) -> StoreBusy:
    return StoreBusy(
        f"another ingest is writing to the {settings.chroma_label} ({held_by}); "
        "wait for it to finish, or re-run with --wait SECONDS"
    )
