"""Ingest faults (issue 9): a document too large for one Chroma call or to be worth indexing,
committed documents whose chunks went missing, folders that cannot be read, symlink loops, and
encrypted PDFs. Real Chroma (embedded) and the real model throughout; large files are generated
here.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from index.settings import PROJECT_ROOT, Settings
from index.store import CorpusStore
from ingest import pipeline
from ingest.chunking import chunk_document, make_splitter, min_chunks
from ingest.cli import run_ingest
from ingest.discover import find_documents
from ingest.pipeline import Ingester
from ingest.readers import load_document
from tests.conftest import FIXTURE_CORPUS, settings_for

FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])  # the fixture corpus grows


def ingest(settings: Settings, *paths: Path, **flags) -> tuple[int, dict]:
    """The CLI's ingest in-process; returns its exit code and its --json summary."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = run_ingest(settings, list(paths), as_json=True, **flags)
    return rc, json.loads(out.getvalue().strip().splitlines()[-1])


def write_doc(path: Path, title: str, body: str) -> Path:
    path.write_text(f"---\ntitle: {title}\nkind: other\n---\n\n# {title}\n\n{body}\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def spies(monkeypatch):
    """Which documents were chunked and which embedded (wrapping the real functions)."""
    seen: dict[str, list[str]] = {"chunked": [], "embedded": []}
    real_chunk, real_embed = pipeline.chunk_document, Ingester._embed

    def chunk(doc, splitter, metadata):
        seen["chunked"].append(doc.path.stem)
        return real_chunk(doc, splitter, metadata)

    def embed(self, batch):
        seen["embedded"] += [p.record.doc_id for p in batch]
        return real_embed(self, batch)

    monkeypatch.setattr(pipeline, "chunk_document", chunk)
    monkeypatch.setattr(Ingester, "_embed", embed)
    return seen


# -- 1. large documents ------------------------------------------------------------------------


def test_min_chunks_is_a_lower_bound_of_the_real_chunking(corpus_copy, prose):
    settings = Settings(store=Path("/nonexistent"))
    splitter = make_splitter(settings)
    write_doc(corpus_copy / "long-prose.md", "Long prose", prose("heron", 400))
    for path in find_documents([corpus_copy])[0]:
        doc = load_document(path)
        nodes = chunk_document(doc, splitter, {"doc_id": "d", "version": "v",
                                               "title": doc.metadata["title"]})
        assert 1 <= min_chunks(doc.text, settings.chunk_size) <= len(nodes), path.name


def test_document_over_the_chunk_cap_is_refused_by_name_before_embedding(
    tmp_path, corpus_copy, prose, spies
):
    cap = 20
    settings = settings_for(tmp_path / "store", corpus_copy, max_doc_chunks=cap)
    # Far over the cap: judged from its size alone, never chunked.
    huge = write_doc(corpus_copy / "huge-appendix.md", "Huge appendix", prose("egret", 900))
    # Just over: the cheap bound lets it through, its real chunk count does not.
    long = write_doc(corpus_copy / "long-annex.md", "Long annex", prose("ibis", 260))
    assert min_chunks(load_document(huge).text, settings.chunk_size) > cap
    assert min_chunks(load_document(long).text, settings.chunk_size) <= cap

    rc, summary = ingest(settings, corpus_copy)

    assert rc == 1
    reasons = {Path(f["path"]).name: f["reason"] for f in summary["failures"]}
    assert set(reasons) == {"huge-appendix.md", "long-annex.md"}
    for reason in reasons.values():
        assert "too large" in reason and f"limit is {cap}" in reason
        assert "CASEFILE_MAX_DOC_CHUNKS" in reason
    assert "at least" in reasons["huge-appendix.md"]
    assert (summary["added"], summary["failed"]) == (FIXTURE_DOCS, 2)  # the rest went on
    assert "huge-appendix" not in spies["chunked"]
    assert not {"huge-appendix", "long-annex"} & set(spies["embedded"])
    assert not {"huge-appendix", "long-annex"} & set(CorpusStore(settings).all_records())


def test_dry_run_judges_a_huge_file_without_chunking_anything(tmp_path, corpus_copy, prose,
                                                              monkeypatch):
    def no_chunking(*_args):
        raise AssertionError("a dry run must not chunk")

    monkeypatch.setattr(pipeline, "chunk_document", no_chunking)
    block = prose("plover", 200)
    big = corpus_copy / "bulk-export.md"
    big.write_text("# Bulk export\n\n" + "\n\n".join([block] * 1200), encoding="utf-8")
    assert big.stat().st_size > 20 * 2**20
    settings = settings_for(tmp_path / "store", corpus_copy)  # the default cap

    rc, summary = ingest(settings, corpus_copy, dry_run=True)

    assert rc == 1
    [failure] = summary["failures"]
    assert Path(failure["path"]).name == "bulk-export.md"
    assert "too large to index: at least" in failure["reason"]
    assert (summary["added"], summary["dry_run"]) == (FIXTURE_DOCS, True)
    assert CorpusStore(settings).chunk_count() == 0


def test_every_commit_step_writes_in_batches_under_the_client_limit(tmp_path):
    """The store's protocol alone, with more chunks than one Chroma call takes (vectors made
    up here: the model is not what is tested, the store's calls are)."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from index.store import DocumentRecord

    store = CorpusStore(Settings(store=tmp_path / "store"))
    count = store.client.get_max_batch_size() + 50
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id="ledger")}
    vector = [1.0] + [0.0] * 383

    def nodes(version: str) -> list[TextNode]:
        return [TextNode(id_=f"ledger:{version}:{n:05d}", text=f"Entry {n}.", embedding=vector,
                         relationships=source, metadata={"doc_id": "ledger", "version": version})
                for n in range(count)]


    record = DocumentRecord(doc_id="ledger", title="Ledger", version="v1", chunk_count=count)
    store.begin(record, vector, "v1")
    store.add_chunks(nodes("v1"))
    assert store.commit_many([(record, "text", vector, "")]) == []
    assert store.chunk_counts() == {("ledger", "v1"): count}
    store.remove(store.committed()["ledger"])
    assert store.chunk_count() == 0 and store.all_records() == {}


@pytest.mark.slow
def test_document_with_more_chunks_than_one_chroma_call_takes_is_ingested_and_pruned(
    tmp_path, prose
):
    # Tiny chunks make thousands of them from a few hundred KB, and embed quickly.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(store=tmp_path / "store", chunk_size=16, chunk_overlap=0,
                        max_doc_chunks=50_000)
    store = CorpusStore(settings)
    limit = store.client.get_max_batch_size()
    write_doc(corpus / "ledger.md", "Ledger", prose("osprey", int(limit * 0.6)))
    write_doc(corpus / "small-note.md", "Small note", prose("wren", 3))

    summary = Ingester(settings, store).run(find_documents([corpus])[0])

    assert (summary.added, summary.failed) == (2, 0), summary.failures
    committed = store.committed()
    assert committed["ledger"].chunk_count > limit  # more than Chroma takes in one call
    assert store.chunk_counts() == {(d, r.version): r.chunk_count for d, r in committed.items()}

    (corpus / "ledger.md").unlink()
    summary = Ingester(settings, store).run(find_documents([corpus])[0], prune_roots=[corpus])
    assert summary.removed == 1
    assert set(store.all_records()) == {"small-note"}
    assert store.chunk_count() == committed["small-note"].chunk_count


# -- 2. committed documents whose chunks went missing -------------------------------------------

STATUTE = "statute-fixture-border-transfer-act"


def _consistent(store: CorpusStore) -> None:
    committed = store.committed()
    assert set(store.all_records()) == set(committed)
    assert store.chunk_counts() == {(d, r.version): r.chunk_count for d, r in committed.items()}


def test_committed_document_whose_chunks_went_missing_is_found_and_written_anew(
    tmp_path, corpus_copy, prose
):
    settings = settings_for(tmp_path / "store", corpus_copy)
    write_doc(corpus_copy / "long-minutes.md", "Long minutes", prose("heron", 80))
    docs = FIXTURE_DOCS + 1
    assert ingest(settings, corpus_copy)[0] == 0
    store = CorpusStore(settings)
    # As an overlapping writer's repair left them: one with no chunks, one with some.
    emptied, halved = STATUTE, "long-minutes"
    store.chunks.delete(where={"doc_id": emptied})
    ids = store.chunks.get(where={"doc_id": halved}, include=[])["ids"]
    assert len(ids) >= 2
    store.chunks.delete(ids=ids[: len(ids) // 2])

    rc, dry = ingest(settings, corpus_copy, dry_run=True)
    assert (rc, dry["updated"], dry["unchanged"]) == (0, 2, docs - 2)
    rc, summary = ingest(settings, corpus_copy)

    assert rc == 0
    assert (summary["updated"], summary["repaired"], summary["unchanged"]) == (2, 2, docs - 2)
    warned = {Path(w["path"]).stem: w["warning"] for w in summary["warnings"]
              if "chunks:" in w["warning"]}
    assert set(warned) == {Path(store.committed()[d].source_path).stem
                           for d in (emptied, halved)}
    assert all("written anew" in w for w in warned.values())
    _consistent(store)
    assert ingest(settings, corpus_copy)[1]["chunks_written"] == 0


def test_version_whose_chunks_vanish_while_it_is_written_is_not_committed(
    tmp_path, corpus_copy, monkeypatch
):
    settings = settings_for(tmp_path / "store", corpus_copy)
    real_add = CorpusStore.add_chunks

    def add_then_lose_some(self, nodes):
        real_add(self, nodes)
        # Another writer deletes chunks of the statute between our write and our commit.
        if ids := self.chunks.get(where={"doc_id": STATUTE}, include=[])["ids"]:
            self.chunks.delete(ids=ids[:1])

    with monkeypatch.context() as patch:
        patch.setattr(CorpusStore, "add_chunks", add_then_lose_some)
        rc, summary = ingest(settings, corpus_copy)
    assert rc == 1
    [failure] = summary["failures"]
    assert Path(failure["path"]).stem == STATUTE
    assert "chunks were in the store after writing" in failure["reason"]
    store = CorpusStore(settings)
    assert STATUTE not in store.committed()  # never served incomplete
    assert len(store.committed()) == FIXTURE_DOCS - 1

    rc, summary = ingest(settings, corpus_copy)  # the next run repairs and writes it
    assert (rc, summary["added"], summary["repaired"]) == (0, 1, 1)
    _consistent(store)


# -- 8. folders that cannot be read; symlink loops ---------------------------------------------


def test_symlink_loops_are_reported_as_loops(tmp_path):
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    folder = tmp_path / "folder"
    folder.mkdir()
    write_doc(folder / "memo.md", "Memo", "The hearing resumed.")
    (folder / "circle.md").symlink_to(folder / "circle.md")
    (folder / "back").symlink_to(folder, target_is_directory=True)  # not followed: no cycle
    dangling = tmp_path / "gone.md"
    dangling.symlink_to(tmp_path / "nowhere.md")

    files, problems = find_documents([loop, folder, dangling, tmp_path / "missing.md"])

    assert [f.name for f in files] == ["memo.md"]
    assert {p.path.name: p.reason for p in problems} == {
        "loop.md": "symlink loop",
        "circle.md": "symlink loop",
        "gone.md": f"broken symlink to {tmp_path / 'nowhere.md'}",
        "missing.md": "no such file or folder",
    }
    rc, summary = ingest(Settings(store=tmp_path / "store"), loop)
    assert rc == 1
    assert summary["failures"] == [{"path": str(loop), "reason": "symlink loop"}]


NOBODY = 65534


def as_unprivileged_user() -> list[str]:
    """The command prefix that runs a process which chmod 000 really keeps out. Root reads any
    folder whatever its mode, so as root the process drops to nobody with setpriv."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root (chmod 000 does not stop root) and no setpriv to drop "
                    "to an unprivileged user")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture
