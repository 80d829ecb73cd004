"""The learned sentence ranker: P(sentence holds the answer | generic features).

A logistic regression over index/features.py, trained by `python -m index.train_ranker` on the
evidence labels of the evaluation sets (see README "Training the ranker"). The artifact is a few
hundred bytes of JSON beside this file: weights, the feature scaling, and the calibrated support
threshold below which Casefile says the corpus does not answer.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from index.features import FEATURES

DEFAULT_MODEL = Path(__file__).parent / "models" / "sentence_ranker.json"


@dataclass(frozen=True)
class SentenceRanker:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    # Calibrated on the training questions (the train script prints the trade-off).
    abstain_below: float
    trained_on: tuple[str, ...] = ()

    def probability(self, vector: list[float]) -> float:
        z = self.bias + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, vector, self.means, self.scales)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> SentenceRanker:
        data = json.loads(path.read_text())
        ranker = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        if ranker.features != FEATURES:
            raise ValueError(
                f"{path} was trained on other features; retrain with `python -m index.train_ranker`"
            )
        return ranker


@cache
def default_ranker() -> SentenceRanker:
    """The shipped model, or the one CASEFILE_RANKER names (to evaluate a held-out training)."""
    return SentenceRanker.load(Path(os.environ.get("CASEFILE_RANKER") or DEFAULT_MODEL))
