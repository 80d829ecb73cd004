"""Generic evidence features of a (question, candidate sentence) pair, for the learned ranker.

Nothing here knows a question: the features are the signals any extractive QA system has —
how close the sentence and its passage are to the question (embedding, BM25, fused rank), how
much of the question's rare vocabulary the sentence and passage contain (IDF-weighted, so a
name or term the evidence never mentions weighs heavily), and whether the sentence offers the
broad kind of answer the question's wh-word asks for (a figure for "how many", a date for
"when", a cause for "why", a definition for "what is"). The weights come from data
(index/ranker.py, trained by `python -m index.train_ranker`), not from hand-set constants.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

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
    "more", "most", "much", "many", "one", "two", "since", "while", "if", "so", "say", "said",
    "tell", "me", "us", "according", "whose", "here", "give", "explain", "describe",
    "el", "la", "los", "las", "de", "del", "que", "en", "y", "un", "una", "por", "para", "qué",
    "cuál", "cuáles", "cómo", "quién", "cuándo", "es", "se", "su", "sus", "lo", "al",
    # Negations and pronouns contracted: function words however they are spelled.
    "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "can't", "couldn't",
    "won't", "wouldn't", "shouldn't", "hasn't", "haven't", "hadn't", "i'm", "i'd", "i've",
    "it's", "that's", "there's", "what's", "who's", "let's",
})


def terms(text: str) -> set[str]:
    """Content words, crudely singular: enough to compare a question with a sentence."""
    words = (POSSESSIVE.sub("", w) for w in WORD.findall(text.lower().replace("’", "'")))
    return {w.rstrip("s") if len(w) > 3 else w for w in words if w not in STOPWORDS}


@dataclass(frozen=True)
class CorpusStats:
    """Document frequencies of terms over the served chunks: what makes a word rare."""

    chunks: int
    frequency: dict[str, int]
    # Nouns the corpus numbers as a series ("the Ninth Meeting", "118th Congress").
    series: frozenset[str] = frozenset()
    # Acronyms the corpus defines, with their long forms (index/acronyms.py).
    acronyms: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str]) -> CorpusStats:
        counts: Counter[str] = Counter()
        series: set[str] = set()
        total = 0
        for text in texts:
            counts.update(terms(text))
            series |= {named.split(" ", 1)[1] for named in ordinals_named(text)}
            total += 1
        return cls(total, dict(counts), frozenset(series))

    def idf(self, term: str) -> float:
        """Smoothed IDF, scaled to [0, 1]; a term the corpus never uses gets 1."""
        ceiling = math.log(1 + self.chunks) or 1.0
        return math.log((1 + self.chunks) / (1 + self.frequency.get(term, 0))) / ceiling


# Broad question forms (the wh-word and what follows it), and what a sentence offers them.
# The wh-word opens the question, or follows the "and" of a follow-up ("And when was it …").
OPENS = r"^\W*(?:(?:and|but|so|then|also|y)\s+)?"
ASKS_QUANTITY = re.compile(r"\bhow (?:many|much|long|large|often)\b|\bwhat (?:share|percent"
                           r"\w*|proportion|number|amount)\b|\bcuánt", re.I)
# A timeline or chronology is answered by dated sentences, as "when" is.
ASKS_TIME = re.compile(rf"{OPENS}(?:when|cuándo)\b|\b(?:what|which) (?:date|year|month|day)\b|"
                       r"\bby when\b|\bdeadline|\bdue\b|\btimeline\b|\bchronolog", re.I)
ASKS_PERSON = re.compile(rf"{OPENS}(?:who|quién)\b|\bwhich (?:judge|justice|senator|official|"
                         r"member|person|people)", re.I)
# "Which judges …", "which senators …": a question for named people, answered by a sentence that
# names one ("who" is not: an agency or a country answers it as well).
ASKS_NAMED_PERSON = re.compile(r"\bwhich (?:judge|justice|senator|representative|lawmaker|"
                               r"official|person|people)s?\b", re.I)
ASKS_REASON = re.compile(rf"{OPENS}(?:why|por qué)\b|\breasons?\b|\bgrounds\b|\brationale\b", re.I)
ASKS_DEFINITION = re.compile(rf"{OPENS}what (?:is|are|was|were) (?:the |an? )?"
                             r"(?:[^?]{1,40}\??$|['‘\"“])|"  # short, or a quoted term
                             r"\bdefin|\bmean\b|\bmeaning\b|^\W*qué (?:es|son)\b", re.I)
# A figure: not a year, nor part of an identifier ("GAO-09-709", "1:21-cv", "§ 922").
FIGURE = re.compile(r"(?<![§\w.:/-])(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\b(?!\))(?![:/-]\w)|"
                    r"%|\bpercent\b|"
                    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|"
                    r"eigh|nine)ty|hundreds?|thousands?|millions?|billions?|dozens?)\b", re.I)
# What a quantity question counts: "how many end-use checks …" is answered by a figure next to
# "checks", not by any figure in the sentence ("99,270 exports"); "how much" and "what share"
# want an amount or a proportion.
COUNTED_AFTER = re.compile(r"\bhow (?:many|much)\s+(.*)", re.I | re.S)
ASKS_SHARE = re.compile(r"\bwhat (?:share|percent\w*|proportion|fraction)\b", re.I)
ASKS_AMOUNT = re.compile(r"\bhow much\b", re.I)
# "How much did they pay / were they awarded": a sum of money answers it, no other figure.
# (Its words may be names with "&" or "." in them: "did Smith & Wesson pay".)
# "How much in damages / compensation did they seek": the sum is what is asked, too.
ASKS_MONEY = re.compile(r"\bhow much (?:(?:in )?(?:money|damages|compensation|fines|funding|aid)\b|"
                        r"[\w&.'’-]+(?: [\w&.'’-]+){0,5}? "
                        r"(?:pay|paid|award\w*|cost\w*|spen[dt]\w*|fined?|settle\w*|receive\w*|"
                        r"budget\w*|fund\w*|demand\w*|seek\w*|sought)\b)", re.I)
MONEY = re.compile(r"[$€£]\s?\d|\b(?:dollars?|pesos?|USD|MXN)\b", re.I)
SHARE = re.compile(r"%|\bpercent|\b(?:half|third|quarter|fifth|majority|most)\b|"
                   r"\d[\d,]* of (?:the |all )?\d", re.I)
LIST_ROW = re.compile(r"^\s*(?:[-*+•]\s|\||\d{1,3}[.)]\s)")
COUNT_WINDOW = 4  # words after a figure that may name what it counts
COUNT_BACK = 3  # … or before it ("attorneys general from seven states")
PHRASE_BREAK = re.compile(r"[,;:()]|\b(?:and|or|but|while|which)\b", re.I)
PLURAL = re.compile(r"[a-z]{2}(?<!s|u|i)s$")
DURATION = re.compile(r"\b\d+\s+(?:years?|months?|weeks?|days?|hours?)\b", re.I)
# A person's name as texts write it when they name who did something: a title before a surname
# ("Judge Saylor", "Justices Thomas and Jackson", "Sen. Padilla"), or given name, initial and
# surname. ("Justice Department" is an agency.)
PERSON = re.compile(r"\b(?:(?:Chief )?(?:Judges?|Justices?)|Senators?|Sen\.|Rep\.|Representatives?|"
                    r"Mr\.|Ms\.|Mrs\.|Dr\.|Secretary|President|Governor|Attorney General)\s+"
                    r"(?!Department\b)[A-Z][^\W\d_]+|\b[A-Z][a-z]+\s+[A-Z]\.\s+[A-Z][a-z]+")
YEAR = re.compile(r"(?<![\w-])(?:19|20)\d\d(?![\w-])")
# "2009–2014", "2014 to 2018", "2009-14": every year between counts as mentioned.
YEAR_RANGE = re.compile(r"(?<![\w-])((?:19|20)\d\d)\s?(?:[-–—]|to|through|until)\s?"
                        r"((?:19|20)?\d\d)(?![\w-])|"
                        r"\bbetween ((?:19|20)\d\d) and ((?:19|20)\d\d)\b")
DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|"
                  r"November|December)\b|\b(?:19|20)\d\d\b|\bwithin \d+|\bnot later than\b")
NAME = re.compile(r"\b[A-Z][a-z]+\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+")
CAUSE = re.compile(r"\b(?:because|due to|in order to|so that|given that|reasons?|grounds|"
                   r"rationale|purposes?|as a result|therefore|thus|since|finding|found)\b", re.I)
# What a definition question asks to be defined: a quoted term, else the words after "what is"
# up to where the question goes on to say where or why ("… under the 2005 law").
QUOTED = re.compile(r"['‘\"“]([^'’\"”]{3,80})['’\"”]")
DEFINED_SUBJECT = re.compile(rf"{OPENS}what (?:is|are|was|were|does|do) (?:the |an? )?(.+?)"
                             r"(?:\s+(?:under|in|of the|that|which|according|for|mean)\b.*)?\??$",
                             re.I)
DEFINES = re.compile(r"\bmeans\b|\bhas the meaning\b|\bis defined as\b|\brefers to\b|"
                     r"\b(?:is|are) (?:an?|the) [a-z]+", re.I)
# A question for events in order: answered with dated sentences, oldest first.
ASKS_CHRONOLOGY = re.compile(r"\btimeline\b|\bchronolog\w*|\bwalk (?:me |us )?through\b|"
                             r"\bstep by step\b|\bin (?:date |time )?order\b|\bsequence of\b",
                             re.I)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# "7 Aug 2024", "March 22, 2024", "Apr 2024", "2021": the first date a sentence gives.
DATED = re.compile(r"(?:\b(\d{1,2})\s+)?\b(" + "|".join(MONTHS) + r")[a-z]*\.?\s+"
                   r"(?:(\d{1,2}),?\s+)?((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\b", re.I)


def date_key(text: str) -> tuple[int, int, int] | None:
    """The first date of a text as (year, month, day), 0 for a part it leaves out."""
    match = DATED.search(text)
    if not match:
        return None
    day, month, day_after, year, year_alone = match.groups()
    if year_alone:
        return int(year_alone), 0, 0
    return int(year), MONTHS.index(month.lower()[:3]) + 1, int(day or day_after or 0)


# Why/overview/timeline/compare questions: answered with several sentences.
BROAD = re.compile(r"\b(?:describe|explain|overview|summar\w+|what happened|history|timeline|"
                   r"chronolog\w+|compare|comparison|differ\w*|versus|vs\.?|how has|how did|"
                   r"what (?:are|were) the (?:main|key)|arguments?|positions?|sides?)\b", re.I)
# Item labels may be bold ("**(B)**") or escaped Markdown ("\\(i\\)" for "(i)").
FRAGMENT = re.compile(r"^(?:\\?\(\w{1,4}\\?\)|\*\*|\s+)*[a-z]")

FEATURES = (
    "sentence_cosine",  # question vs sentence, MiniLM
    "heading_cosine",  # question vs the sentence's section heading (or the title): its topic
    "passage_cosine",  # question vs passage (0 when only BM25 found it)
    "passage_keyword",  # BM25 score over the best BM25 score of this question's passages
    "passage_rank",  # 1 / (1 + fused rank)
    "sentence_overlap",  # share of question terms (not in the title) in sentence + heading
    "sentence_idf_overlap",  # the same, IDF-weighted, title words count too
    "passage_idf_missing",  # IDF-weighted share of question terms absent from passage + title
    "rarest_missing",  # IDF of the rarest question term absent from passage + title
    "first_in_passage",
    "length",
    "fragment",  # starts mid-clause ("(3) meets such …")
    "named_document",  # from a document the question cites by number
    "quantity_match",  # "how many" and the sentence gives a figure
    "quantity_counted",  # … a figure for the very thing asked ("12,000 traces")
    "quantity_unmet",  # a quantity question the sentence gives no such figure for
    "time_match",
    "person_match",
    "reason_match",
    "definition_match",  # "what is X" and the sentence defines X ("X means …", "X is a …")
    "stray_definition",  # the sentence defines a term the question does not use
    # Relative to the best candidate of the same question: levels vary between questions.
    "sentence_cosine_gap",
    "sentence_idf_overlap_gap",
)
# What the support model sees: absolute signals only (a relative one marks the best candidate
# of any question, good or bad), few and little correlated, so its score means the same thing
# from one question to the next.
SUPPORT = ("sentence_cosine", "passage_cosine", "sentence_idf_overlap", "passage_idf_missing",
           "rarest_missing", "passage_rank", "quantity_unmet")
# The direction each support feature may push: closer and more of the question's words is more
# support, missing words and an unmet quantity less. Correlated features otherwise take weights
# of the wrong sign that fit the training questions and nothing else (a rare word the passage
# lacks raised support).
SUPPORT_SIGNS = {"sentence_cosine": 1, "passage_cosine": 1, "sentence_idf_overlap": 1,
                 "passage_idf_missing": -1, "rarest_missing": -1, "passage_rank": 1,
                 "quantity_unmet": -1}
RELATIVE = {"sentence_cosine_gap": "sentence_cosine",
            "sentence_idf_overlap_gap": "sentence_idf_overlap"}


@dataclass(frozen=True)
class QuestionForm:
    text: str
    terms: frozenset[str]
    quantity: bool
    time: bool
    person: bool
    reason: bool
    definition: bool
    counted: tuple[str, ...] = ()  # stems of what "how many" counts
    years: frozenset[int] = frozenset()  # the years it names: it asks about that time
    named_person: bool = False  # "which judges …"
    ordinals: frozenset[str] = frozenset()  # "the Ninth Circuit", "118th Congress": that one
    subject: frozenset[str] = frozenset()  # what a definition question asks to be defined
    # Acronyms it uses, each with its long form's terms: a statute never calls itself "PLCAA".
    spelled: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def of(cls, question: str, context: str = "") -> QuestionForm:
        """The form of ``question``; ``context`` is the earlier question a follow-up leans on:
        its words say what the follow-up is about, never what kind of answer it wants ("Who
        sponsored the bill?" then "And when was it introduced?" asks for a date)."""
        about = f"{context} {question}" if context else question
        return cls(
            question,
            frozenset(terms(about)),
            bool(ASKS_QUANTITY.search(question)),
            bool(ASKS_TIME.search(question)),
            bool(ASKS_PERSON.search(question)),
            bool(ASKS_REASON.search(question)),
            bool(ASKS_DEFINITION.search(question.strip())),
            _counted(question),
            frozenset(years_named(about)),
            named_person=bool(ASKS_NAMED_PERSON.search(question)),
            subject=_defined_subject(question),
            ordinals=frozenset(ordinals_named(about)),
        )

    def spelled_out(self, acronyms: Mapping[str, str]) -> QuestionForm:
        """The form knowing the long forms of the acronyms it uses (those the corpus defines)."""
        used = tuple((term, frozenset(terms(long)))
                     for acronym, long in acronyms.items()
                     for term in terms(acronym) if term in self.terms)
        return replace(self, spelled=used)

    def with_acronyms(self, words: set[str]) -> set[str]:
        """``words`` and every acronym of the question whose long form they hold in full."""
        return words | {term for term, long in self.spelled if long <= words}

    def numbered_as_in(self, stats: CorpusStats) -> QuestionForm:
        """The form with only the ordinals that name one of a series the corpus numbers too:
        "the tenth meeting" (the corpus numbers its meetings) asks for that one; "their second
        lawsuit" (it numbers no lawsuits) is a description, which any passage may answer."""
        kept = frozenset(o for o in self.ordinals if o.split(" ", 1)[1] in stats.series)
        return replace(self, ordinals=kept)

    @property
    def asks_name(self) -> bool:
        """"What is it called", "its short title": the only questions a short title answers."""
        return bool(re.search(r"\b(?:title|called|named?|cited)\b", self.text, re.I))

    @property
    def chronology(self) -> bool:
        """"A timeline of …", "walk me through …": events, in the order they happened."""
        return bool(ASKS_CHRONOLOGY.search(self.text))

    @property
    def broad(self) -> bool:
        """Why/overview-style questions want several sentences, not one fact."""
        return self.reason or self.chronology or bool(BROAD.search(self.text))



def _defined_subject(question: str) -> frozenset[str]:
    if not ASKS_DEFINITION.search(question.strip()):
        return frozenset()
    quoted = QUOTED.search(question)
    if quoted:
        return frozenset(terms(quoted.group(1)))
    match = DEFINED_SUBJECT.match(question.strip())
    return frozenset(terms(match.group(1))) if match else frozenset()


def _unmarked(sentence: str) -> str:
    """Bold markers and Markdown escapes removed: they would hide "means" or a defined term."""
    return re.sub(r"\*\*|`|\\", "", sentence)


def defines_subject(form: QuestionForm, sentence: str) -> bool:
    """The sentence defines what the question asks about: "The term 'X' means …", "X is a …"
    (the asked words before the defining verb), not some other term of the same statute."""
    if not form.subject:
        return False
    text = _unmarked(sentence)
    match = DEFINES.search(text)
    return bool(match) and form.subject <= terms(text[: match.start()])


# "The term “covered country” means …", "(3) Crate courier The term crate courier means …"
TERM_DEFINED = re.compile(r"\bterms?\s+[“\"']?(.{2,80}?)[”\"']?\s+"
                          r"(?:means|has the meaning|includes)\b", re.S)


def defines_another_term(form: QuestionForm, sentence: str) -> bool:
    """A statute's definition of a term the question never uses ("the term appropriate
    congressional committees means …" for a question about what a bill would do), or, for a
    definition question, of any term but the one asked ("covered munition" for "previously
    covered item"): the definition answers nothing asked."""
    match = TERM_DEFINED.search(_unmarked(sentence))
    if not match:
        return False
    defined = terms(match.group(1))
    return not form.subject <= defined if form.subject else not defined & form.terms


def _stem(word: str) -> str:
    return word.lower()[:5]


def counted_words(question: str) -> list[str]:
    """The words after "how many" / "how much", up to the first function word."""
    match = COUNTED_AFTER.search(question)
    words = WORD.findall(match.group(1))[:COUNT_WINDOW] if match else []
    phrase: list[str] = []
    for i, word in enumerate(words):
        # A function word inside a name goes on ("how many Fast and Furious guns").
        inside_name = 0 < i < len(words) - 1 and words[i - 1][0].isupper() \
            and words[i + 1][0].isupper()
        if word.lower() in STOPWORDS and not inside_name:
            break
        phrase.append(word)
    return _counted_head(phrase)


# "How many people …" counts whoever the answer names ("100 defendants", "40 agents").
ANYONE = frozenset({"people", "persons", "individuals"})


def _counted(question: str) -> tuple[str, ...]:
    """The stem of the noun "how many" counts: the plural head of the words after it ("how many
    customs inspectors were …" counts inspectors), else the last of those words; none for
    "people", which any count of persons answers."""
    head = counted_words(question)[-1:]
    return () if {w.lower() for w in head} & ANYONE else tuple(_stem(w) for w in head)


def _counted_head(phrase: list[str]) -> list[str]:
    """The counted noun phrase up to its plural head ("state customs inspectors"); what follows
    the head is the question's verb ("judges dissented")."""
    plural = [i for i, w in enumerate(phrase) if PLURAL.search(w)]
    return phrase[: plural[0] + 1] if plural else phrase


def gives_asked_quantity(form: QuestionForm, sentence: str, heading: str = "") -> bool:
    """The sentence gives the figure a quantity question asks for (not just any number)."""
    if not form.quantity:
        return False
    if ASKS_SHARE.search(form.text):
        return bool(SHARE.search(sentence))
    if ASKS_MONEY.search(form.text):
        return bool(MONEY.search(sentence))
    if ASKS_AMOUNT.search(form.text) and DURATION.search(sentence):
        return True
    asked_numbers = set(re.findall(r"\d[\d,.]*", form.text))  # ".50-caliber" counts nothing
    figures = [m for m in FIGURE.finditer(sentence) if m.group() not in asked_numbers]
    if not form.counted or not figures:
        return bool(figures)
    # A list of figures under a heading that names what they count ("Guns trafficked: …"); only
    # a list's item or a table's row: a provision under "(b) Inclusion of certain rifles" that
    # gives a deadline in months counts no rifles.
    if LIST_ROW.match(sentence) and {_stem(w) for w in WORD.findall(heading)} & set(form.counted):
        return True
    for figure in figures:
        after = WORD.findall(sentence[figure.end():])[:COUNT_WINDOW]
        # Back only within the figure's own phrase: "visits and approved 4,210" is not it.
        before = WORD.findall(PHRASE_BREAK.split(sentence[: figure.start()])[-1])[-COUNT_BACK:]
        if {_stem(w) for w in after + before} & set(form.counted):
            return True
    return False


def years_named(text: str) -> set[int]:
    """The years a text mentions, with every year inside a range it gives."""
    years = {int(y) for y in YEAR.findall(text)}
    for match in YEAR_RANGE.finditer(text):
        first, last = match.group(1, 2) if match.group(1) else match.group(3, 4)
        start = int(first)
        end = int(last) if len(last) == 4 else start // 100 * 100 + int(last)
        if start < end <= start + 50:
            years.update(range(start, end + 1))
    return years


# One of a numbered series, named as such: "the Ninth Circuit", "the 118th Congress", "the Tenth
# Meeting", "its fifth meeting", "Volume III". "First" only capitalised ("the First Circuit"):
# "the first Supreme Court case" names no series; a later ordinal before a noun does.
ORDINAL_WORDS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
                 "Ninth", "Tenth", "Eleventh", "Twelfth")
