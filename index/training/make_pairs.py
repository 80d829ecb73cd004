"""`python -m index.training.make_pairs`: labelled (question, sentence) pairs made from the corpus.

The answerability model (index/training/train_answerability.py) learns from these rows whether a
sentence answers a question. Every row is made from the corpus alone, never from an eval file:

- **answerable**: a sentence that holds a detail (a year or date, a figure, a name, a court) is
  turned into the question it answers by putting a wh-phrase where the detail was ("The district
  court dismissed the suit in what year?"); a definition ("the term X means …") answers "What
  does X mean?". Label 1 with its own sentence.
- **near-miss**: the same question with one *other* detail changed — another year, figure or
  name of the same kind the corpus uses elsewhere, or the outcome turned round (reversed ↔
  affirmed). The corpus does not answer it; label 0 with the source sentence.
- **false premise**: "Why …?" over the sentence's claim with one detail changed; label 0 with
  it, while its twin over the claim as the sentence makes it is labelled 1 (the sentence bears
  the premise out), so the template itself says nothing.
- **hard negatives**: the answerable question against the sentences beside its own and against
  the sentence of another document that shares most words with it; label 0.
- **off-topic**: questions outside the corpus (written here, generic) against the sentences that
  share most words with them; label 0.

Rows hold ids, offsets and the generated question; the sentence is read back from the corpus
(``sentence_text``). The questions echo corpus sentences, so the rows are written to the
git-ignored ``.casefile-training/`` and never committed. Deterministic for a seed.

    python -m index.training.make_pairs                      # -> .casefile-training/pairs.jsonl
    python -m index.training.make_pairs --sample 50          # print 50 rows to read
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from index.features import terms
from index.sentences import HEADING, sentences

# Generated rows stay out of git: their questions are made of corpus sentences (third-party
# text), so they are written here and rebuilt by the commands in the README.
WORK = Path(__file__).resolve().parents[2] / ".casefile-training"
OUT = WORK / "pairs.jsonl"
READERS = WORK / "llm-questions.jsonl"
MIN_WORDS, MAX_WORDS = 8, 45
ASKED_PER_SENTENCE = 2
MIN_QUESTION, MAX_QUESTION = 6, 32  # words
QUESTION_WORDS = 30  # an echo question is cut to about this many words around its wh-phrase
HELD_OUT_SHARE = 0.15  # of documents, by a hash of their id: the training script's test split

# -- details a sentence holds ------------------------------------------------------------------

MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
         r"December)")
FULL_DATE = re.compile(rf"\b(?:on |in )?{MONTH} \d{{1,2}}, (?:19|20)\d\d\b|"
                       rf"\b(?:on |in )?\d{{1,2}} {MONTH} (?:19|20)\d\d\b")
MONTH_YEAR = re.compile(rf"\b(?:in )?{MONTH} (?:19|20)\d\d\b")
YEAR = re.compile(r"\b(?:in )?(?<![\w.-])(?:19[6-9]\d|20[0-3]\d)(?![\w.-])")
FIGURE = re.compile(r"(?<![\w.$§/-])\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?: (?:million|billion))?"
                    r"(?: percent\b|%)?|(?<![\w.$§/-])\$?\d+(?:\.\d+)?(?: (?:million|billion))?"
                    r"(?: percent\b|%)|(?<![\w.$§/-])\$\d+(?:\.\d+)?(?: (?:million|billion))?|"
                    r"(?<![\w.$§/(-])(?!(?:19|20)\d\d\b)\d{2,}(?![\w.,/)-])")
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
            "Tenth", "Eleventh")
COURT = re.compile(rf"\b(?:the )?(?:(?:{'|'.join(ORDINALS)}) Circuit|Supreme Court|"
                   r"(?:federal )?district court|court of appeals)\b", re.I)
TITLED = re.compile(r"\b(?:(?:Chief|Foreign|Deputy|Vice|Acting) )?(?:Judge|Justice|Senator|"
                    r"Sen\.|Rep\.|Representative|Secretary|President|Governor|Minister|"
                    r"Attorney General)\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")
# A run of capitalised words inside a sentence naming an institution or an instrument, asked
# for by its kind ("which department", "which act"): the generic nouns of government and law.
NAME_RUN = re.compile(r"(?<=[a-z,;] )(?:the )?[A-Z][a-z]+(?:(?: of(?: the)?| and| for| on)? "
                      r"[A-Z][a-z]+)+")
INSTITUTIONS = frozenset((
    "department", "bureau", "office", "agency", "administration", "commission", "committee",
    "council", "court", "act", "program", "programme", "initiative", "framework", "strategy",
    "unit", "task", "force", "service", "dialogue", "summit", "foundation", "association",
    "operation", "list", "center", "centre", "network", "coalition", "partnership", "institute",
    "board", "division", "plan", "fund",
))
# Outcomes a near-miss may turn round: the language of rulings, bills and figures, not of one
# document.
OPPOSITES = {
    "reversed": "affirmed", "affirmed": "reversed", "granted": "denied", "denied": "granted",
    "dismissed": "allowed", "upheld": "struck down", "rejected": "accepted",
    "accepted": "rejected", "increased": "decreased", "decreased": "increased",
    "rose": "fell", "fell": "rose", "approved": "blocked", "introduced": "enacted",
    "prohibits": "permits", "requires": "forbids", "unanimously": "narrowly",
}
OUTCOME = re.compile(r"\b(?:" + "|".join(OPPOSITES) + r")\b")
# "section 932 or 933", "title 18", "Public Law 108–7": numbers that refer, not count.
REFERENCE = re.compile(r"\b(?:[Ss]ections?|[Tt]itles?|[Cc]hapters?|[Pp]aragraphs?|No\.|Nos\.|"
                       r"[Pp]ublic [Ll]aw|U\.S\.C\.|Stat\.|[Vv]ol\.|[Pp]art|§+)\s*[\w().–-]+"
                       r"(?:\s*(?:,|or|and|through)\s*[\w().–-]+)*")
KINDS = ("date", "year", "figure", "court", "person", "name")
WH = {"date": "on what date", "year": "in what year", "figure": "how many",
      "court": "which court", "person": "who", "name": "which organisation"}
SHARE_OR_MONEY = re.compile(r"%|percent|\$|million|billion")
DEFINITION = re.compile(r"\b[Tt]he terms? [“\"']([^”\"']{2,60})[”\"'] (?:means|includes|has the "
                        r"meaning)")

# Questions the corpus cannot answer, in and out of its vocabulary (written here, for no eval
# set): the off-topic kind of unanswerable question.
OFF_TOPIC = (
    "What is the capital of Peru?", "How do I bake sourdough bread at home?",
    "Who won the 2018 World Cup final?", "What is the boiling point of water at altitude?",
    "How many moons does Jupiter have?", "What causes the northern lights?",
    "Which vaccine schedule do pediatricians recommend?", "How do I renew a passport?",
    "What did Canada's parliament decide about hunting licences?",
    "How many firearms did Brazil export to Argentina last year?",
    "What did the European Union rule on tobacco advertising?",
    "Who is the mayor of Toronto?", "What are the rules for fishing permits in Alaska?",
    "How did the tariff dispute over steel with China end?",
    "What did the Australian buyback program cost?",
    "Which Japanese court heard the sword-import case?",
    "What is the penalty for jaywalking in Ohio?",
    "How many wildfires burned in California in 2020?",
    "Who sponsored the 1994 crop insurance reform?", "What does the Clean Water Act require?",
)


@dataclass
class Sentence:
    doc: str  # the corpus file name without its suffix
    start: int  # offsets in the document body
    end: int
    text: str  # cleaned for reading; never written out


@dataclass
class Pair:
    qid: str
    question: str
    doc: str
    start: int
    end: int
    label: int
    kind: str  # answerable | near-miss | false-premise | hard-negative | off-topic
    detail: str = ""  # the kind of detail asked for or changed
    source: str = ""  # the qid this row was made from (near-misses and false premises)


@dataclass
class Detail:
    kind: str
    start: int
    end: int
    text: str


def clean(text: str) -> str:
    text = re.sub(r"\*\*|`|\\(?=[()\[\].*_#-])", "", text)
    text = re.sub(r"^\s*(?:[-*+•]|\(\w{1,4}\)|\d{1,3}[.)])\s+", "", text)
    return re.sub(r"\s+", " ", text.replace("|", " ")).strip()


def documents(folders: Iterable[Path]) -> list[Path]:
    return [p for folder in folders for p in sorted(folder.rglob("*.md"))
            if p.name.upper() not in {"README.MD", "CATALOG.MD"}]


# A document of a larger collection is sampled when it is about the corpus's subject; a
# transcript (press briefings, remarks) is made of questions and asides, not statements.
TOPIC = re.compile(r"\b(?:firearms?|guns?|cartels?|traffick\w*|fentanyl|Mexic\w+|border)\b", re.I)
TRANSCRIPT = re.compile(r"press-briefings|remarks|speeches", re.I)


def topical_sample(folder: Path, count: int, seed: int) -> list[Path]:
    """``count`` documents of ``folder`` that mention the subject at least five times."""
    chosen = [p for p in documents([folder]) if not TRANSCRIPT.search(str(p.relative_to(folder)))
              and len(TOPIC.findall(p.read_text(errors="replace"))) >= 5]
    random.Random(seed).shuffle(chosen)
    return sorted(chosen[:count])


def corpus_sentences(folders: Iterable[Path], paths: Iterable[Path] = ()) -> Iterator[Sentence]:
    from ingest.readers import BadDocument, load_document

    for path in [*documents(folders), *paths]:
        try:
            body = load_document(path).text
        except BadDocument:
            continue
        for start, end in sentences(body):
            raw = body[start:end]
            if HEADING.match(raw) or raw.lstrip().startswith("|--") or "http" in raw:
                continue
            text = clean(raw)
            if (MIN_WORDS <= len(text.split()) <= MAX_WORDS and text[0].isupper()
                    and text.endswith((".", "!", '"', "”", ")"))):
                yield Sentence(path.stem, start, end, text)


def details(text: str) -> list[Detail]:
    """The details a question may ask for or change, not overlapping, in order."""
    found: list[Detail] = []
    taken: list[tuple[int, int]] = []
    patterns = [("date", FULL_DATE), ("date", MONTH_YEAR), ("year", YEAR), ("court", COURT),
                ("person", TITLED), ("figure", FIGURE), ("name", NAME_RUN)]
    references = [m.span() for m in REFERENCE.finditer(text)]
    for kind, pattern in patterns:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if kind == "figure" and any(a <= m.start() < b for a, b in references):
                continue  # "section 922 or 923", "title 18": a reference, not a quantity
            if kind == "name" and name_head(m.group()) not in INSTITUTIONS:
                continue
            found.append(Detail(kind, m.start(), m.end(), m.group()))
            taken.append(m.span())
    return sorted(found, key=lambda d: d.start)


# -- questions ---------------------------------------------------------------------------------

# Words a question never ends on: a stretch cut there would dangle ("… shall ensure that?").
DANGLING = re.compile(r"(?:\s+(?:to|the|an?|of|and|or|for|by|with|from|that|is|are|was|in|on|at|"
                      r"its|their|which|who|as|than|be|has|have|had|shall|will|would))+$", re.I)
CLAUSE_BREAK = re.compile(r"[;:]\s|\s[—–]\s")


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end), cut at commas to about QUESTION_WORDS words; never
    inside a word."""
    left = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    right_match = CLAUSE_BREAK.search(text, end)
    right = right_match.start() if right_match else len(text)
    # Trailing clauses go while the stretch is too long (leading ones stay: a question that
    # opens mid-sentence reads as nonsense).
    cuts = [end + m.start() for m in re.finditer(r",\s", text[end:right])]
    while len(text[left:right].split()) > QUESTION_WORDS and cuts:
        right = cuts.pop()
    return left, right


