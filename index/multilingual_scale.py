"""`python -m index.multilingual_scale`: measure the constants that put e5's cosines on
MiniLM's scale (index/multilingual.py, ``on_minilm_scale``).

Queries are section headings of the ingested corpus, texts are its sentences: every pair is
scored by both models, and the mean and spread of each model's cosines are printed. Nothing
here reads the eval questions.
"""

from __future__ import annotations

import argparse
import random

import numpy as np

from index.embedding import embed_model
from index.multilingual import e5_embedding
from index.sentences import sentences
from index.settings import load_settings
from index.store import CorpusStore

MIN_WORDS = 7


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.multilingual_scale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--headings", type=int, default=60)
    parser.add_argument("--passages", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    nodes = [n for page in CorpusStore(load_settings()).chunk_nodes() for n in page]
    rng = random.Random(args.seed)
    headings = sorted({h for n in nodes if (h := n.metadata.get("section") or
                                            n.metadata.get("title"))})
    rng.shuffle(headings)
    headings = headings[: args.headings]
    texts = []
    for node in rng.sample(nodes, min(args.passages, len(nodes))):
        content = node.get_content()
        texts += [content[a:b] for a, b in sentences(content)
                  if len(content[a:b].split()) >= MIN_WORDS]
    scores = {}
    for name, model in (("minilm", embed_model()), ("e5", e5_embedding())):
        queries = np.array([model.get_query_embedding(h) for h in headings])
        vectors = np.array(model.get_text_embedding_batch(texts))
        scores[name] = (queries @ vectors.T).ravel()
    print(f"{len(headings)} headings x {len(texts)} sentences")
    print(f"E5_MEAN, E5_SPREAD = {scores['e5'].mean():.3f}, {scores['e5'].std():.4f}")
    print(f"MINILM_MEAN, MINILM_SPREAD = {scores['minilm'].mean():.3f}, "
          f"{scores['minilm'].std():.3f}")
    print(f"correlation {np.corrcoef(scores['e5'], scores['minilm'])[0, 1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
