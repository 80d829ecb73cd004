"""The generative answerer: the extractive answer core decides, a language model writes, the
verifier checks every sentence.

1. The extractive answerer runs first. Its abstention (dense floor, support threshold) stands:
   a question the corpus does not answer never reaches the model. Its answer is also the
   fallback, ready before the model is asked.
2. The model gets the first PROMPT_PASSAGES passages, numbered, and streams its answer.
3. Each sentence is checked against the passages it cites (index/llm/verify.py); citations are
   renumbered; unsupported sentences keep no marker and are flagged.
4. When the backend fails or times out, says the passages do not answer, or no generated
   sentence holds up, the reader gets the extractive answer with one line saying why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from index.answers import Composed
from index.extractive import ExtractiveAnswerer
from index.features import CorpusStats
from index.followup import Query
from index.llm.backends import Backend, LLMUnavailable
from index.llm.prompt import PROMPT_PASSAGES, build_messages
from index.llm.streaming import generate
from index.llm.verify import Verified, Verifier
from index.passages import Hit

FALLBACK = "Showing the extractive answer instead."


class GenerativeAnswerer:
    streams = True  # index.llm.streaming.ask_streaming passes tokens on as they come

    def __init__(self, backend: Backend, extractive: ExtractiveAnswerer,
                 stats: Callable[[], CorpusStats]) -> None:
        self.backend = backend
        self.extractive = extractive
        self._stats = stats

    def compose(self, query: Query, hits: list[Hit]) -> Composed:
        return self.compose_streaming(query, hits, None)

    def compose_streaming(
        self, query: Query, hits: list[Hit], on_token: Callable[[str], None] | None
    ) -> Composed:
        core = self.extractive.compose(query, hits)
        if core.status != "answered":
            return core
        shown = hits[:PROMPT_PASSAGES]
        verifier = Verifier(self.extractive.ranker, self._stats())
        # The passages' sentences are embedded while the model writes, not after it.
        preparing = threading.Thread(target=verifier.prepare, args=(shown,), daemon=True)
        preparing.start()
        try:
            messages = build_messages(query.search_text, [h.passage for h in shown])
            generation = generate(self.backend, messages, on_token)
        except LLMUnavailable as exc:
            return _fallback(core, f"{exc} {FALLBACK}")
        finally:
            preparing.join()
        started = time.perf_counter()
        verified = verifier.check(generation.text, shown)
        timings = {"first_token": generation.first_token_s * 1000,
                   "generate": generation.seconds * 1000,
                   "verify": (time.perf_counter() - started) * 1000}
        if verified.says_no_answer:
            # The core's decision stands both ways: the model neither answers what the core
            # refused nor refuses what it answered (the 1.5B model declines answerable ones).
            return _fallback(core, f"The language model found no answer in the passages. "
                                   f"{FALLBACK}", timings)
        if not verified.supported:
            return _fallback(core, "No sentence of the generated answer was found in the "
                                   f"passage it cites. {FALLBACK}", timings)
        notices = []
        flagged = len(verified.sentences) - verified.supported
        if flagged == 1:
            notices.append("One generated sentence is not backed by a cited source; it is marked.")
        elif flagged:
            notices.append(f"{flagged} generated sentences are not backed by a cited source; "
                           "they are marked.")
        if verified.found_sources:
            notices.append(f"The model left {verified.found_sources} sentence"
                           f"{'s' if verified.found_sources > 1 else ''} uncited; Casefile cited "
                           "the passage that holds each.")
        if verified.removed_markers:
            listed = ", ".join(f"[{n}]" for n in verified.removed_markers)
            notices.append(f"The model cited {listed}, which no passage had; removed.")
        return Composed(
            status="answered",
            answer=verified.answer,
            citations=verified.citations,
            notices=notices + _companion_notes(verified, hits),
            backend=self.backend.name,
            sentences=verified.sentences,
            timings_ms=timings,
        )


def _fallback(core: Composed, why: str, timings: dict[str, float] | None = None) -> Composed:
    core.notices.insert(0, why)
    core.timings_ms.update(timings or {})
    return core


def _companion_notes(verified: Verified, hits: list[Hit]) -> list[str]:
    # The extractive answerer's own note ("H.R. 9001 and S. 9002 are companion bills").
    from index.extractive import _companion_notes as notes

    retrieved = [p for h in hits for p in (h.passage, *h.also_in)]
    return notes([c.passage for c in verified.citations], retrieved)
