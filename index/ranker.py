"""The learned sentence models: which sentence answers, and whether any does.

Two logistic regressions over index/features.py, trained together by `python -m index.train_ranker`
on the evidence labels of the evaluation sets (README "Training the ranker"):
- ``rank`` orders a question's candidate sentences; it may use features relative to the
  question's best candidate, which rank well but say nothing about whether the best is good;
- ``support`` scores a sentence on absolute features only, so its best score over a question's
  candidates is a support score comparable across questions; below ``abstain_below``
  (calibrated on the training questions) Casefile says the corpus does not answer; so it does
  when even the closest passage is further from the question than ``dense_floor``.
The artifact is a small JSON file beside this module.
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
class Logistic:
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, vector: list[float]) -> float:
        z = self.bias + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, vector, self.means, self.scales)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class SentenceRanker:
    features: tuple[str, ...]
    rank: Logistic
    support: Logistic
    abstain_below: float
    # The closest passage's cosine below which a question is off-topic, whatever its words.
    dense_floor: float = 0.0
    trained_on: tuple[str, ...] = ()

    def probability(self, vector: list[float]) -> float:
        """How likely the sentence is to be the answer, among its question's candidates."""
        return self.rank.probability(vector)

    def supported(self, vector: list[float]) -> float:
        """How likely the sentence is to answer at all (comparable across questions)."""
        return self.support.probability(vector)

    def best_support(self, vectors: list[list[float]]) -> float:
        """A question's support score: its best candidate's (0 when it has none)."""
        return max((self.supported(v) for v in vectors), default=0.0)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> SentenceRanker:
        data = json.loads(path.read_text())
        if tuple(data.get("features", ())) != FEATURES or "support" not in data:
            raise ValueError(
                f"{path} was trained on other features; retrain with `python -m index.train_ranker`"
            )
        model = lambda d: Logistic(tuple(d["weights"]), d["bias"], tuple(d["means"]),  # noqa: E731
                                   tuple(d["scales"]))
        return cls(FEATURES, model(data["rank"]), model(data["support"]),
                   data["abstain_below"], data.get("dense_floor", 0.0),
                   tuple(data.get("trained_on", ())))


@cache
def default_ranker() -> SentenceRanker:
    """The shipped model, or the one CASEFILE_RANKER names (to evaluate a held-out training)."""
    return SentenceRanker.load(Path(os.environ.get("CASEFILE_RANKER") or DEFAULT_MODEL))
