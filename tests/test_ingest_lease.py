"""The ingest lease in server mode (issue 9.2), against a real `chroma run` on loopback: two
ingests that spell the server differently (127.0.0.1 and localhost) serialize or refuse, the
refused one never repairs away the live writer's chunks, simultaneous claims have one winner,
a dead writer's lease is taken over, and a writer whose lease was taken over stops. And the
embedded store's file lock holds for two spellings of its folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.settings import PROJECT_ROOT, Settings
from index.store import CorpusStore, DocumentRecord, open_client
from ingest.discover import find_documents
from ingest.lease import LEASE_ID, IngestLease
from ingest.lock import writer_lock
from tests.conftest import FIXTURE_CORPUS
from tests.test_server_mode import chroma_running

FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with chroma_running(tmp_path_factory.mktemp("lease-server")) as port:
        yield port


@pytest.fixture
def spelled(server, request, tmp_path):
    """Settings for one fresh collection on the server, as 127.0.0.1 and as localhost."""
    collection = f"lease{abs(hash(request.node.name)) % 10**8}"
    common = {"store": tmp_path / "unused", "chroma_port": server, "collection": collection}
    return (Settings(chroma_host="127.0.0.1", **common),
            Settings(chroma_host="localhost", **common))


def cli(settings: Settings, *args: str, wait: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "--chroma-host", settings.chroma_host,
         "--chroma-port", str(settings.chroma_port), "--collection", settings.collection,
         *args], cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def begin_ghost(store: CorpusStore) -> None:
    """What a live writer has in flight: a begun version with its chunks, not yet committed."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    vector = [1.0] + [0.0] * 383
    record = DocumentRecord(doc_id="in-flight", title="In flight", version="v1", chunk_count=3)
    store.begin(record, vector, "v1")
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id="in-flight")}
    store.add_chunks([
        TextNode(id_=f"in-flight:v1:{n:04d}", text=f"Part {n}.", embedding=vector,
                 relationships=source, metadata={"doc_id": "in-flight", "version": "v1"})
        for n in range(3)
    ])


def test_second_ingest_through_another_spelling_refuses_and_leaves_the_writers_chunks(spelled):
    numeric, named = spelled
    with writer_lock(numeric) as guard:
        store = CorpusStore(numeric, guard=guard)
        begin_ghost(store)
        second = cli(named, str(FIXTURE_CORPUS), "--json")
        out, err = second.communicate(timeout=180)
        assert second.returncode == 2, err
        assert "another ingest is writing to the Chroma server at localhost" in err
        assert f"pid {os.getpid()}" in err and "--wait" in err  # names the holder
        assert "error" in json.loads(out.strip().splitlines()[-1])
        # It did not run its repair: the live writer's begun chunks are all there.
        assert store.chunk_counts() == {("in-flight", "v1"): 3}
        assert set(store.all_records()) == {"in-flight"}


def test_waiting_ingest_through_localhost_runs_once_the_lease_is_released(spelled):
    numeric, named = spelled
    with writer_lock(numeric):
        waiting = cli(named, str(FIXTURE_CORPUS), "--wait", "240", "--json")
        seen = ""
        while "waiting" not in seen and (line := waiting.stderr.readline()):
            seen += line
        assert "holds the ingest lease" in seen and f"pid {os.getpid()}" in seen
        time.sleep(2)
        assert waiting.poll() is None  # it does wait
        assert CorpusStore(numeric).chunk_count() == 0
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["added"] == FIXTURE_DOCS


def test_claims_at_the_same_moment_have_exactly_one_winner(spelled):
    leases = [IngestLease(open_client(s), s) for s in (*spelled, *spelled)]
    start = threading.Barrier(len(leases))
    results: dict[int, object] = {}

    def claim(n: int) -> None:
        start.wait()
        results[n] = leases[n].try_acquire()

    for _ in range(2):
        results.clear()
        threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(leases))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [n for n, holder in results.items() if holder is None]
        assert len(winners) == 1, results
        leases[winners[0]].release()


def _plant(settings: Settings, *, machine: str, pid: int, expires_in: float) -> None:
    """A lease record left by another writer."""
    lease = IngestLease(open_client(settings), settings)
    lease.collection.upsert(
        ids=[LEASE_ID], embeddings=[[1.0]], documents=[""],
        metadatas=[{"token": "someone-else", "owner": "otherhost pid 4242", "machine": machine,
                    "pid": pid, "started": "2026-12-01T10:00:00+00:00",
                    "expires": time.time() + expires_in}],
    )


