"""Which language a question is in, as far as answering needs to know: English or Spanish.

The corpus is English; a Spanish question is searched as it is (the embedding model and the
shared names, numbers and bill titles still find passages) and the answer says its quotes are in
English. A count of function words is enough to tell the two apart in a question.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W\d_]+")
SPANISH = frozenset({
    "el", "la", "los", "las", "del", "que", "qué", "en", "y", "un", "una", "por", "para",
    "cuál", "cuáles", "cómo", "quién", "quiénes", "cuándo", "cuánto", "cuántos", "cuántas",
    "es", "son", "se", "su", "sus", "al", "lo", "con", "según", "sobre", "fue", "ha", "han",
    "dónde", "porqué", "entre", "contra", "armas", "demanda", "méxico", "estados", "unidos",
})
ENGLISH = frozenset({
    "the", "of", "and", "to", "in", "is", "was", "what", "which", "who", "how", "did", "does",
    "for", "on", "that", "with", "by", "are", "were", "when", "why", "about", "from",
})


def is_spanish(text: str) -> bool:
    words = [w.lower() for w in WORD.findall(text)]
    spanish = sum(w in SPANISH for w in words)
    english = sum(w in ENGLISH for w in words)
    return spanish >= 2 and spanish > english