def name_head(name: str) -> str:
    """What kind of thing a name names: "the Department of Justice" → "department", "the
    North American Leaders' Summit" → "summit"."""
    words = [w for w in re.sub(r"^the ", "", name).split() if w[0].isupper()]
    if " of " in name:
        return words[0].lower()
    return words[-1].lower().strip("’'")


def _wh_phrase(detail: Detail) -> str:
    if detail.kind == "name":
        return f"which {name_head(detail.text)}"
    if detail.kind == "figure" and SHARE_OR_MONEY.search(detail.text):
        return "how much" if "$" in detail.text else "what share"
    wh = WH[detail.kind]
    if detail.kind in ("date", "year") and not detail.text.lower().startswith(("in ", "on ")):
        wh = wh.split(" ", 1)[1]  # "what year", not "in what year", where no preposition was
    return wh


def echo_question(text: str, detail: Detail) -> str | None:
    """The sentence, cut to a short stretch around the detail, with a wh-phrase in its place:
    "The First Circuit reversed the dismissal in what year?"."""
    left, right = _window(text, detail.start, detail.end)
    # "the Department of X" → "which department", not "the which department".
    before = re.sub(r"(?:^|\s)(?:[Tt]he|an?|A|An)$", "", text[left:detail.start].strip(" ,"))
    after = text[detail.end:right].strip(" ,.;:")
    wh = _wh_phrase(detail)  # "… seized 12,345 firearms …" → "… seized how many firearms …"
    if not before and detail.kind in ("date", "year"):
        # a fronted date ("In 2021, Mexico sued …"): asked at the end instead
        question = f"{after} {wh}"
    elif not before:  # the subject: "Which department will revise …?"
        question = f"{wh} {after}"
    else:
        question = f"{before} {wh} {after}".strip()
    question = re.sub(r"\s+", " ", re.sub(r"\([^()]*\)", "", question)).strip(" ,")
    question = DANGLING.sub("", question).strip(" ,")
    if not MIN_QUESTION <= len(question.split()) <= MAX_QUESTION or wh not in question:
        return None  # a stub ("What date?") or a clause too long to read as a question
    return question[0].upper() + question[1:] + "?"


