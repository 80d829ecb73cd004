"""The embedded default answerer: no LLM, the answer is made of the corpus's own sentences.

It picks the sentences of the retrieved passages closest to the question (the same
sentence-transformers model, plus word overlap with the sentence and its section heading, plus
the kind of answer the question asks for: index/answer_type.py), attributes those from
non-primary sources to their publisher, cites every sentence, and abstains when the evidence is
weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answer_type import Expectation
from index.answers import Citation, Composed, no_evidence
from index.embedding import embed_model, query_embedding
from index.passages import Hit, Passage, link_share
from index.retrieval import companion_key
from index.sentences import CAPTION, HEADING, sentences

# Tuned on ../shared/eval/dev.jsonl (see README "Evaluation"); nothing here knows the questions.
MIN_SENTENCE = 0.30  # a sentence must be at least this close to be quoted
MAX_SENTENCES = 2
PASSAGES_READ = 3

EMBEDDED_CANDIDATES = 16
MIN_WORDS = 7
# A clause that starts mid-sentence ("(3) meets such other requirements…") reads badly alone.
FRAGMENT = re.compile(r"^(?:\(\w{1,4}\)\s*)*[a-z]")
FRAGMENT_PENALTY = 0.1
OVERLAP_WEIGHT = 0.5
RANK_PENALTY = 0.03  # per rank: the fused ranking is a better judge of relevance than one sentence
FOLLOWERS_WITHIN = 0.08  # further sentences must score this close to the best
ANSWER_TYPE_BONUS = 0.3  # per asked-for kind of answer the sentence offers (index/answer_type.py)
# "The term X means …", "This Act may be cited as …" answer only "what is X / what is it called".
STRAY_DEFINITION_PENALTY = 0.8
PASSAGES_READ_FOR_TYPE = 5  # read this far when the first passages lack the asked-for kind
LONG_LEAD_IN = 20  # words
LEAD_IN = re.compile(r"(?:[:—–]|\b(?:including|includes|include|the following|as follows|such as))"
                     r"[\s*]*$", re.I)
WORD = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*")
POSSESSIVE = re.compile(r"['’]s$")
STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "by", "with", "at", "from", "as",
    "is", "are", "was", "were", "be", "been", "being", "this", "that", "these", "those", "it",
    "its", "which", "who", "whom", "what", "when", "where", "why", "how", "did", "does", "do",
    "doing", "done", "has", "have", "had", "can", "could", "would", "should", "will", "shall",
    "may", "might", "must", "about", "into", "than", "then", "there", "their", "they", "them",
    "he", "she", "his", "her", "i", "you", "we", "our", "your", "not", "no", "yes", "any", "all",
    "some", "such", "under", "over", "after", "before", "between", "both", "each", "other", "also",
    "more", "most", "much", "many", "one", "two", "first", "since", "while", "if", "so"
})
MARKDOWN = [
    (re.compile(r"^#{1,6}\s*"), ""),
    (re.compile(r"\*\*|`"), ""),
    (re.compile(r"^\s*[-*+]\s+"), ""),
    (re.compile(r"\s*\|\s*"), " — "),
]


@dataclass
class _Sentence:
    hit_rank: int
    passage: Passage
    start: int  # offsets inside the passage text
    end: int
    text: str
    heading: str = ""  # the section the sentence sits in: its words are context for it
    named: bool = False  # from a document the question cites by number
    score: float = 0.0


class ExtractiveAnswerer:
    def compose(self, question: str, hits: list[Hit]) -> Composed:
        if not hits:
            return no_evidence(hits, "Nothing in the corpus matches this question.")
        expected = Expectation.of(question)
        further = self._candidates(hits[:PASSAGES_READ_FOR_TYPE])
        candidates = [c for c in further if c.hit_rank < PASSAGES_READ]
        if expected.types and not any(expected.offers_all(c.text) for c in candidates):
            candidates = further  # the closest passages lack the kind of answer asked for
        # "What does 18 U.S.C. 554 prohibit?" is answered from 18 U.S.C. 554, however much a
        # neighbour's "5 U.S.C. 552 note" looks like the question to the embedding.
        candidates = [c for c in candidates if c.named] or candidates
        if expected.counted:
            # "How many officers …" is answered only by a sentence about officers.
            candidates = [c for c in candidates if expected.counts(c.text)]
            if not candidates:
                return no_evidence(hits, f"No passage found gives a number of {expected.counted}.")
        shortlist = self._score(question, expected, candidates)
        chosen = self._choose(shortlist)
        if not chosen:
            return no_evidence(hits, "No sentence in the closest passages answers this question.")
        return self._write(chosen, hits)

    # -- finding sentences -----------------------------------------------------------------

    @staticmethod
    def _candidates(hits: list[Hit]) -> list[_Sentence]:
        out = []
        for rank, hit in enumerate(hits):
            text = hit.passage.text
            heading = hit.passage.section
            for start, end in sentences(text):
                piece = text[start:end]
                if HEADING.match(piece):
                    heading = HEADING.sub("", piece)
                elif _quotable(piece):
                    out.append(_Sentence(rank, hit.passage, start, end, piece, heading, hit.named))
        return out

    @staticmethod
    def _score(
        question: str, expected: Expectation, candidates: list[_Sentence]
    ) -> list[_Sentence]:
        """Score by word overlap first, then embed only the most promising few (embedding
        every sentence would cost more than the whole retrieval)."""
        terms = _terms(question)
        for sentence in candidates:
            # Words of the document's own title say which document, not what answers.
            asked = terms - _terms(sentence.passage.title)
            said = _terms(sentence.text) | _terms(sentence.heading)
            overlap = len(asked & said) / len(asked) if asked else 0.0
            sentence.score = (overlap - RANK_PENALTY * sentence.hit_rank
                              + ANSWER_TYPE_BONUS * expected.offers(sentence.text))
            if expected.stray_definition(sentence.text):
                sentence.score -= STRAY_DEFINITION_PENALTY
        shortlist = sorted(candidates, key=lambda s: -s.score)[:EMBEDDED_CANDIDATES]
        if not shortlist:
            return []
        query = query_embedding(question)
        vectors = embed_model().get_text_embedding_batch([plain(s.text) for s in shortlist])
        for sentence, vector in zip(shortlist, vectors):
            cosine = sum(a * b for a, b in zip(query, vector))
            # Word overlap rescues exact names and numbers; rank keeps the fused order's say.
            sentence.score = cosine + OVERLAP_WEIGHT * sentence.score
            if FRAGMENT.match(plain(sentence.text)):
                sentence.score -= FRAGMENT_PENALTY
        return shortlist

    @staticmethod
    def _choose(sentences: list[_Sentence]) -> list[_Sentence]:
        ranked = sorted(sentences, key=lambda s: -s.score)
        if not ranked or ranked[0].score < MIN_SENTENCE:
            return []
        chosen: list[_Sentence] = []
        seen: list[set[str]] = []
        for sentence in ranked:
            if sentence.score < max(MIN_SENTENCE, ranked[0].score - FOLLOWERS_WITHIN):
                break
            words = _terms(sentence.text)
            if any(_jaccard(words, other) > 0.6 for other in seen):
                continue  # the same point again (a companion bill, an overlapping chunk)
            chosen.append(sentence)
            seen.append(words)
            if len(chosen) == MAX_SENTENCES:
                break
        # Read in source order: by passage rank, then position inside the passage.
        return sorted(chosen, key=lambda s: (s.hit_rank, s.start))

    # -- writing the answer ----------------------------------------------------------------

    def _write(self, chosen: list[_Sentence], hits: list[Hit]) -> Composed:
        twins = {h.passage.node_id: h.also_in for h in hits}
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        lines = []
        for sentence in chosen:
            passage = sentence.passage
            if passage.node_id not in numbers:
                numbers[passage.node_id] = len(numbers) + 1
                citations.append(Citation(
                    n=numbers[passage.node_id],
                    passage=passage,
                    sentence=sentence.text,
                    sentence_start=passage.start_char + sentence.start,
                    sentence_end=passage.start_char + sentence.end,
                    also_in=twins.get(passage.node_id, []),
                ))
            lines.append(_attributed(sentence, numbers[passage.node_id]))
        retrieved = [p for h in hits for p in (h.passage, *h.also_in)]
        notices = _companion_notes([c.passage for c in citations], retrieved)
        notices += _differing_figures(chosen, numbers)
        return Composed(status="answered", answer=" ".join(lines), citations=citations,
                        notices=notices)


def _quotable(sentence: str) -> bool:
    """Prose worth quoting: not a heading or caption, a table rule, a list of links, or the
    short lead-in of a list whose items follow ("… is amended—", "… convictions including").
    A long lead-in says something itself ("Within 6 months …, a report that contains:")."""
    stripped = sentence.strip()
    if stripped.startswith("#") or set(stripped) <= set("|-: ") or CAPTION.match(stripped):
        return False
    words = len(WORD.findall(stripped.lower()))
    if LEAD_IN.search(stripped) and words < LONG_LEAD_IN:
        return False
    if link_share(stripped) > 0.3:
        return False
    # Shorter lines are signatures, captions and titles rather than statements.
    return words >= MIN_WORDS


def _terms(text: str) -> set[str]:
    """Content words, crudely singular: enough to compare a question with a sentence."""
    words = (POSSESSIVE.sub("", w) for w in WORD.findall(text.lower()))
    return {w.rstrip("s") if len(w) > 3 else w for w in words if w not in STOPWORDS}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def plain(text: str) -> str:
    """A sentence as prose: Markdown markers and table pipes removed."""
    for pattern, replacement in MARKDOWN:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip(" —")


def _attributed(sentence: _Sentence, n: int) -> str:
    text = plain(sentence.text).rstrip(" ;:,")  # a clause of a list ends the quote cleanly
    if not text.endswith((".", "!", "?", "”", '"')):
        text += "."
    passage = sentence.passage
    if passage.attributed:
        return f"According to {_speaker(passage)}: “{text}” [{n}]"
    return f"{text} [{n}]"


def _speaker(passage: Passage) -> str:
    """'National Shooting Sports Foundation (NSSF, advocacy)', 'Casefile (editorial summary)'."""
    who = passage.publisher or passage.title
    name, _, aside = who.partition(" (")
    if aside and len(aside) <= 12:  # a short aside is an acronym worth keeping
        return f"{name} ({aside.rstrip(')')}, {passage.kind_label})"
    return f"{name} ({passage.kind_label})"


PERCENT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b)")


def _differing_figures(chosen: list[_Sentence], numbers: dict[str, int]) -> list[str]:
    """When quoted sources from different documents give different percentages, say so.
    Companion bills are one source here: two of their provisions are not a disagreement."""
    figures: dict[str, tuple[str, int]] = {}
    for sentence in chosen:
        passage = sentence.passage
        source = companion_key(passage.title) if passage.kind == "legislation" else passage.doc_id
        for figure in PERCENT.findall(sentence.text):
            value = re.sub(r"\s?(?:%|percent)", "%", figure)
            figures.setdefault(source, (value, numbers[passage.node_id]))
    values = {v for v, _ in figures.values()}
    if len(figures) > 1 and len(values) > 1:
        listed = "; ".join(f"{v} [{n}]" for v, n in figures.values())
        return [f"The sources give different figures: {listed}. Check each source."]
    return []


BILL_NUMBER = re.compile(r"^((?:H\.\s?R\.|S\.)\s*\d+)")


def _companion_notes(cited: list[Passage], retrieved: list[Passage]) -> list[str]:
    """Name House/Senate companions when one of them is cited and the other was found."""
    notes = []
    by_key: dict[str, set[str]] = {}
    for passage in [*cited, *retrieved]:
        if passage.kind == "legislation" and (number := BILL_NUMBER.match(passage.title)):
            by_key.setdefault(companion_key(passage.title), set()).add(number.group(1))
    cited_keys = {companion_key(p.title) for p in cited if p.kind == "legislation"}
    for key, bills in by_key.items():
        if key in cited_keys and len(bills) > 1:
            names = " and ".join(sorted(bills))
            notes.append(
                f"{names} are companion bills (House and Senate versions of the same act)."
            )
    return notes
