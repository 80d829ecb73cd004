"""The embedded default answerer: no LLM, the answer is made of the corpus's own sentences.

Every quotable sentence of the closest passages is scored by the learned ranker
(index/ranker.py) on generic evidence features (index/features.py); the best one leads, and
further sentences that score close to it follow (more of them for why/overview/compare
questions). When even the best sentence is unlikely to hold the answer — the ranker's
calibrated support threshold — it abstains. Sentences from non-primary sources are attributed to
their publisher, and every sentence is cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from index import answerability
from index.answers import AnswerSentence, Citation, Composed, answer_text, no_evidence
from index.domain import BILL_NUMBER, PRIMER_LABEL, companion_key, dates_its_contents
from index.embedding import embed_model, query_embedding
from index.features import (
    FEATURES,
    ORDINAL_NAME,
    ROMAN_NAME,
    WORD,
    CorpusStats,
    QuestionForm,
    add_relative,
    counted_words,
    date_key,
    meets_question,
    sentence_features,
    terms,
    unknown_names,
)
from index.followup import Query
from index.language import is_spanish
from index.multilingual import on_minilm_scale
from index.outline import ASKS_OUTLINE, MIN_ITEMS, is_housekeeping, outlines
from index.passages import Hit, Passage, link_share
from index.ranker import SentenceRanker, default_ranker
from index.sentences import ABBREVIATION, BOLD_HEADING, CAPTION, HEADING, sentences

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

PASSAGES_READ = 8
UNANSWERED_AS_ASKED = ("No sentence of the closest passages answers it as asked: they may be "
                       "about something else, or not bear out what the question assumes.")
# An ordinary question gets up to three sentences, the third only when it scores nearly as high
# as the lead: a second sentence that answers is common (a figure, then what it counts), a
# third is mostly padding unless it is as good (evidence recall up on dev, dev2, D and E).
MAX_SENTENCES = 3
PLAIN_SENTENCES = 2  # … this many at the usual follower floor, any more at the ratio below
THIRD_SENTENCE_RATIO = 0.8
MAX_SENTENCES_BROAD = 4  # why / overview / compare questions get a fuller answer
MAX_SENTENCES_TIMELINE = 6  # a timeline answers with its rows
LIST_JOINER = re.compile(r"[;,]\s*(?:and|or)\s*$")
MAX_OUTLINE_ITEMS = 6  # "what would the Act do?": its table of contents, this many entries
# … drawn from several sources where they bear on it: a broad answer quotes at most this many
# sentences of one document while another document offers a sentence above the floor.
PER_DOCUMENT_BROAD = 2
# A follower must be this likely in its own right and this close to the lead's probability.
FOLLOWER_FLOOR = 0.35
FOLLOWER_RATIO = 0.6
MIN_WORDS = 7
COUNTED = FEATURES.index("quantity_counted")
FRAGMENTARY = FEATURES.index("fragment")
STRAY_DEFINITION = FEATURES.index("stray_definition")
HONORIFIC = re.compile(r"\b(?:Mr|Ms|Mrs)\.\s")
# A bill's short title answers "what is it called", nothing else.
SHORT_TITLE = re.compile(r"\bmay be cited as\b", re.I)
# "the term X has the meaning given that term in section 545": a pointer, never an answer.
CROSS_REFERENCE = re.compile(r"\b(?:has|have) the meanings? (?:given|provided)\b", re.I)
# The closing clauses every executive order and many bills carry: true of all, an answer to none.
BOILERPLATE = re.compile(r"\bnot intended to, and does not, create any right\b|"
                         r"\bshall be implemented consistent with applicable law\b|"
                         r"\bNothing in this (?:order|Act) shall be construed to impair\b|"
                         r"\bIf any provision of this (?:order|Act)\b.{0,80}\bheld (?:to be )?"
                         r"invalid\b", re.I | re.S)
RARE_IDF = 0.85  # a word this rare (scaled IDF) that the evidence lacks is worth naming
LONG_LEAD_IN = 20  # words
# An enumerated item that ends with "; and" is a piece of its list, quotable only when long
# enough to say something alone.
LIST_ITEM = re.compile(r"^(?:\*\*)?\(\w{1,4}\)(?:\*\*)?\s.*;\s*(?:and|or)?\.?$", re.S)
SHORT_ITEM = 12  # words
# "(C) the committee on …": an item that runs on from its list's lead-in, a piece of a sentence.
RUN_ON_ITEM = re.compile(r"^(?:\*\*)?\(\w{1,4}\)(?:\*\*)?\s+[a-z]")
ITEM_LABEL = re.compile(r"(?:\*\*)?\(\w{1,4}\)(?:\*\*)?\s")
LIST_WORDS = 60  # a lead-in quoted with its items: at most this long, but with one item always
# … or a lead-in whose dash the source lost: it stops on a word no sentence ends on ("It shall
# be unlawful for any person to", then its items "(1) ship, …").
LEAD_IN = re.compile(r"(?:[:—–]|\b(?:including|includes|include|the following|as follows|such as|"
                     r"to|of|the|an?|by|for|with|from|that|than))[\s*]*$", re.I)
OPEN_DASH = re.compile(r"[—–][\s*]*$")
# "[FR Doc. 2025-02873 Filed 2-19-25; 8:45 am]", "[Applause.]": a note about the document, in
# brackets from end to end, never a statement of it.
BRACKETED_NOTE = re.compile(r"^\[[^\[\]]*\]\.?$")
# A paragraph wholly in italics is the document's note about itself ("*Secondary summary
# written for this corpus … Check the primary reports before citing.*") or a label
# ("*Attorneys General:*"): never quoted as what the document says.
ITALIC_NOTE = re.compile(r"(?m)^\*(?![*\s])[^\n]*[^*\s\\]\*[ \t]*$")
MARKDOWN = [
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),  # "\(i\)" is how Markdown writes "(i)"
    (re.compile(r"^#{1,6}\s*"), ""),
    (re.compile(r"\*\*|`"), ""),
    (re.compile(r"^\s*[-*+]\s+"), ""),
    (re.compile(r"\s*\|\s*"), " — "),
]


@dataclass
class Candidate:
    """A quotable sentence of a retrieved passage, with the ranker's view of it."""

    hit_rank: int
    passage: Passage
    start: int  # offsets inside the passage text
    end: int
    text: str
    heading: str = ""  # the section the sentence sits in: its words are context for it
    named: bool = False  # from a document the question cites by number
    first: bool = False  # the passage's first quotable sentence
    features: list[float] = field(default_factory=list)
    probability: float = 0.0