def definition_question(text: str) -> str | None:
    m = DEFINITION.search(text)
    return f"What does the term “{m.group(1)}” mean?" if m else None


class Changer:
    """Another detail of the same kind, as the corpus uses elsewhere: what a near-miss swaps in."""

    def __init__(self, pool: dict[str, list[str]], rng: random.Random) -> None:
        self.pool = {k: sorted(set(v)) for k, v in pool.items()}
        self.rng = rng

    def other(self, detail: Detail) -> str | None:
        text = detail.text
        if detail.kind in ("year", "date"):
            year = re.search(r"(?:19|20)\d\d", text)
            if not year:
                return None
            shift = self.rng.choice([-3, -2, -1, 1, 2, 3])
            return text.replace(year.group(), str(int(year.group()) + shift))
        if detail.kind == "figure":
            number = re.search(r"\d[\d,]*(?:\.\d+)?", text)
            if not number:
                return None
            value = float(number.group().replace(",", ""))
            factor = self.rng.choice([0.5, 2, 3, 1.5])
            changed = value * factor
            if "." in number.group():
                written = f"{changed:.1f}"
            else:
                changed = round(changed)
                written = f"{changed:,}" if "," in number.group() else str(changed)
            if written == number.group():
                return None
            return text.replace(number.group(), written, 1)
        choices = [c for c in self.pool.get(detail.kind, []) if c.lower() != text.lower()]
        if detail.kind == "name":  # another of the same kind: a department for a department
            head = name_head(text)
            choices = [c for c in choices if name_head(c) == head
                       and c.startswith("the ") == text.startswith("the ")]
        if detail.kind == "court":
            choices = [c for c in choices if c.lower().startswith("the ") == text.lower()
                       .startswith("the ")] or choices
        return self.rng.choice(choices) if choices else None