def reachable_tmp():
    """A folder an unprivileged user can reach (pytest's own is root's, mode 700)."""
    path = Path(tempfile.mkdtemp(prefix="casefile-unreadable-"))
    path.chmod(0o755)
    yield path
    for folder, _, _ in os.walk(path):
        os.chmod(folder, 0o755)
    shutil.rmtree(path)


def test_unreadable_folder_is_reported_and_its_documents_never_pruned(reachable_tmp):
    corpus, store = reachable_tmp / "corpus", reachable_tmp / "store"
    (corpus / "open").mkdir(parents=True)
    locked = corpus / "locked"
    locked.mkdir()
    write_doc(corpus / "open" / "visible-memo.md", "Visible memo", "The clerk filed a ledger.")
    write_doc(locked / "hidden-memo.md", "Hidden memo", "The couriers carried invoices.")
    settings = Settings(store=store)
    assert ingest(settings, corpus)[1]["added"] == 2
    user = as_unprivileged_user()
    if user:  # the unprivileged process must be able to use the store and its own home
        for folder, subfolders, names in os.walk(reachable_tmp):
            for name in [folder, *(os.path.join(folder, n) for n in subfolders + names)]:
                os.chown(name, NOBODY, NOBODY)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")},
           "HOME": str(reachable_tmp)}
    locked.chmod(0)
    try:
        listing = "import os, sys; os.listdir(sys.argv[1])"
        probe = subprocess.run([*user, sys.executable, "-c", listing, str(locked)],
                               capture_output=True, env=env)
        assert probe.returncode != 0, "the folder is still readable: the test would prove nothing"
        for named in (corpus, locked):
            result = subprocess.run(
                [*user, sys.executable, "-m", "ingest", "--store", str(store), str(named),
                 "--prune", "--json"],
                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
            )
            assert result.returncode == 1, result.stderr
            assert "Traceback" not in result.stderr
            summary = json.loads(result.stdout.strip().splitlines()[-1])
            assert summary["removed"] == 0
            [failure] = summary["failures"]
            assert failure["path"] == str(locked)
            assert "folder cannot be read" in failure["reason"]
            assert "--prune keeps" in failure["reason"]
    finally:
        locked.chmod(0o755)
    assert set(CorpusStore(settings).committed()) == {"visible-memo", "hidden-memo"}


# -- 10. encrypted PDFs ------------------------------------------------------------------------


def write_encrypted_pdf(path: Path, text: str, method: str, user_password: str) -> Path:
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password=user_password,
                       encryption_method=EncryptionMethod[method])
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def test_pdf_encrypted_with_an_empty_user_password_is_read_and_one_with_a_password_refused(
    tmp_path
):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for method in ("RC4", "AES_128", "AES_256"):
        write_encrypted_pdf(folder / f"open-{method.lower()}.pdf",
                            f"Permit ledger {method}: the clerk filed the kestrel permits.",
                            method, user_password="")
    write_encrypted_pdf(folder / "locked.pdf", "The clerk filed the merlin permits.", "AES_128",
                        user_password="reader-secret")
    from pypdf import PdfReader

    assert all(PdfReader(p).is_encrypted for p in folder.iterdir())

    doc = load_document(folder / "open-aes_256.pdf")
    assert "kestrel permits" in doc.text and len(doc.pages) == 1
    rc, summary = ingest(Settings(store=tmp_path / "store"), folder)
    assert rc == 1
    assert summary["added"] == 3
    [failure] = summary["failures"]
    assert Path(failure["path"]).name == "locked.pdf"
    assert "needs a password" in failure["reason"]
