"""One filter parser for the CLI, the API and the web chat (issue 9, item 7): dates compared as
dates (a bare year or month means all of it), bad values refused with one message and exit 2,
k bounded, and API strings taken as one-item lists."""

from __future__ import annotations

import json

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from index.cli import main as cli_main
from index.passages import Passage
from index.query_params import CLI_NAMES, MAX_K, FilterError, SearchFilters, parse_k

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

TRACE_Q = "What did the trace study find about retail dealers in border states?"
TRACE_DOC = "government-report-fixture-trace-study"  # dated 2021-09-15
STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def passage(date: str, kind: str = "news", doc_id: str = "d") -> Passage:
    return Passage(node_id="n", doc_id=doc_id, source_file=doc_id, title="t", publisher="p",
                   kind=kind, date=date, url="", page=None, section="", start_char=0,
                   end_char=1, text="x", score=0.0)


def test_a_bare_year_or_month_bound_covers_all_of_it():
    until_2021 = SearchFilters(date_to="2021")
    assert until_2021.admits(passage("2021-09-15"))
    assert until_2021.admits(passage("2021-12-31"))
    assert not until_2021.admits(passage("2022-01-01"))
    assert SearchFilters(date_from="2021-09").admits(passage("2021-09-01"))
    assert not SearchFilters(date_from="2021-10").admits(passage("2021-09-15"))
    assert not SearchFilters(date_to="2021-08").admits(passage("2021-09-15"))
    # A source dated only by year overlaps a range inside that year; an undated one never does.
    assert SearchFilters(date_to="2021-06-30").admits(passage("2021"))
    assert not SearchFilters(date_to="2021").admits(passage(""))
    assert SearchFilters.parse(date_to="2021").date_to == "2021-12-31"


def test_bad_values_are_refused_with_one_plain_message():
    with pytest.raises(FilterError, match="--since must look like 2021"):
        SearchFilters.parse(date_from="yesterday", names=CLI_NAMES)
    with pytest.raises(FilterError, match="not a real date"):
        SearchFilters.parse(date_to="2021-02-30")
    with pytest.raises(FilterError, match="after"):
        SearchFilters.parse(date_from="2022", date_to="2021")
    with pytest.raises(FilterError, match="Unknown kind of source: nonsense. Use one of: .*stat"):
        SearchFilters.parse(kinds=["nonsense"])
    with pytest.raises(FilterError, match="No document with the id nope"):
        SearchFilters.parse(documents=["nope"], known_documents={"a", "b"})
    with pytest.raises(FilterError, match="list of strings"):
        SearchFilters.parse(kinds=[1, 2])
    for bad in (-3, 0, MAX_K + 1, "abc", 2.5, None, True):
        with pytest.raises(FilterError, match="k must"):
            parse_k(bad)
    assert parse_k("12") == 12


def test_one_string_is_a_list_of_one():
    parsed = SearchFilters.parse(kinds="statute", documents="doc-a", known_documents={"doc-a"})
    assert parsed.kinds == ("statute",)
    assert parsed.doc_ids == ("doc-a",)


def ask_cli(capsys, settings, *args: str) -> tuple[int, str, str]:
    code = cli_main(["ask", *args, "--store", str(settings.store)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_until_a_year_keeps_that_year(ingested_settings, capsys, monkeypatch):
    monkeypatch.delenv("CASEFILE_CHROMA_HOST", raising=False)
    code, out, err = ask_cli(capsys, ingested_settings, TRACE_Q, "--until", "2021", "--json")
    assert code == 0, err
    answer = json.loads(out.strip().splitlines()[-1])
    assert answer["status"] == "answered"
    assert answer["citations"][0]["doc_id"] == TRACE_DOC
    assert {c["date"][:4] for c in answer["citations"]} <= {"2019", "2020", "2021"}


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "yesterday"], "--since must look like 2021, 2021-06 or 2021-06-30"),
    (["--until", "2021-13"], "--until is not a real date"),
    (["--kind", "nonsense"], "Unknown kind of source: nonsense. Use one of:"),
    (["--doc", "no-such-document"], "No document with the id no-such-document"),
    (["--k", "-3"], "k must be from 1 to 40 (got -3)"),
    (["--k", "many"], "k must be a whole number"),
])
def test_cli_bad_filters_exit_2_with_one_line(ingested_settings, capsys, monkeypatch, args,
                                              message):
    monkeypatch.delenv("CASEFILE_CHROMA_HOST", raising=False)
    code, out, err = ask_cli(capsys, ingested_settings, STATUTE_Q, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
    if "kind" in args[0]:
        assert "statute" in err and "bill" in err


def test_api_takes_a_string_as_a_list_of_one(web_url):
    client = Client(web_url, verbose=False)
    only_statutes = client.predict(TRACE_Q, kinds="statute", api_name="/ask")
    assert only_statutes["retrieved"]
    assert {r["kind"] for r in only_statutes["retrieved"]} == {"statute"}
    one_doc = client.predict(TRACE_Q, documents=TRACE_DOC, api_name="/ask")
    assert {r["doc_id"] for r in one_doc["retrieved"]} == {TRACE_DOC}
    follow = client.predict("and the penalty?", history=STATUTE_Q, api_name="/ask")
    assert follow["status"] == "answered"
    assert follow["citations"][0]["doc_id"] == "statute-fixture-border-transfer-act"
    with pytest.raises(AppError, match="Unknown kind of source: nonsense"):
        client.predict(TRACE_Q, kinds="nonsense", api_name="/ask")
    until = client.predict(TRACE_Q, date_to="2021", api_name="/ask")
    assert until["citations"][0]["doc_id"] == TRACE_DOC


def test_an_unfiltered_search_sends_chroma_no_where_clause():
    """Chroma answers a query with a where clause by scanning metadata (seconds at 100k
    chunks) and one without it from its vector index alone: link lists are dropped after."""
    from index.retrieval import _to_metadata_filters

    assert _to_metadata_filters(SearchFilters()) is None
    keys = [f.key for f in _to_metadata_filters(SearchFilters(kinds=("statute",))).filters]
    assert keys == ["kind", "link_list"]
