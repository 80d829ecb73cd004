"""Check a generated answer sentence by sentence against the passages it cites.

A sentence stands as supported only when
1. it cites at least one passage that was in the prompt (``[7]`` of four passages is removed);
2. every figure and name in it appears in its cited passages (with their title, publisher and
   section): embeddings do not tell "12 years" from "20 years", words do;
3. the answer core's support model (index/ranker.py) rates one of the cited passage's
   sentences as evidence for it at or above ``CLAIM_SUPPORT`` (calibrated below). The
   generated sentence takes the place of the question: the same generic features
   (index/features.py) say whether the passage holds what the sentence says.
A sentence the model left uncited is cited to the prompt passage that passes both checks for
it, if one does (small models often write the right sentence and forget its marker).
Citations are then renumbered 1, 2, … in order of first use, only to passages that support a
sentence; an unsupported sentence keeps no marker and carries its flag instead.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field

from index.answers import AnswerSentence, Citation, answer_text
from index.features import (
    STOPWORDS,
    SUPPORT,
    WORD,
    CorpusStats,
    QuestionForm,
    add_relative,
    sentence_features,
    terms,
)
from index.language import is_spanish
from index.passages import Hit
from index.ranker import SentenceRanker
from index.sentences import HEADING, sentences

# "[2]", "[1, 3]", "[1][2]", "[2-3]", "[Passage 2]": what models write for a citation.
MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:[,;]|–|-|and)\s*\d+)*)\s*\]", re.I)
PREAMBLE = re.compile(r"^\s*(?:answer|respuesta)\s*:\s*", re.I)
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
SPELLED = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
}  # "one" is left out: "one of the …" is prose, not a figure
CAPITALISED = re.compile(r"[A-Z][^\W_]*(?:[.'’-][^\W_]+)*")
# Words that open a sentence with a capital without naming anything.
OPENERS = STOPWORDS | {"according", "under", "however", "although", "because", "after",
                       "during", "both", "while", "in", "según", "además", "sin", "con"}
SAYS_NO_ANSWER = re.compile(r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't|no)\b[^.]*\b(?:answer|"
                            r"mention|say|state|contain|information|address)|\bno (?:se )?"
                            r"(?:responden?|mencionan?|dicen?)\b", re.I)

# The support model's bar for a claim against the passage it cites. The answer core's
# abstain_below (0.30-0.35 as retrained) answers "does any sentence here answer the question"
# and lets most sentences cited to the wrong passage through. Measured on dev with
# `tests/benchmarks/llm_answers.py calibrate` (README, "Generative answers"): claims taken from
# their passage score 0.99+, lay paraphrases of fixture passages 0.78-0.99; of claims cited to
# another prompt passage that pass the literal check, 68-81% reach the core's threshold, ~30%
# reach 0.7, ~15% reach 0.85 (some of those are overlapping chunks that do hold the claim).
CLAIM_SUPPORT = 0.7
# Stricter when the model gave no citation and the verifier picks the passage itself.
FOUND_SUPPORT = 0.85

# The support model reads no heading similarity today: its sentences' headings go unembedded.
USES_HEADING = "heading_cosine" in SUPPORT

UNCITED = "no source cited"
NO_SUCH_SOURCE = "its citation points at no passage"
NOT_FOUND = "not found in the cited source"


@dataclass
class Claim:
    """A generated sentence with the passage numbers it cites, as the model wrote them."""

    text: str
    cited: list[int] = field(default_factory=list)


@dataclass
class SourceView:
    """What the verifier needs of one prompt passage, computed once per answer."""

    hit: Hit
    spans: list[tuple[int, int, str]]  # quotable sentences: offsets in the passage, plain text
    heading: str
    numbers: set[str]
    words: set[str]


@dataclass
class Verdict:
    text: str
    cited: list[int]  # prompt numbers that support it
    supported: bool
    score: float
    flag: str = ""
    evidence: dict[int, int] = field(default_factory=dict)  # prompt number -> its best span
    found: bool = False  # uncited by the model; the verifier found the passage that holds it


@dataclass
class Verified:
    answer: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    removed_markers: list[int]  # numbers the model cited that no passage had
    found_sources: int  # uncited sentences the verifier cited to the passage that holds them
    says_no_answer: bool  # nothing cited, and the text says the passages do not answer

    @property
    def supported(self) -> int:
        return sum(s.supported for s in self.sentences)


def split_claims(text: str) -> list[Claim]:
    """Sentences of the generated text with their markers; "… 12 years. [2]" and
    "… 12 years [2]." both give the marker to that sentence."""
    from index.extractive import plain

    text = PREAMBLE.sub("", text.strip())
    claims: list[Claim] = []
    for start, end in sentences(text):
        piece = text[start:end]
        if HEADING.match(piece):
            continue
        leading = re.match(rf"^\s*(?:{MARKER.pattern}[\s.]*)+", piece, re.I)
        if leading and claims:  # markers that open a piece close the sentence before it
            claims[-1].cited += _numbers(leading.group(0))
            piece = piece[leading.end():]
        cited = _numbers(piece)
        body = plain(MARKER.sub("", piece))
        body = re.sub(r"\s+([.,;:!?])", r"\1", body).strip()
        if not re.search(r"[^\W\d_]", body):
            if claims:
                claims[-1].cited += cited
            continue
        claims.append(Claim(body, cited))
    for claim in claims:
        claim.cited = list(dict.fromkeys(claim.cited))
    return claims


def _numbers(markers: str) -> list[int]:
    out: list[int] = []
    for group in MARKER.findall(markers):
        for part in re.split(r"\s*(?:[,;]|and)\s*", group):
            if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                low, high = map(int, re.split(r"\s*[–-]\s*", part))
                out.extend(range(low, min(high, low + 20) + 1))
            elif part.strip().isdigit():
                out.append(int(part))
    return out


def figures(text: str) -> set[str]:
    """Numbers in a text, normalised ("12,345" -> "12345", "twelve" -> "12", "15%" -> "15")."""
    found = {n.replace(",", "").rstrip(".") for n in NUMBER.findall(text)}
    found = {n[:-2] if n.endswith(".0") else n for n in found}
    found |= {SPELLED[w] for w in re.findall(r"[a-z]+", text.lower()) if w in SPELLED}
    return found


def names(text: str) -> list[str]:
    """Capitalised words that name something. The word that opens the sentence counts only
    when it looks like a name (an acronym, or the first of several capitalised words):
    "Investigators found" opens with an ordinary word, "Fixture Accountability Office" not."""
    out = []
    matches = list(CAPITALISED.finditer(text))
    for i, match in enumerate(matches):
        word = match.group()
        if len(word) < 2 or word.lower() in OPENERS:
            continue
        if match.start() == len(text) - len(text.lstrip()) and not word.isupper():
            after = text[match.end():].lstrip()
            if not (i + 1 < len(matches) and matches[i + 1].start() == len(text) - len(after)):
                continue
        out.append(word)
    return out


class Verifier:
    def __init__(self, ranker: SentenceRanker, stats: CorpusStats) -> None:
        self.ranker = ranker
        self.stats = stats
        self._vectors: dict[str, tuple[float, ...]] = {}  # this answer's texts, embedded once
        self.bar = max(ranker.abstain_below, CLAIM_SUPPORT)

    def prepare(self, hits: list[Hit]) -> None:
        """Embed the prompt passages' sentences (and headings) ahead of the answer: the
        generative answerer calls this while the model writes, so that checking the answer
        then embeds only its own sentences (those vectors were most of the check's cost)."""
        self._embed([], [self._view(h) for h in hits])

    def check(self, text: str, hits: list[Hit]) -> Verified:
        """``hits`` are the prompt's passages in prompt order: ``[n]`` is ``hits[n - 1]``."""
        claims = split_claims(text)
        sources = [self._view(h) for h in hits]
        cited = sorted({n for c in claims for n in c.cited if 1 <= n <= len(hits)})
        if any(_searched(c) for c in claims):  # an uncited claim is looked for everywhere
            cited = list(range(1, len(hits) + 1))
        self._vectors = self._embed([c.text for c in claims], [sources[n - 1] for n in cited])
        verdicts = [self._judge(c, self._vectors[c.text], sources) for c in claims]
        removed = sorted({n for c in claims for n in c.cited if not 1 <= n <= len(hits)})
        cited_any = any(1 <= n <= len(hits) for c in claims for n in c.cited)
        says_no = (not cited_any and not any(v.supported for v in verdicts)
                   and bool(SAYS_NO_ANSWER.search(text)))
        return self._renumber(verdicts, sources, removed, says_no)

    # -- one sentence ----------------------------------------------------------------------

    def _judge(self, claim: Claim, vector: tuple[float, ...], sources: list[SourceView]) -> Verdict:
        if not claim.cited:
            return self._find_source(claim, vector, sources)
        valid = [n for n in claim.cited if 1 <= n <= len(sources)]
        if not valid:
            return Verdict(claim.text, [], False, 0.0, NO_SUCH_SOURCE)
        cross_lingual = is_spanish(claim.text)
        missing = self._missing(claim.text, [sources[n - 1] for n in valid], cross_lingual)
        scored = {n: self._support(claim.text, vector, sources[n - 1]) for n in valid}
        best = max(score for score, _ in scored.values())
        if missing:
            return Verdict(claim.text, [], False, best, NOT_FOUND)
        kept = [n for n in valid if cross_lingual or scored[n][0] >= self.bar]
        if not kept:
            return Verdict(claim.text, [], False, best, NOT_FOUND)
        return Verdict(claim.text, kept, True, best, evidence={n: scored[n][1] for n in kept})

    def _find_source(self, claim: Claim, vector: tuple[float, ...],
                     sources: list[SourceView]) -> Verdict:
        """A sentence the model left uncited (small models often do) is cited to the one passage
        that passes both checks for it, best support first; otherwise it is flagged."""
        if not _searched(claim):
            return Verdict(claim.text, [], False, 0.0, UNCITED)
        best: tuple[float, int, int] | None = None
        for n, source in enumerate(sources, 1):
            score, span = self._support(claim.text, vector, source)
            if (score >= max(self.bar, FOUND_SUPPORT)
                    and not self._missing(claim.text, [source])
                    and (best is None or score > best[0])):
                best = (score, n, span)
        if best is None:
            return Verdict(claim.text, [], False, 0.0, UNCITED)
        score, n, span = best
        return Verdict(claim.text, [n], True, score, evidence={n: span}, found=True)

    @staticmethod
    def _missing(claim: str, cited: list[SourceView], cross_lingual: bool = False) -> list[str]:
        """Figures and names of the claim that its cited passages never give. A Spanish
        sentence translates names ("Estados Unidos"): only its acronyms are checked."""
        numbers = set().union(*(s.numbers for s in cited))
        words = set().union(*(s.words for s in cited))
        missing = [f for f in figures(claim) if f not in numbers]
        return missing + [w for w in names(claim)
                          if (not cross_lingual or w.isupper()) and not terms(w) <= words]

    def _support(
        self, claim: str, vector: tuple[float, ...], source: SourceView
    ) -> tuple[float, int]:
        """The support model's best score over the passage's sentences, with the claim in the
        place of the question, and which sentence gave it."""
        if not source.spans:
            return 0.0, -1
        form = QuestionForm.of(claim)
        texts = [plain for _, _, plain in source.spans]
        span_vectors = [self._vectors[t] for t in texts]
        topic = self._vectors.get(source.heading, ())  # () scores 0: the model ignores it
        passage = _mean(span_vectors)
        rows = []
        for i, (_, _, sentence) in enumerate(source.spans):
            rows.append(sentence_features(
                form, self.stats, sentence=sentence, heading=source.hit.passage.section,
                passage_text=source.hit.passage.text, title=source.hit.passage.title,
                sentence_cosine=_dot(vector, span_vectors[i]),
                heading_cosine=_dot(vector, topic), passage_cosine=_dot(vector, passage),
                passage_keyword=1.0, rank=0, first=i == 0, named=source.hit.named,
            ))
        add_relative(rows)
        scores = [self.ranker.supported(r) for r in rows]
        # The sentence to highlight is the one that holds the claim's figures and names
        # ("12 years"), even when a wordier neighbour scores higher.
        facts = figures(claim) | {t for w in names(claim) for t in terms(w)}
        held = [len(facts & (figures(text) | terms(text))) for text in texts]
        shown = max(range(len(scores)), key=lambda i: (held[i], scores[i]))
        return max(scores), shown

    # -- the passages ----------------------------------------------------------------------

    @staticmethod
    def _view(hit: Hit) -> SourceView:
        from index.extractive import plain

        p = hit.passage
        spans = []
        for start, end in sentences(p.text):
            piece = p.text[start:end]
            if not HEADING.match(piece) and len(WORD.findall(piece)) >= 3:
                spans.append((start, end, plain(piece)))
        # The prompt shows title, publisher, kind and date: a sentence may take them from there.
        described = " ".join([p.text, p.title, p.publisher, p.section, p.kind_label, p.date,
                              _month(p.date), *(o.title for o in hit.also_in)])
        return SourceView(hit, spans, p.section or p.title, figures(described), terms(described))

    @staticmethod
    def _embed(claims: list[str], cited: list[SourceView]) -> dict[str, tuple[float, ...]]:
        """Vectors of the claims and of the cited passages' sentences and headings, in one
        batch through the extractive answerer's cache (which holds most passage sentences
        already: it read the same passages a moment before)."""
        from index.extractive import _sentence_vectors

        headings = [s.heading for s in cited] if USES_HEADING else []
        texts = list(dict.fromkeys([*claims, *(t for s in cited for _, _, t in s.spans),
                                    *headings]))
        return dict(zip(texts, _sentence_vectors(texts))) if texts else {}

    # -- the answer ------------------------------------------------------------------------

    def _renumber(self, verdicts: list[Verdict], sources: list[SourceView], removed: list[int],
                  says_no: bool) -> Verified:
        numbers: dict[int, int] = {}  # prompt number -> shown number
        citations: list[Citation] = []
        out: list[AnswerSentence] = []
        for verdict in verdicts:
            shown = []
            for n in verdict.cited:
                if n not in numbers:
                    numbers[n] = len(numbers) + 1
                    citations.append(_citation(numbers[n], sources[n - 1], verdict.evidence[n]))
                shown.append(numbers[n])
            out.append(AnswerSentence(verdict.text, shown, verdict.supported, verdict.score,
                                      verdict.flag))
        return Verified(answer_text(out), out, citations, removed,
                        sum(v.found for v in verdicts), says_no)


def _month(iso_date: str) -> str:
    """'2025-01-20' -> 'January 20' ("January 20, 2025" is that date too)."""
    match = re.match(r"\d{4}-(\d\d)(?:-(\d\d))?", iso_date or "")
    if not match or not 1 <= int(match.group(1)) <= 12:
        return ""
    day = str(int(match.group(2))) if match.group(2) else ""
    return f"{calendar.month_name[int(match.group(1))]} {day}".strip()


def _searched(claim: Claim) -> bool:
    """An uncited claim worth looking for in the passages: not "the passages do not say", and
    not Spanish (without the support model only its figures would speak for it)."""
    return not claim.cited and not SAYS_NO_ANSWER.search(claim.text) and not is_spanish(
        claim.text)


def _citation(n: int, source: SourceView, span: int) -> Citation:
    passage = source.hit.passage
    start, end, _ = source.spans[span]
    return Citation(n=n, passage=passage, sentence=passage.text[start:end],
                    sentence_start=passage.start_char + start,
                    sentence_end=passage.start_char + end, also_in=source.hit.also_in)


def _dot(a: list[float] | tuple[float, ...], b: list[float] | tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(a, b))


def _mean(vectors: list[tuple[float, ...]]) -> list[float]:
    """The passage's direction: the normalised mean of its sentence vectors (the chunk's own
    vector lives in Chroma; its sentences' are cached here already)."""
    total = [sum(col) for col in zip(*vectors)]
    norm = math.sqrt(sum(x * x for x in total)) or 1.0
    return [x / norm for x in total]
