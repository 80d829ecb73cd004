"""`python -m index ask` and `python -m index.eval` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from index.eval import score, summarize

PROJECT = Path(__file__).resolve().parent.parent


def run(args: list[str], settings, extra_env: dict | None = None, stdin: str | None = None):
    env = {**os.environ, "CASEFILE_STORE": str(settings.store), **(extra_env or {})}
    env.pop("CASEFILE_CHROMA_HOST", None)
    return subprocess.run([sys.executable, *args], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=300, input=stdin)


def test_ask_json_prints_exactly_one_object(ingested_settings):
    result = run(["-m", "index", "ask", "What share of seized rifles were stolen from police "
                  "armories?", "--json"], ingested_settings)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["status"] == "answered"
    assert data["citations"][0]["source_file"] == "advocacy-fixture-industry-view"
    assert data["citations"][0]["kind"] == "advocacy"
    assert isinstance(data["citations"][0]["start_char"], int)


def test_batch_answers_every_line_in_order(ingested_settings, tmp_path):
    batch = tmp_path / "questions.jsonl"
    questions = ["How long can someone be imprisoned for an unlawful cross-border transfer?",
                 "   ",
                 "What is the recipe for lemon meringue pie?"]
    batch.write_text("\n".join(json.dumps({"question": q}) for q in questions) + "\n")
    result = run(["-m", "index", "ask", "--batch", str(batch), "--json"], ingested_settings)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [r["question"] for r in rows] == [questions[0], questions[1], questions[2]]
    assert rows[0]["status"] == "answered"
    assert "error" in rows[1]
    assert rows[2]["status"] == "no_evidence"


def test_empty_index_says_to_run_the_ingest(tmp_path, ingested_settings):
    result = run(["-m", "index", "ask", "anything at all?"], ingested_settings,
                 {"CASEFILE_STORE": str(tmp_path / "empty")})
    assert result.returncode == 2
    assert "python -m ingest" in result.stderr
    assert "Traceback" not in result.stderr


def test_chroma_server_down_names_host_and_port(ingested_settings, tmp_path):
    from tests.conftest import free_port

    port = free_port()  # nothing listens there
    result = run(["-m", "index", "ask", "anything?", "--chroma-host", "127.0.0.1",
                  "--chroma-port", str(port)], ingested_settings)
    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_prints_the_metric_table(ingested_settings, tmp_path):
    questions = tmp_path / "fixture-eval.jsonl"
    items = [
        {"id": "f1", "question": "How long can someone be imprisoned for an unlawful "
         "cross-border transfer?", "answerable": True,
         "expected": ["statute-fixture-border-transfer-act"],
         "evidence": ["imprisoned for not more than 12 years"], "type": "fact"},
        {"id": "f2", "question": "What is the recipe for lemon meringue pie?",
         "answerable": False, "expected": [], "evidence": [], "type": "unanswerable"},
    ]
    questions.write_text("\n".join(json.dumps(i) for i in items))
    result = run(["-m", "index.eval", str(questions)], ingested_settings)
    assert result.returncode == 0, result.stderr
    header, overall = result.stdout.splitlines()[:2]
    assert "hit@5" in header and "mrr" in header
    values = dict(zip(header.split()[1:], overall.split()[1:]))
    assert values["hit@1"] == "1.00"
    assert values["abstention"] == "1.00"
    assert "latency per ask" in result.stdout


def test_scoring_counts_ranks_by_document_and_spans_by_normalised_text():
    item = {"type": "fact", "answerable": True, "expected": ["b"],
            "evidence": ["the  quick\u00a0brown fox"]}
    answer = {
        "status": "answered",
        "retrieved": [{"source_file": "a", "text": "x"}, {"source_file": "a", "text": "y"},
                      {"source_file": "b", "text": "so the quick brown\nfox ran"}],
        "citations": [{"source_file": "b", "text": "so the quick brown\nfox ran"},
                      {"source_file": "a", "text": "x"}],
        "timings_ms": {"total": 5.0},
    }
    row = score(item, answer)
    assert row.first_rank == 2  # document "a" counts once, at its first chunk
    assert row.evidence_cited
    metrics = summarize([row])
    assert metrics["hit@1"] == 0 and metrics["hit@3"] == 1
    assert metrics["mrr"] == 0.5
    assert metrics["citation_precision"] == 0.5


def test_batch_lines_carry_history_and_bad_lines_do_not_sink_the_batch(ingested_settings,
                                                                        tmp_path):
    batch = tmp_path / "chat.jsonl"
    first = "When must the Secretary report to Congress under H.R. 9001?"
    batch.write_text("\n".join([
        json.dumps({"question": first}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"question": 42}),
        json.dumps({"question": "and the Senate version?", "history": [first]}),
    ]) + "\n")
    result = run(["-m", "index", "ask", "--batch", str(batch), "--json"], ingested_settings)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == 5
    assert "not JSON" in rows[1]["error"] and "not a JSON object" in rows[2]["error"]
    assert "question must be text" in rows[3]["error"]
    senate = {r["doc_id"] for r in rows[4]["retrieved"][:3]}
    assert "legislation-s9002-fixture-southbound-act" in senate


def test_a_question_asked_after_earlier_ones_is_read_as_their_follow_up(ingested_settings):
    first = "When must the Secretary report to Congress under H.R. 9001?"
    result = run(["-m", "index", "ask", "and the Senate version?", "--after", first, "--json"],
                 ingested_settings)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["search_query"] == f"{first} and the Senate version?"
    assert "legislation-s9002-fixture-southbound-act" in {
        r["doc_id"] for r in answer["retrieved"][:3]}
    refused = run(["-m", "index", "ask", "--batch", "x.jsonl", "--after", first],
                  ingested_settings)
    assert refused.returncode == 2 and "--after goes with a QUESTION" in refused.stderr


def test_missing_batch_file_is_one_line_error(ingested_settings, tmp_path):
    result = run(["-m", "index", "ask", "--batch", str(tmp_path / "nope.jsonl")],
                 ingested_settings)
    assert result.returncode == 2
    assert "cannot read the batch file" in result.stderr
    assert "Traceback" not in result.stderr