def turned_round(text: str) -> tuple[str, str] | None:
    m = OUTCOME.search(text)
    return (m.group(), OPPOSITES[m.group()]) if m else None


# -- the rows ----------------------------------------------------------------------------------

def _qid(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def held_out(doc: str) -> bool:
    """The training script's test split: whole documents, so no test sentence is seen."""
    return int(hashlib.sha1(doc.encode()).hexdigest(), 16) % 1000 < HELD_OUT_SHARE * 1000


def make_pairs(all_sentences: list[Sentence], seed: int = 13,
               negatives_per_question: int = 3,
               readers: dict[tuple[str, int], str] | None = None) -> list[Pair]:
    """The rows. ``readers`` maps a sentence (document, start) to a reader's question written
    for it (llm_questions.py): each is a pair too, with its near-miss twin and negatives."""
    readers = readers or {}
    rng = random.Random(seed)
    found = {id(s): details(s.text) for s in all_sentences}
    pool: dict[str, list[str]] = defaultdict(list)
    for s in all_sentences:
        for d in found[id(s)]:
            pool[d.kind].append(d.text)
    changer = Changer(pool, rng)
    by_doc: dict[str, list[Sentence]] = defaultdict(list)
    for s in all_sentences:
        by_doc[s.doc].append(s)
    words = {id(s): terms(s.text) for s in all_sentences}
    position = {id(s): i for sents in by_doc.values() for i, s in enumerate(sents)}

    holding: dict[str, list[int]] = defaultdict(list)  # term → sentences using it
    for i, s in enumerate(all_sentences):
        for term in words[id(s)]:
            holding[term].append(i)
    common = max(50, len(all_sentences) // 20)  # a term this widespread finds nothing

    def closest_elsewhere(question: str, doc: str, n: int) -> list[Sentence]:
        asked = terms(question)
        near = {i for t in asked if len(holding.get(t, ())) <= common for i in holding[t]}
        scored = [(len(asked & words[id(s)]) / (1 + len(words[id(s)]) ** 0.5), s)
                  for s in (all_sentences[i] for i in sorted(near)) if s.doc != doc]
        scored.sort(key=lambda x: (-x[0], x[1].doc, x[1].start))
        return [s for _, s in scored[:n]]

    def row(q: str, s: Sentence, label: int, kind: str, detail: str = "", source: str = ""
            ) -> Pair:
        return Pair(_qid(q, s.doc, s.start), q, s.doc, s.start, s.end, label, kind, detail, source)

    rows: list[Pair] = []
    for s in all_sentences:
        ds = found[id(s)]
        questions: list[tuple[str, Detail | None]] = []
        if (q := definition_question(s.text)) is not None:
            questions.append((q, None))
        reader = readers.get((s.doc, s.start))
        askable = [d for d in ds if d.kind in KINDS and "(" not in d.text]
        # Up to ASKED_PER_SENTENCE of its details, each its own question.
        for asked in rng.sample(askable, min(len(askable), ASKED_PER_SENTENCE)):
            if (q := echo_question(s.text, asked)) is not None:
                questions.append((q, asked))
        if reader:
            questions.append((reader, None))
        for question, asked in questions:
            qid = _qid(question, s.doc, s.start)
            kind = "reader" if question == reader else "answerable"
            detail = asked.kind if asked else ("definition" if kind == "answerable" else "")
            rows.append(row(question, s, 1, kind, detail))
            # Hard negatives: beside it in its document, and the closest of other documents.
            # (Never one that may answer it too: a companion bill's copy, the same detail.)
            def unlike(other: Sentence, s: Sentence = s, asked: Detail | None = asked) -> bool:
                return (other.text != s.text and (asked is None or asked.text not in other.text)
                        and _jaccard(words[id(other)], words[id(s)]) < 0.5)

            here = position[id(s)]
            siblings = [o for o in by_doc[s.doc][max(0, here - 4): here + 5] if unlike(o)]
            for other in rng.sample(siblings, min(len(siblings), negatives_per_question - 1)):
                rows.append(row(question, other, 0, "hard-negative", source=qid))
            for other in closest_elsewhere(question, s.doc, 4):
                if unlike(other):
                    rows.append(row(question, other, 0, "hard-negative", source=qid))
                    break
            if asked is None and kind != "reader":
                continue
            # Near-miss: one other detail the question keeps, changed.
            kept = [d for d in ds if d is not asked and d.text in question]
            if kind == "reader":  # a reader words the details their own way too
                kept += [d for d in details(question) if d.text not in {k.text for k in kept}]
            rng.shuffle(kept)
            for d in kept:
                changed = changer.other(d)
                if changed and changed not in s.text:
                    twin = question.replace(d.text, changed, 1)
                    if changed in twin:
                        rows.append(row(twin, s, 0, "near-miss", d.kind, qid))
                        break
            else:
                flip = turned_round(question)
                if flip:
                    old, new = flip
                    rows.append(row(re.sub(rf"\b{old}\b", new, question, count=1), s, 0,
                                    "near-miss", "outcome", qid))
            if kind == "reader":
                continue
            # False premise: why something happened that the sentence says otherwise (and its
            # true twin, which the sentence bears out).
            twins = premise_twins(s.text, ds, changer, rng.choice(PREMISES))
            if twins:
                true, false = twins
                rows.append(row(true, s, 1, "true-premise"))
                rows.append(row(false, s, 0, "false-premise", source=_qid(true, s.doc, s.start)))
    for question in OFF_TOPIC:
        for other in closest_elsewhere(question, "", negatives_per_question):
            rows.append(row(question, other, 0, "off-topic"))
    return rows


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


# How a question presupposes a claim: the true and the false premise are asked alike, so the
# model learns the claim, not the template.
PREMISES = ("Why is it that {}?", "What explains the fact that {}?", "Why {}?")


def _claim(text: str) -> str:
    claim = re.sub(r"\s+", " ", re.sub(r"\([^()]*\)", "", text)).strip(" ,.;:")
    return _lower_first(DANGLING.sub("", claim))


def premise_twins(text: str, ds: list[Detail], changer: Changer, template: str
                  ) -> tuple[str, str] | None:
    """A question presupposing the sentence's claim, and its twin presupposing the claim with
    one detail changed (or the outcome turned round): the second is a false premise."""
    for d in ds:
        changed = changer.other(d)
        if changed and changed not in text:
            left, right = _window(text, d.start, d.end)
            true = _claim(text[left:right])
            false = _claim(text[left:d.start] + changed + text[d.end:right])
            if changed not in false or len(false.split()) < MIN_QUESTION or false == true:
                continue  # the change was cut away with a parenthesis: the claim is true
            return template.format(true), template.format(false)
    flip = turned_round(text)
    if flip:
        left, right = _window(text, 0, 0)
        true = _claim(text[left:right])
        false = _claim(re.sub(rf"\b{flip[0]}\b", flip[1], text[left:right], count=1))
        if false != true:
            return template.format(true), template.format(false)
    return None


# The words a sentence may open on that are not names (lower-cased inside a question).
OPENERS = frozenset((
    "the", "a", "an", "in", "on", "at", "by", "for", "from", "through", "during", "after",
    "before", "as", "when", "since", "this", "these", "that", "those", "it", "its", "their",
    "today", "last", "under", "with",
))


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first.lower() in OPENERS else text


def sentence_text(pair: dict, bodies: dict[str, str]) -> str:
    """The row's sentence, read back from the corpus (rows never hold corpus text)."""
    return clean(bodies[pair["doc"]][pair["start"]:pair["end"]])


def corpus_bodies(folders: Iterable[Path], paths: Iterable[Path] = ()) -> dict[str, str]:
    from ingest.readers import load_document

    return {p.stem: load_document(p).text for p in [*documents(folders), *paths]}


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    from index.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m index.training.make_pairs",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, help="default: the configured corpus")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, default=0, help="print this many rows to read")
    parser.add_argument("--also", type=Path, help="a larger collection to sample documents from "
                        "(the bench corpus, unpacked)")
    parser.add_argument("--also-docs", type=int, default=150)
    parser.add_argument("--readers", type=Path, default=READERS,
                        help="readers' questions written by llm_questions.py (if present)")
    args = parser.parse_args(argv)
    folders = args.folders or [f for f in load_settings().corpus if f.exists()]
    extra = topical_sample(args.also, args.also_docs, args.seed) if args.also else []
    all_sentences = list(corpus_sentences(folders, extra))
    readers = {(r["doc"], r["start"]): r["question"] for r in _read(args.readers)}
    rows = make_pairs(all_sentences, seed=args.seed, readers=readers)
    if args.sample:
        texts = {(s.doc, s.start): s.text for s in all_sentences}
        for pair in random.Random(args.seed).sample(rows, min(args.sample, len(rows))):
            print(f"[{pair.kind} {pair.label}] Q: {pair.question}\n    S: "
                  f"{texts[(pair.doc, pair.start)]}\n")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for pair in rows:
            out.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")
    counts: dict[str, int] = defaultdict(int)
    for pair in rows:
        counts[pair.kind] += 1
    print(f"{len(all_sentences)} sentences of {len({s.doc for s in all_sentences})} documents "
          f"→ {len(rows)} rows ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}) "
          f"→ {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
