"""The ingest lease: one writer at a time into a Chroma server, whatever host name or machine
it is reached from, because the lease lives in the store itself (collection ``<name>_lease``).

Chroma has no transactions, so the lease is claimed as in Fischer's mutual-exclusion algorithm,
with plain reads and writes: read the record; if it is free or stale, write our claim at once
(within ``MAX_CLAIM_GAP`` of the read), wait ``SETTLE`` seconds, longer than that gap, and read
again. Every competing claim lands before the others' second read, so the last write wins and
every claimant sees the same winner; only the one it names goes on.

The holder renews the expiry from a thread every third of the lease, and the store calls
``check`` before each write: a writer whose lease was taken over (it stalled longer than the
lease) stops before it changes anything more. A lease expires by the holder's clock, so the
machines' clocks must agree within a few seconds (NTP); a holder on this very machine that has
died is seen at once (its process is gone), without waiting for the expiry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.settings import Settings

if TYPE_CHECKING:
    import chromadb

LEASE_ID = "ingest"
SETTLE = 1.0  # seconds between writing a claim and reading it back
MAX_CLAIM_GAP = SETTLE / 2  # a claim written later than this after its read is withdrawn


class LeaseLost(RuntimeError):
    """Another ingest took the lease over; this one must stop writing."""


@dataclass(frozen=True)
class Holder:
    token: str  # unique per claim
    owner: str  # for people: "host pid N"
    machine: str  # boot id and pid namespace: where ``pid`` means something
    pid: int
    started: str
    expires: float  # epoch seconds, by the holder's clock

    def describe(self) -> str:
        since = self.started[11:19] if self.started else "?"
        return f"{self.owner} (since {since} UTC)"


# A claim that vanished between our write and our read: someone is claiming at this moment.
CONTENDED = Holder(token="", owner="another ingest claiming the lease at the same moment",
                   machine="", pid=0, started="", expires=0.0)


class IngestLease:
    def __init__(self, client: chromadb.ClientAPI, settings: Settings) -> None:
        self.collection = client.get_or_create_collection(f"{settings.collection}_lease")
        self.label = settings.chroma_label
        self.ttl = settings.lease_seconds
        self.me = Holder(
            token=uuid.uuid4().hex,
            owner=f"{socket.gethostname()} pid {os.getpid()}",
            machine=_machine_id(),
            pid=os.getpid(),
            started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            expires=0.0,
        )
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # -- claiming --------------------------------------------------------------------------

    def try_acquire(self) -> Holder | None:
        """Claim the lease: None when it is ours, else who holds (or is claiming) it."""
        read_at = time.monotonic()
        current = self.read()
        if current and current.token != self.me.token and self._alive(current):
            return current
        self._write()
        if time.monotonic() - read_at > MAX_CLAIM_GAP:
            # Too slow for the timing the protocol relies on: another claimant may already
            # have read its own claim back. Withdraw and let the caller try again.
            self._withdraw()
            return CONTENDED  # what was read was absent, expired or dead: nobody holds it
        time.sleep(SETTLE)
        after = self.read()
        if after and after.token == self.me.token:
            self._start_renewing()
            return None
        return after or CONTENDED

    def release(self) -> None:
        self._stop.set()
        if self._renewer:
            self._renewer.join()
        with contextlib.suppress(Exception):  # the server went away: the lease just expires
            self._withdraw()

    # -- holding ---------------------------------------------------------------------------

    def check(self) -> None:
        """Raise ``LeaseLost`` unless the lease is still ours (the store's guard)."""
        if self._lost is None:
            current = self.read()
            if current is None or current.token != self.me.token:
                self._lose(current)
            elif current.expires - time.time() < self.ttl / 3:
                self._write()  # the renewing thread fell behind (a starved CPU): renew here
        if self._lost is not None:
            raise LeaseLost(self._lost)

    def _start_renewing(self) -> None:
        self._renewer = threading.Thread(target=self._renew_loop, name="ingest-lease",
                                         daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                current = self.read()
                if current is None or current.token != self.me.token:
                    self._lose(current)
                    return
                self._write()
            except Exception:  # unreachable for now: ``check`` reports it on the next write
                continue

    def _lose(self, current: Holder | None) -> None:
        who = f"taken over by {current.describe()}" if current else "withdrawn"
        self._lost = (
            f"this ingest's lease on the {self.label} was {who}: it was not renewed within "
            f"{self.ttl:g} s (CASEFILE_LEASE_SECONDS). Stopped before writing more; run the "
            "ingest again once the other one is done, and it repairs what this one left"
        )

    # -- the record ------------------------------------------------------------------------

    def read(self) -> Holder | None:
        got = self.collection.get(ids=[LEASE_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        meta: dict[str, Any] = got["metadatas"][0]
        return Holder(token=str(meta.get("token", "")), owner=str(meta.get("owner", "?")),
                      machine=str(meta.get("machine", "")), pid=int(meta.get("pid", 0)),
                      started=str(meta.get("started", "")),
                      expires=float(meta.get("expires", 0.0)))

    def _write(self) -> None:
        record = asdict(self.me) | {"expires": time.time() + self.ttl}
        # Chroma wants a vector for every record; the lease needs none of its own.
        self.collection.upsert(ids=[LEASE_ID], metadatas=[record], embeddings=[[1.0]],
                               documents=[""])

    def _withdraw(self) -> None:
        current = self.read()
        if current and current.token == self.me.token:
            self.collection.delete(ids=[LEASE_ID])

    def _alive(self, holder: Holder) -> bool:
        if holder.expires < time.time():
            return False  # not renewed in time: its writer died or hangs
        if holder.machine and holder.machine == self.me.machine:
            return _process_exists(holder.pid)  # same kernel, same pids: ask it
        return True


def _machine_id() -> str:
    """Where a pid means one process: this boot of the kernel and this pid namespace (two
    containers may share a host name and a boot, never a pid namespace)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return ""  # no /proc: rely on the expiry alone


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return True