ORDINAL_NAME = re.compile(rf"\b(First|(?i:{'|'.join(ORDINAL_WORDS[1:])})|\d+(?:st|nd|rd|th))\s+"
                          r"([A-Z][a-z]+|(?-i:[a-z]{4,}))")
ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# A capitalised noun numbered by a Roman numeral of two letters or more ("I" is a pronoun).
ROMAN_NAME = re.compile(rf"\b([A-Z][a-z]+)\s+({'|'.join(r for r in ROMANS if len(r) > 1)})\b")
SPELLED_ORDINAL = {w.lower(): str(i) for i, w in enumerate(ORDINAL_WORDS, start=1)}


def ordinals_named(text: str) -> set[str]:
    """The ordinal names a text uses, as "9 circuit" (spelled, in figures or in Roman numerals,
    the same)."""
    named = set()
    for ordinal, noun in ORDINAL_NAME.findall(text):
        number = SPELLED_ORDINAL.get(ordinal.lower()) or re.sub(r"\D", "", ordinal)
        named.add(f"{number} {noun.lower()}")
    for noun, roman in ROMAN_NAME.findall(text):
        named.add(f"{ROMANS.index(roman) + 1} {noun.lower()}")
    return named


def meets_question(form: QuestionForm, sentence: str, context: str, passage: str = "") -> bool:
    """What a question's own words demand of its answer, beyond a figure: a question that names a
    year asks about that year, so its answer, or the section, title or date of the answer's
    document (``context``), mentions it; one that names one of a series ("the Tenth Meeting")
    asks about that one, so the answer's passage names it too (the Ninth Meeting's passage does
    not answer); "which judges" is answered by a sentence naming one."""
    if form.years and not form.years & years_named(f"{sentence} {context}"):
        return False
    if form.ordinals and not form.ordinals <= ordinals_named(f"{passage} {context}"):
        return False
    return not form.named_person or bool(PERSON.search(sentence))