# Sentence vectors by model and text: passages recur across questions, and embedding them is
# the cost.
_VECTORS: dict[tuple[str, str], tuple[float, ...]] = {}
_VECTORS_KEPT = 50_000


def _sentence_vectors(texts: list[str], model: BaseEmbedding | None = None
                      ) -> list[tuple[float, ...]]:
    # Reads and writes go through a local dict: web users share the cache from many threads.
    model = model or embed_model()
    keys = [(model.model_name, t) for t in dict.fromkeys(texts)]
    found = {k[1]: v for k in keys if (v := _VECTORS.get(k)) is not None}
    # Shortest first: the model pads each batch to its longest text, so mixing one long
    # sentence into a batch of short ones costs as much as a batch of long ones.
    missing = sorted((t for _, t in keys if t not in found), key=len)
    if missing:
        fresh = dict(zip(missing, map(tuple, model.get_text_embedding_batch(missing))))
        if len(_VECTORS) > _VECTORS_KEPT:
            _VECTORS.clear()
        _VECTORS.update({(model.model_name, t): v for t, v in fresh.items()})
        found.update(fresh)
    return [found[t] for t in texts]


class _Similarity:
    """Cosines of the question with sentences, headings and passages, on MiniLM's scale.

    For a Spanish question the multilingual index found passages for, they are e5's cosines
    moved onto that scale (MiniLM cannot compare a Spanish question with English sentences);
    otherwise MiniLM's own."""

    def __init__(self, question: str, hits: list[Hit]) -> None:
        self.cross_lingual = is_spanish(question) and any(h.multilingual for h in hits)
        if self.cross_lingual:
            from index.multilingual import e5_embedding

            self.model: BaseEmbedding = e5_embedding()
            self.query = tuple(self.model.get_query_embedding(question))
        else:
            self.model = embed_model()
            self.query = query_embedding(question)

    def of_texts(self, texts: list[str]) -> list[float]:
        cosines = [sum(a * b for a, b in zip(self.query, v))
                   for v in _sentence_vectors(texts, self.model)]
        return [on_minilm_scale(c) for c in cosines] if self.cross_lingual else cosines

    def of_passage(self, hit: Hit) -> float:
        # A passage the multilingual search did not rank has no e5 cosine: MiniLM's stands.
        if self.cross_lingual and hit.multilingual:
            return on_minilm_scale(hit.multilingual)
        return hit.dense