def test_live_lease_of_another_machine_refuses_and_a_dead_writers_is_taken_over(spelled):
    numeric, _ = spelled
    _plant(numeric, machine="another-boot:1", pid=4242, expires_in=60)
    with pytest.raises(Exception, match="otherhost pid 4242") as refused, writer_lock(numeric):
        pass
    assert "--wait" in str(refused.value)

    _plant(numeric, machine="another-boot:1", pid=4242, expires_in=-1)  # not renewed: expired
    with writer_lock(numeric):
        assert IngestLease(open_client(numeric), numeric).read().owner.endswith(
            f"pid {os.getpid()}")

    # On this machine a holder that has died is seen at once, before its lease expires.
    exited = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                            capture_output=True, text=True, check=True)
    here = IngestLease(open_client(numeric), numeric).me.machine
    _plant(numeric, machine=here, pid=int(exited.stdout), expires_in=60)
    with writer_lock(numeric):
        pass


def test_writer_whose_lease_was_taken_over_stops_before_writing_more(spelled):
    numeric, named = spelled
    watcher = IngestLease(open_client(numeric), numeric)
    env_lease = "3"  # seconds: the stalled writer loses its lease quickly
    writer = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--chroma-host", "127.0.0.1", "--chroma-port",
         str(numeric.chroma_port), "--collection", numeric.collection, str(FIXTURE_CORPUS),
         "--json"], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")},
             "CASEFILE_LEASE_SECONDS": env_lease},
    )
    try:
        # Wait until it holds the lease: only a holder renews, so the expiry moves.
        first = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            holder = watcher.read()
            if holder and holder.pid == writer.pid:
                first = first or holder
                if holder.expires != first.expires:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the ingest never renewed a lease")
        os.kill(writer.pid, signal.SIGSTOP)  # it stalls (a frozen VM, a stopped job)...
        committed_at_stall = set(CorpusStore(numeric).committed())
        time.sleep(float(env_lease) + 1)
        taker = IngestLease(open_client(named), named)
        assert taker.try_acquire() is None  # ...its lease expired, another ingest takes over
        os.kill(writer.pid, signal.SIGCONT)
        out, err = writer.communicate(timeout=180)
        assert writer.returncode == 2, err
        assert "lease on the Chroma server at 127.0.0.1" in err and "taken over by" in err
        assert set(CorpusStore(numeric).committed()) == committed_at_stall
        taker.release()
    finally:
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGCONT)
            writer.kill()


def test_embedded_store_reached_through_a_symlink_is_one_store(tmp_path, corpus_copy):
    real = tmp_path / "store"
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    real.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")}
    with writer_lock(Settings(store=real)):
        result = subprocess.run(
            [sys.executable, "-m", "ingest", "--store", str(tmp_path / "alias"),
             str(corpus_copy), "--json"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180,
        )
    assert result.returncode == 2, result.stderr
    assert "another ingest" in result.stderr
    assert CorpusStore(Settings(store=real)).chunk_count() == 0


def test_no_lease_is_left_after_an_ingest(spelled):
    numeric, _ = spelled
    with writer_lock(numeric):
        pass
    assert IngestLease(open_client(numeric), numeric).read() is None
    assert Path(numeric.store).exists() is False  # server mode never touched a folder


def test_a_claim_too_slow_on_a_starved_machine_is_tried_again_not_refused(spelled, monkeypatch):
    """Nobody holds the lease, but the first claim's read and write took longer than the
    protocol allows (a starved CPU): the ingest claims again instead of reporting a writer."""
    import ingest.lease as lease_module

    numeric, _ = spelled
    real_write = IngestLease._write
    slow = {"left": 1}

    def write(self):
        if slow["left"]:
            slow["left"] -= 1
            time.sleep(lease_module.MAX_CLAIM_GAP + 0.2)
        real_write(self)

    monkeypatch.setattr(IngestLease, "_write", write)
    with writer_lock(numeric):  # no --wait
        holder = IngestLease(open_client(numeric), numeric).read()
        assert holder is not None and holder.pid == os.getpid()
    assert slow["left"] == 0