# A capitalised word inside a sentence ("Justice Alito", "the European Union"): a name, unless
# it is an acronym or an abbreviation ("FTO", "H.R."), which texts often spell out instead.
CAPITALISED_WORD = re.compile(r"(?<![\w.’'-])[A-Z][a-z][^\W\d_]*(?:[’'-][^\W\d_]+)*(?![\w.])")
NAME_RUN = re.compile(r"[A-Z][^\W_]*(?:[’'-][^\W_]+)*(?: [A-Z][^\W_]*(?:[’'-][^\W_]+)*)*")
SENTENCE_START = re.compile(r"(?:^|[.?!:;\"“(—–-])\s*$")


def unknown_names(text: str, stats: CorpusStats) -> list[str]:
    """The names in a question that no passage of the corpus uses: the corpus cannot say
    anything about them (checked literally, as figures and names are elsewhere: embeddings
    place "Justice Alito" next to "Justice Kagan"). A sentence's first word is not taken for a
    name, nor is an acronym."""
    found = []
    for run in NAME_RUN.finditer(text):
        inside = [m for m in CAPITALISED_WORD.finditer(run.group())
                  if not SENTENCE_START.search(text[: run.start() + m.start()])]
        if any((words := terms(m.group())) and all(stats.frequency.get(w, 0) == 0
                                                   for w in words) for m in inside):
            # Named as the question names it: "the European Union", "Justice Alito".
            found.append(run.group()[inside[0].start():])
    return list(dict.fromkeys(found))