class ExtractiveAnswerer:
    def __init__(
        self,
        stats: Callable[[], CorpusStats],
        ranker: SentenceRanker | None = None,
        judge: bool = True,
    ) -> None:
        self._stats = stats  # the retriever's current corpus statistics
        self._ranker = ranker
        self._calibration = answerability.calibration() if judge else None

    @property
    def ranker(self) -> SentenceRanker:
        # Loaded on first use: the training script builds candidates before any model exists.
        if self._ranker is None:
            self._ranker = default_ranker()
        return self._ranker

    @property
    def calibration(self) -> answerability.Calibration | None:
        """How the answerability model is used (None: not at all)."""
        return self._calibration

    def compose(self, query: Query, hits: list[Hit]) -> Composed:
        if not hits:
            return no_evidence(hits, "Nothing in the corpus matches this question.")
        form = QuestionForm.of(query.text, query.context).numbered_as_in(self._stats())
        cross_lingual = is_spanish(query.text)
        # (A Spanish question's names are Spanish spellings of what English passages say.)
        unknown = [] if cross_lingual else unknown_names(query.text, self._stats())
        if unknown:
            return no_evidence(hits, f"The corpus never mentions {' or '.join(unknown[:3])}.")
        if self._closeness(query.search_text, hits) < self.ranker.dense_floor:
            return no_evidence(hits, self._why_not(form, hits))
        candidates = self.candidates(query, hits)
        for candidate in candidates:
            candidate.probability = self.ranker.probability(candidate.features)
        # The trained model reads question and sentence together (English only: MiniLM).
        if not cross_lingual and not self._judged_answerable(query, candidates):
            return no_evidence(hits, UNANSWERED_AS_ASKED)
        # A quantity question is answered by a figure for what it counts, or not at all: the
        # closest passages often hold other figures about the same subject.
        # (Not across languages: a Spanish question names its counted thing in Spanish.)
        leads = candidates
        if form.quantity and not cross_lingual:
            leads = [c for c in candidates if c.features[COUNTED]]
        if not leads:
            return no_evidence(hits, _no_figure(form))
        leads = [c for c in leads if meets_question(form, c.text, _context(c), c.passage.text)]
        if not leads:
            return no_evidence(hits, _unmet(form))
        # "(B) includes a felony …" runs on from a lead-in it does not quote: it may follow the
        # answer, not open it, while a sentence that stands alone is there to lead.
        leads = [c for c in leads if not c.features[FRAGMENTARY]] or leads
        # Nor does a definition of a term the question never uses (in its own language).
        if not cross_lingual:
            leads = [c for c in leads if not c.features[STRAY_DEFINITION]] or leads
        if form.chronology:
            # A timeline is one document's table or one story's dates: its rows, not two
            # sentences from each of several sources.
            limit, per_document, plain = MAX_SENTENCES_TIMELINE, None, None
        elif form.broad:
            limit, per_document, plain = MAX_SENTENCES_BROAD, PER_DOCUMENT_BROAD, None
        else:
            limit, per_document, plain = MAX_SENTENCES, None, PLAIN_SENTENCES
        chosen = self._choose(candidates, leads, limit, per_document=per_document,
                              plain=plain, cross_lingual=cross_lingual)
        if not chosen:
            return no_evidence(hits, self._why_not(form, hits))
        if form.chronology:
            chosen = _timeline(chosen)
        elif ASKS_OUTLINE.search(query.text) and not cross_lingual:
            chosen = _with_outline(chosen[0], hits) or chosen
        return self._write(chosen, hits)

    def _judged_answerable(self, query: Query, candidates: list[Candidate]) -> bool:
        """The answerability stage (index/answerability.py): the model reads the ranker's
        likeliest sentences; the question is answerable when the best of them scores above
        the calibrated floor. (The order stays the ranker's: the model's never did better.)"""
        calibration = self._calibration
        if calibration is None or not candidates:
            return True
        from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

        from index.answerability import AnswerabilityPostprocessor

        ranked = sorted(candidates, key=lambda c: -c.probability)[: calibration.judged]
        nodes = [NodeWithScore(node=TextNode(text=plain(c.text), id_=str(i)), score=c.probability)
                 for i, c in enumerate(ranked)]
        judged = AnswerabilityPostprocessor(top_n=calibration.judged).postprocess_nodes(
            nodes, QueryBundle(query.search_text))
        return (judged[0].score or 0.0) >= calibration.abstain_below  # best first

    @staticmethod
    def _closeness(question: str, hits: list[Hit]) -> float:
        """How close the closest passage is, on MiniLM's scale. For a Spanish question the
        multilingual index searched, e5's cosine alone: MiniLM's is inflated by the names a
        Spanish question shares with English text (0.23-0.51 for questions the corpus does
        not answer, 0.0-0.6 for ones it does, on 44 Spanish questions of our own and the dev
        sets'), while e5's, put on MiniLM's scale, parts them at the same floor as English."""
        if is_spanish(question) and any(h.multilingual for h in hits):
            return max(on_minilm_scale(h.multilingual) for h in hits if h.multilingual)
        return max(h.dense for h in hits)

    def _why_not(self, form: QuestionForm, hits: list[Hit]) -> str:
        """Name what the closest passages lack, when it is something rare: that tells a reader
        more than a score ("never mention Remington, Sandy Hook")."""
        if is_spanish(form.text):  # English passages lack its words by nature: naming them
            return "No passage found supports an answer to it."  # would tell nothing
        stats = self._stats()
        seen: set[str] = set()
        for hit in hits[:PASSAGES_READ]:
            seen |= terms(hit.passage.text) | terms(hit.passage.title)
        # The question's own spelling of each term, in its order; names (capitalised) first.
        spelled = {}
        for word in WORD.findall(form.text):
            for term in terms(word):
                spelled.setdefault(term, word)
        missing = [t for t in spelled if t in form.terms and t not in seen
                   and stats.idf(t) >= RARE_IDF]
        missing.sort(key=lambda t: (-round(stats.idf(t), 2), not spelled[t][0].isupper()))
        if missing:
            named = ", ".join(spelled[t] for t in missing[:3])
            return f"The closest passages never mention {named}."
        return "No passage found supports an answer to it."

    # -- finding sentences -----------------------------------------------------------------

    def candidates(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        """Every quotable sentence of the first passages, with its feature vector (the ranker's
        training data is made by this same method)."""
        form = QuestionForm.of(query.text, query.context).spelled_out(self._stats().acronyms)
        read = hits[:PASSAGES_READ]
        out: list[Candidate] = []
        for rank, hit in enumerate(read):
            text = hit.passage.text
            heading = hit.passage.section
            first = True
            notes = [m.span() for m in ITALIC_NOTE.finditer(text)]
            for start, end in _with_lists(text, list(sentences(text))):
                piece = text[start:end]
                if _table_header(text, start, end):
                    continue  # column names, not a statement
                if any(a <= start and end <= b for a, b in notes):
                    continue  # a note about the document, not a statement of it
                if HEADING.match(piece):
                    heading = HEADING.sub("", piece)
                elif BOLD_HEADING.match(piece):
                    heading = plain(piece)
                else:
                    if _cut_by_chunk_end(piece, end == len(text)):
                        end = start + _last_whole_clause(piece)  # or 0: nothing to quote
                        piece = text[start:end]
                    if not (piece and _quotable(piece) and (
                            form.asks_name or not SHORT_TITLE.search(piece))):
                        continue
                    out.append(Candidate(rank, hit.passage, start, end, piece, heading,
                                         hit.named, first))
                    first = False
        if not out:
            return out
        stats = self._stats()
        similarity = _Similarity(query.search_text, hits)
        cosines = similarity.of_texts([plain(c.text) for c in out])
        topics = similarity.of_texts([c.heading or c.passage.title for c in out])
        best_keyword = max((h.keyword for h in read), default=0.0) or 1.0
        for candidate, cosine, topic in zip(out, cosines, topics, strict=True):
            hit = read[candidate.hit_rank]
            candidate.features = sentence_features(
                form,
                stats,
                sentence=candidate.text,
                heading=candidate.heading,
                passage_text=hit.passage.text,
                title=hit.passage.title,
                sentence_cosine=cosine,
                heading_cosine=topic,
                passage_cosine=similarity.of_passage(hit),
                passage_keyword=hit.keyword / best_keyword,
                rank=candidate.hit_rank,
                first=candidate.first,
                named=candidate.named,
            )
        # "What does 18 U.S.C. 554 prohibit?" is answered from 18 U.S.C. 554.
        out = [c for c in out if c.named] or out
        add_relative([c.features for c in out])
        return out

    def _choose(
        self,
        candidates: list[Candidate],
        leads: list[Candidate],
        limit: int,
        per_document: int | None = None,
        plain: int | None = None,
        cross_lingual: bool = False,
    ) -> list[Candidate]:
        """The lead (the likeliest of ``leads``) and the followers that score close to it, at
        most ``per_document`` from one document when others have some above the floor, and
        past ``plain`` sentences only those nearly as likely as the lead; never a definition
        of a term the question does not use."""
        ranked = sorted(candidates, key=lambda c: -c.probability)
        if not ranked:
            return []
        # The support model weighs shared words; a Spanish question shares none with English
        # passages, so for it only the dense floor (checked before) speaks.
        support = self.ranker.best_support([c.features for c in candidates])
        if support < self.ranker.abstain_below and not cross_lingual:
            return []
        lead = max(leads, key=lambda c: c.probability)
        floor = max(FOLLOWER_FLOOR, FOLLOWER_RATIO * lead.probability)
        chosen = [lead]
        seen = [terms(lead.text)]
        above = [c for c in ranked if c.probability >= floor and c is not lead
                 and (cross_lingual or not c.features[STRAY_DEFINITION])]
        documents = {c.passage.doc_id for c in above} | {lead.passage.doc_id}
        capped = per_document is not None and len(documents) > 1
        for candidate in above:
            if len(chosen) == limit:
                break
            if capped and sum(c.passage.doc_id == candidate.passage.doc_id
                              for c in chosen) >= per_document:
                continue
            if (plain is not None and len(chosen) >= plain
                    and candidate.probability < THIRD_SENTENCE_RATIO * lead.probability):
                continue
            words = terms(candidate.text)
            if any(_jaccard(words, other) > 0.6 for other in seen):
                continue  # the same point again (a companion bill, an overlapping chunk)
            chosen.append(candidate)
            seen.append(words)
        # The answering sentence leads; the rest follow in the order of their sources.
        return [lead, *sorted(chosen[1:], key=lambda c: (c.hit_rank, c.start))]

    # -- writing the answer ----------------------------------------------------------------

    def _write(self, chosen: list[Candidate], hits: list[Hit]) -> Composed:
        twins = {h.passage.node_id: h.also_in for h in hits}
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        quoted: list[AnswerSentence] = []  # quoted verbatim: supported by construction
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
            quoted.append(AnswerSentence(
                _quoted(sentence), [numbers[passage.node_id]], True,
                self.ranker.supported(sentence.features),
                speaker=_speaker(passage) if passage.attributed else "",
                start=passage.start_char + sentence.start, end=passage.start_char + sentence.end,
            ))
        retrieved = [p for h in hits for p in (h.passage, *h.also_in)]
        notices = _companion_notes([c.passage for c in citations], retrieved)
        notices += _differing_figures(chosen, numbers)
        return Composed(status="answered", answer=answer_text(quoted), citations=citations,
                        notices=notices, sentences=quoted)


def _with_lists(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences, plus each short lead-in joined to the items that follow it, as many as
    fit in ``LIST_WORDS``: "The Bahamas, Belize, … and Mexico— (1) shall be deemed to have
    been so designated …" says what neither piece says alone (the lead-in is not quotable by
    itself, and the items lack their subject)."""
    out = []
    for i, (start, end) in enumerate(spans):
        out.append((start, end))
        lead_in = text[start:end].strip()
        if not (LEAD_IN.search(lead_in) and len(WORD.findall(lead_in)) < LONG_LEAD_IN):
            continue
        joined_end = None
        for item_start, item_end in spans[i + 1:]:
            if not ITEM_LABEL.match(text, item_start):
                break
            if joined_end and len(WORD.findall(text[start:item_end])) > LIST_WORDS:
                break
            joined_end = item_end
        if joined_end:
            out.append((start, joined_end))
    return out


def _table_header(text: str, start: int, end: int) -> bool:
    """A table row over the rule row ("| Report | Period | Finding |" above "|---|---|---|")."""
    next_line = text[end:].lstrip("\n").partition("\n")[0]
    return text[start:end].lstrip().startswith("|") and _table_rule(next_line)


def _table_rule(piece: str) -> bool:
    stripped = piece.strip()
    return bool(stripped) and set(stripped) <= set("|-: ")


def _cut_by_chunk_end(sentence: str, at_end: bool) -> bool:
    """A sentence the chunk boundary cut short ("… Massachusetts (No."): the splitter took an
    abbreviation for a full stop. The rest is in the next chunk; this piece reads as a fragment."""
    if not at_end:
        return False
    return _ends_on_abbreviation(sentence) or not re.search(r"[.!?\"”’)\]|:;]$",
                                                            sentence.rstrip())


def _ends_on_abbreviation(sentence: str) -> bool:
    """ "… the District Court (No.": the splitter took the abbreviation's stop for a full stop."""
    words = sentence.split()
    return bool(words) and bool(ABBREVIATION.search(words[-1]))


# A line break inside a piece that does not wrap running prose (the line before it ends on a
# capitalised word or a bracket: a notice number, a title): the piece is several lines run
# together by the splitter, not one sentence, and no clause of it stands alone.
UNWRAPPED_BREAK = re.compile(r"(?:\b[A-Z][\w’'-]*|[\])])[ \t]*\n")


def _last_whole_clause(sentence: str) -> int:
    """Where a long sentence that the chunk's end cut short can stop: after its last whole
    clause ("The term … means a civil action … by a third party," of a definition whose
    exceptions follow in the next chunk). 0 when too little would be left, or when the cut
    fell on an abbreviation ("… (No.") or the piece runs lines together: no sentence at all."""
    if _ends_on_abbreviation(sentence) or UNWRAPPED_BREAK.search(sentence.strip()):
        return 0
    clause_end = max(sentence.rfind(", "), sentence.rfind("; "))
    if clause_end < 0 or len(WORD.findall(sentence[:clause_end])) < LONG_LEAD_IN:
        return 0
    return clause_end + 1


# A sentence that ends in a question mark, behind closing quotes, brackets or emphasis.
ASKS = re.compile(r"\?[\s\"'”’)*_]*$")


def _quotable(sentence: str) -> bool:
    """Prose worth quoting: not a heading or caption, a table rule, a list of links, or the
    short lead-in of a list whose items follow ("… is amended—", "… convictions including").
    A long lead-in says something itself ("Within 6 months …, a report that contains:")."""
    stripped = sentence.strip()
    if stripped.startswith("#") or _table_rule(stripped) or CAPTION.match(stripped):
        return False
    words = len(WORD.findall(stripped.lower()))
    if LEAD_IN.search(stripped) and words < LONG_LEAD_IN:
        return False
    if OPEN_DASH.search(stripped):
        return False  # "… knowing that such other person—": the sentence goes on in its items
    if CROSS_REFERENCE.search(stripped) or BOILERPLATE.search(stripped):
        return False
    if BRACKETED_NOTE.match(stripped):
        return False
    if LIST_ITEM.search(stripped) and words < SHORT_ITEM:
        return False  # "(C) the characteristics of straw purchases; and": one item of a list
    if RUN_ON_ITEM.match(stripped) and words < SHORT_ITEM:
        return False
    if _opens_inside_parentheses(stripped):
        return False  # "Los Zetas); Cartel del Golfo …": the splitter cut inside a parenthesis
    if ASKS.search(stripped):
        return False  # a question the text asks ("First question: where are …?") answers none
    if link_share(stripped) > 0.3 or len(HONORIFIC.findall(stripped)) >= 2:
        return False  # a list of links, or of a bill's sponsors ("Mr. …, Ms. …")
    # Shorter lines are signatures, captions and titles rather than statements.
    return words >= MIN_WORDS


def _opens_inside_parentheses(sentence: str) -> bool:
    """A ")" before any "(" past the first few characters (an item label "1)" is fine)."""
    depth = 0
    for at, char in enumerate(sentence):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return at > 4
    return False


def _timeline(chosen: list[Candidate]) -> list[Candidate]:
    """The lead's story in date order, oldest first (a date the sentence leaves vague sorts
    before the exact dates of its year): the dated sentences of the lead's document. Other
    documents' dated sentences are other stories that share a word with the question."""
    lead = chosen[0]
    dated = [(key, c) for c in chosen
             if (key := date_key(c.text)) and c.passage.doc_id == lead.passage.doc_id]
    if len(dated) < 2:
        return chosen
    return [c for _, c in sorted(dated, key=lambda pair: pair[0])]


def _with_outline(lead: Candidate, hits: list[Hit]) -> list[Candidate]:
    """The lead, then the first list among the passages read of the lead's document or the
    closest one (a bill's table of contents, a fact sheet's bullets): its lead-in and up to
    ``MAX_OUTLINE_ITEMS`` items, each quoted. Empty when those documents' passages hold no
    list. The items stand on the lead's evidence: the list is quoted because its document is
    the one that answers."""
    answering = {lead.passage.doc_id, hits[0].passage.doc_id}
    for rank, hit in enumerate(hits[:PASSAGES_READ]):
        passage = hit.passage
        if passage.doc_id not in answering:
            continue
        for outline in outlines(passage.text):
            spans = [outline.lead_in, *[i for i in outline.items
                                        if not is_housekeeping(passage.text[i[0]:i[1]])]]
            listed = [Candidate(rank, passage, start, end, passage.text[start:end],
                                lead.heading, lead.named, features=lead.features,
                                probability=lead.probability)
                      for start, end in spans[: MAX_OUTLINE_ITEMS + 1]]
            if len(listed) - 1 < MIN_ITEMS:
                continue  # too few items once the housekeeping entries are left out
            overlaps = lead.passage is passage and lead.start < spans[-1][1] \
                and outline.lead_in[0] < lead.end
            return listed if overlaps else [lead, *listed]
    return []


def _context(candidate: Candidate) -> str:
    passage = candidate.passage
    dated = passage.date[:4] if dates_its_contents(passage.kind) else ""
    return f"{candidate.heading} {passage.section} {passage.title} {dated}"


def _unmet(form: QuestionForm) -> str:
    if form.ordinals:
        # (A follow-up may take the name from the earlier question: then it is not spelled here.)
        named = " or ".join(m.group(0) for pattern in (ORDINAL_NAME, ROMAN_NAME)
                            for m in pattern.finditer(form.text))
        return (f"The closest passages never mention the {named}." if named else
                "The closest passages never mention the one the earlier question named.")
    if form.years:
        named = " or ".join(str(y) for y in sorted(form.years))
        return f"No sentence of the closest passages is about {named}."
    return "No sentence of the closest passages names the person asked about."


def _no_figure(form: QuestionForm) -> str:
    counted = " ".join(counted_words(form.text))
    if counted:
        return f"The closest passages give no figure for the number of {counted}."
    return "The closest passages give no figure that answers it."


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def plain(text: str) -> str:
    """A sentence as prose: Markdown markers and table pipes removed."""
    for pattern, replacement in MARKDOWN:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip(" —")


def _quoted(sentence: Candidate) -> str:
    text = plain(sentence.text)
    if text.endswith(":"):  # a list's lead-in: its items follow
        return text
    # A clause of a list ends the quote cleanly ("…, and" / "…;").
    text = LIST_JOINER.sub("", text).rstrip(" ;:,")
    if not text.endswith((".", "!", "?", "”", '"')):
        text += "."
    return text


def _speaker(passage: Passage) -> str:
    """'National Shooting Sports Foundation (NSSF, advocacy)', 'the Casefile primer — editorial
    summary' (the project's own summary, named as such)."""
    if passage.is_primer:
        return f"the {PRIMER_LABEL}"
    who = passage.publisher or passage.title
    name, _, aside = who.partition(" (")
    if aside and len(aside) <= 12:  # a short aside is an acronym worth keeping
        return f"{name} ({aside.rstrip(')')}, {passage.kind_label})"
    return f"{name} ({passage.kind_label})"


PERCENT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b)")


def _differing_figures(chosen: list[Candidate], numbers: dict[str, int]) -> list[str]:
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
                f"{names} are companion bills: one act, as introduced in each chamber."
            )
    return notes
