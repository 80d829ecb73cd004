"""The embedding backends: the int8 ONNX MiniLM matches the torch model (tokens, truncation,
pooling, normalisation, rankings), is chosen by CASEFILE_EMBED_BACKEND, and a store ingested
again with another backend is re-embedded, not mixed. Real models, real Chroma."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from llama_index.core.schema import MetadataMode

from index.embedding import embed_model, embedder_id
from index.onnx_embedding import OnnxMiniLMEmbedding
from index.settings import Settings, SettingsError, load_settings, parse_embed_backend
from index.store import CorpusStore
from ingest.cli import run_ingest
from ingest.discover import find_documents
from tests.conftest import FIXTURE_CORPUS, settings_for

# Our own sentences: three topics, two questions each, so rankings can be compared.
PASSAGES = [
    "The river ferry carries bicycles across the estuary every twenty minutes in summer.",
    "  A customs officer must inspect each crate of machine parts before it leaves the port.  ",
    "Sourdough bread rises slowly because wild yeast ferments the dough overnight.",
    "Export licences for hunting rifles are issued by the trade ministry after a review.",
    "The orchestra rehearsed the symphony twice before the première in the old théâtre.",
    "",
]
QUESTIONS = [
    ("How often does the boat cross the water?", 0),
    ("Who checks cargo at the harbour?", 1),
    ("Why does this bread take all night to rise?", 2),
    ("Which office grants permission to ship firearms abroad?", 3),
    ("When did the musicians practise?", 4),
]
LONG = "evidence " * 300 + "zebra"  # well past 256 word pieces


def vectors(model, texts: list[str]) -> np.ndarray:
    return np.array(model.get_text_embedding_batch(texts))


@pytest.fixture(scope="module")
def torch_model():
    return embed_model(backend="torch")


@pytest.fixture(scope="module")
def int8_model():
    return embed_model(backend="onnx-int8")


def test_int8_tokenises_exactly_like_the_sentence_transformers_model(torch_model, int8_model):
    texts = [*PASSAGES, LONG, "x"]
    expected = torch_model._model.preprocess(texts)  # the torch model's own tokenisation
    got = int8_model._tokenizer.encode_batch([t.strip() for t in texts])
    assert np.array_equal(np.array([e.ids for e in got]), expected["input_ids"].numpy())
    assert np.array_equal(np.array([e.attention_mask for e in got]),
                          expected["attention_mask"].numpy())
    assert len(got[texts.index(LONG)].ids) == 256  # truncated where the model truncates


def test_int8_vectors_match_torch_vectors(torch_model, int8_model):
    texts = [*PASSAGES, LONG] + [q for q, _ in QUESTIONS]
    a, b = vectors(torch_model, texts), vectors(int8_model, texts)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > 0.995, cosines  # int8 weights: close, not identical
    # the query path gives the same vector as the text path (MiniLM has no query prompt)
    assert np.allclose(int8_model.get_query_embedding(QUESTIONS[0][0]), b[len(PASSAGES) + 1])


def test_int8_truncates_at_256_word_pieces(int8_model):
    a, b = vectors(int8_model, [LONG, LONG.replace("zebra", "ocean liner timetable")])
    assert np.allclose(a, b, atol=1e-6)  # what lies past the window changes nothing


def test_rankings_agree_between_backends_and_across_them(torch_model, int8_model):
    passages = PASSAGES[:5]
    questions = [q for q, _ in QUESTIONS]
    p_torch, p_int8 = vectors(torch_model, passages), vectors(int8_model, passages)
    q_torch, q_int8 = vectors(torch_model, questions), vectors(int8_model, questions)
    expected = [i for _, i in QUESTIONS]
    for q, p in ((q_torch, p_torch), (q_int8, p_int8), (q_int8, p_torch)):
        assert list((q @ p.T).argmax(axis=1)) == expected


def test_backend_setting(monkeypatch):
    assert Settings().embed_backend == "torch"
    assert parse_embed_backend(" ONNX-int8 ") == "onnx-int8"
    monkeypatch.setenv("CASEFILE_EMBED_BACKEND", "onnx-int8")
    assert load_settings().embed_backend == "onnx-int8"
    assert isinstance(embed_model(), OnnxMiniLMEmbedding)  # what retrieval and answers use
    monkeypatch.setenv("CASEFILE_EMBED_BACKEND", "tensorflow")
    with pytest.raises(SettingsError, match="CASEFILE_EMBED_BACKEND.*torch, onnx-int8"):
        load_settings()


def _ingest(settings: Settings) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_ingest(settings, list(settings.corpus), as_json=True) == 0
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _stored(settings: Settings) -> tuple[list[str], np.ndarray]:
    """Each chunk's text as it was embedded, and its stored vector."""
    store = CorpusStore(settings)
    nodes = store.vector_store.get_nodes(node_ids=None)
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    found = store.chunks.get(ids=[n.node_id for n in nodes], include=["embeddings"])
    by_id = dict(zip(found["ids"], found["embeddings"]))
    return texts, np.array([by_id[n.node_id] for n in nodes])


def test_switching_backend_re_embeds_the_store(tmp_path, torch_model, int8_model):
    documents = len(find_documents([FIXTURE_CORPUS])[0])
    torch_settings = settings_for(tmp_path / "store")
    assert _ingest(torch_settings)["added"] == documents
    texts, stored = _stored(torch_settings)
    assert np.allclose(stored, vectors(torch_model, texts), atol=1e-5)

    int8_settings = settings_for(tmp_path / "store", embed_backend="onnx-int8")
    summary = _ingest(int8_settings)
    assert summary["updated"] == documents and summary["unchanged"] == 0
    texts, stored = _stored(int8_settings)
    assert len(texts) == summary["chunks_written"]
    assert np.allclose(stored, vectors(int8_model, texts), atol=1e-5)
    assert not np.allclose(stored, vectors(torch_model, texts), atol=1e-5)
    assert _ingest(int8_settings)["unchanged"] == documents  # and then it is stable


def test_embedder_ids_differ():
    assert embedder_id("torch") != embedder_id("onnx-int8")