def _weighted_share(wanted: Iterable[str], present: set[str], stats: CorpusStats) -> float:
    weights = {t: stats.idf(t) for t in wanted}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def sentence_features(
    form: QuestionForm,
    stats: CorpusStats,
    *,
    sentence: str,
    heading: str,
    passage_text: str,
    title: str,
    sentence_cosine: float,
    heading_cosine: float,
    passage_cosine: float,
    passage_keyword: float,
    rank: int,
    first: bool,
    named: bool,
) -> list[float]:
    """The feature vector, in the order of FEATURES."""
    asked = form.terms
    title_terms = form.with_acronyms(terms(title))
    said = form.with_acronyms(terms(sentence) | terms(heading))
    context = form.with_acronyms(terms(passage_text) | title_terms)
    plain_asked = asked - title_terms
    overlap = len(plain_asked & said) / len(plain_asked) if plain_asked else 0.0
    missing = [stats.idf(t) for t in asked if t not in context]
    words = len(WORD.findall(sentence))
    return [
        sentence_cosine,
        heading_cosine,
        passage_cosine,
        passage_keyword,
        1.0 / (1 + rank),
        overlap,
        _weighted_share(asked, said | title_terms, stats),
        1.0 - _weighted_share(asked, context, stats),
        max(missing, default=0.0),
        float(first),
        min(words, 60) / 60,
        float(bool(FRAGMENT.match(sentence.lstrip("*#> ")))),
        float(named),
        float(form.quantity and bool(FIGURE.search(sentence))),
        float(counted := gives_asked_quantity(form, sentence, heading)),
        float(form.quantity and not counted),
        float(form.time and bool(DATE.search(sentence))),
        float(form.person and bool(NAME.search(sentence))),
        float(form.reason and bool(CAUSE.search(sentence))),
        float(defines_subject(form, sentence)),
        float(defines_another_term(form, sentence)),
    ]


def add_relative(vectors: list[list[float]]) -> None:
    """Append each RELATIVE feature: the candidate's value minus the best among the question's
    candidates (so 0 marks the leader on that signal)."""
    for name in FEATURES[len(FEATURES) - len(RELATIVE):]:
        column = FEATURES.index(RELATIVE[name])
        best = max((v[column] for v in vectors), default=0.0)
        for vector in vectors:
            vector.append(vector[column] - best)
