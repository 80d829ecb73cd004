"""What kind of answer a question asks for, and whether a sentence offers one.

Classic factoid-QA answer typing: "why" wants a reason, "how many" a quantity, "when … due"
a deadline. A sentence that has the right kind of answer in it is worth more than one that
merely shares the question's words ("how much prison time" is answered by "imprisoned for not
more than 15 years", which shares none of them). Plain English patterns, nothing corpus-specific.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozens?|hundreds|thousands|millions"
)
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_UNITS = r"days?|weeks?|months?|years?"
# A quantity that answers "how much / what share": 12,345, 15 percent, 6 months, seven.
QUANTITY = re.compile(rf"\b\d{{1,3}}(?:,\d{{3}})+\b|\b\d+(?:\.\d+)?\s*(?:%|percent\b|per cent\b|"
                      rf"{_UNITS}\b)|\b(?:{_NUMBER_WORDS})\b", re.I)
# Any figure but a year or a list number: what a count is written with ("757 experts",
# "seven states"), not "in 2021" or "1) selling …".
FIGURE = re.compile(
    rf"(?<![§\w.])(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\b(?!\))|\b(?:{_NUMBER_WORDS})\b", re.I
)


# "the term “felony” means …", "This Act may be cited as …": answers to "what does X mean" or
# "what is it called", noise for any other question.
DEFINITION = re.compile(
    r"\bthe terms? [“\"‘']?[^”\"’']{1,60}[”\"’']? (?:means?|has the meaning)\b|\bis defined as\b|"
    r"\bmay be cited as\b",
    re.I,
)


@dataclass(frozen=True)
class AnswerType:
    name: str
    asked_by: re.Pattern[str]  # matched against the question
    offered_by: re.Pattern[str]  # matched against a candidate sentence


ANSWER_TYPES = (
    AnswerType(
        "reason",
        re.compile(r"\bwhy\b|\bwhat (?:were |was |are |is )?(?:the )?(?:reasons?|grounds|"
                   r"justifications?|rationale)\b|\bfor what reason\b", re.I),
        re.compile(r"\b(?:because|due to|in order to|so that|so as to|given that|reasons?|"
                   r"reasoning|grounds|rationale|purposes?|as a result|therefore|thus|hence)\b|"
                   r",\s+so\s", re.I),
    ),
    AnswerType(
        "deadline",
        re.compile(r"\b(?:due|deadlines?|by what date|by when|how soon)\b", re.I),
        re.compile(rf"\b(?:within|not later than|no later than|by)\s+(?:\d+|{_NUMBER_WORDS}|"
                   rf"{_MONTH})\b", re.I),
    ),
    AnswerType(
        "date",
        re.compile(r"^\s*when (?:did|does|do|is|was|were|will|would|has|have|are|can)\b|"
                   r"\b(?:on|about|of|since) when\b|\b(?:what|which) (?:date|year|month|day)\b",
                   re.I),
        re.compile(rf"\b(?:{_MONTH})\s+\d|\b(?:in|since|until|by|from) (?:19|20)\d\d\b"),
    ),
    AnswerType(
        "quantity",
        re.compile(r"\bhow (?:many|much|long|large|big|high|often)\b|\bwhat (?:share|"
                   r"percentage|percent|proportion|fraction|number|amount|portion)\b", re.I),
        QUANTITY,
    ),
    AnswerType(
        "finding",
        # "what did the court hold", "how did the circuit rule on …" (not "adopt the rule?").
        re.compile(r"\b(?:did|does|do|will|would)\b[^?]{0,80}(?<!the )(?<!a )(?<!this )"
                   r"\b(?:conclude|find|determine|rule|hold|decide)\b(?!\s+(?:to|not)\b)",
                   re.I),
        re.compile(r"\b(?:conclu\w+|found|finds|findings?|determin\w+|ruled|rules|ruling|held|"
                   r"holds|holding|decided|decides|decision|cited|faulted|reversed|affirmed|"
                   r"dismissed|vacated|remanded)\b", re.I),
    ),
    AnswerType(
        "person",
        re.compile(r"^\s*who (?:wrote|hosted|led|chaired|signed|introduced|sponsored|decided|"
                   r"presided|said|argued|heard)\b|\bwhich (?:judge|justices?|senators?|"
                   r"officials?|lawmakers?|members?|president|secretary)\b", re.I),
        # A name after a title or office: "Justice Kagan", "Judge F. Dennis Saylor IV",
        # "Domestic Policy Advisor Susan Rice".
        re.compile(r"\b(?:Justices?|Judge|Senators?|Sen\.|Representative|Rep\.|President|"
                   r"Secretary|Attorney General|Mr\.|Ms\.|Mrs\.|Dr\.|Director|Advisor|Counsel|"
                   r"Ambassador|Governor)\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+"),
    ),
    AnswerType(
        "purpose",
        # "what does the ARMAS Act do?" — a bill answers with its long title ("To require …").
        re.compile(r"\bwhat (?:does|do|would|did|will) [^?]{1,80}? do\b|\b(?:purposes?|aims?|"
                   r"goals?)\b|\bwhat is [^?]{1,60} (?:for|about)\b", re.I),
        re.compile(r"^\s*To [a-z]+\b|\bpurposes? (?:of|is|are|was)\b|\b(?:would|will|shall) "
                   r"(?:require|prohibit|allow|create|repeal|establish|amend|direct)\b"),
    ),
    AnswerType(
        "definition",
        re.compile(r"\bdefin\w*|\bwhat (?:does|do|is|are) .{1,60}\bmean\b|\bmeaning of\b|"
                   r"\bshort title\b|\bcalled\b|\bcited as\b", re.I),
        DEFINITION,
    ),
    AnswerType(
        "penalty",
        re.compile(r"\b(?:prison|jail|imprison\w*|sentenced?|penalt\w+|punish\w*|fined?)\b",
                   re.I),
        re.compile(r"\b(?:imprison\w*|prison|fined|penalt\w+)\b", re.I),
    ),
)


COUNTED = re.compile(r"\bhow many\s+(?:of\s+)?(?:the\s+|these\s+|those\s+|its\s+|their\s+)?"
                     r"((?:[A-Za-z’'-]+\s+){0,3}[A-Za-z’'-]+)", re.I)
PHRASE_ENDS = frozenset({
    "and", "or", "of", "to", "in", "on", "for", "by", "with", "at", "from", "that", "who",
    "which", "have", "has", "had", "were", "was", "are", "is", "did", "do", "does", "will",
    "would", "could", "can", "been", "be",
})
# Words a corpus about firearms uses for the same thing; counting one counts the others.
SAME_THING = ({"gun", "firearm", "weapon", "arm", "rifle", "pistol", "handgun"},)


@dataclass(frozen=True)
class Expectation:
    """What a question expects of the sentence that answers it."""

    types: tuple[AnswerType, ...]
    counted: str | None  # "officers" for "how many army officers …"

    @classmethod
    def of(cls, question: str) -> Expectation:
        names = {t.name for t in ANSWER_TYPES if t.asked_by.search(question)}
        if "deadline" in names:
            names.discard("date")  # "when is it due" wants the deadline, not any date
        return cls(tuple(t for t in ANSWER_TYPES if t.name in names), _counted(question))

    def offers(self, sentence: str) -> int:
        """How many of the asked-for kinds of answer the sentence contains."""
        return sum(1 for t in self.types if t.offered_by.search(sentence))

    def offers_all(self, sentence: str) -> bool:
        return self.offers(sentence) == len(self.types)

    def stray_definition(self, sentence: str) -> bool:
        """A definition ("the term X means …") when the question asks for none."""
        asked = any(t.name == "definition" for t in self.types)
        return not asked and bool(DEFINITION.search(sentence))

    def counts(self, sentence: str) -> bool:
        """Whether the sentence gives a number of what a "how many" question counts (true if
        the question counts nothing)."""
        if self.counted is None:
            return True
        if not FIGURE.search(sentence):
            return False
        counted = _singular(self.counted)
        words = {_singular(w) for w in re.findall(r"[a-z]+", sentence.lower())}
        same = [group for group in SAME_THING if counted in group]
        return counted in words or any(words & group for group in same)


def _counted(question: str) -> str | None:
    """The plural noun a "how many" question counts: the last one before the verb or a
    preposition ("officers" in "how many customs officers were …"). None without a clear one
    ("how many people" has no plural -s; "how many times" is answered by "twice")."""
    if not (match := COUNTED.search(question)):
        return None
    phrase = []
    for word in match.group(1).lower().split():
        if word in PHRASE_ENDS:
            break
        phrase.append(word)
    plurals = [w for w in phrase if len(w) > 3 and w.endswith("s") and not w.endswith("ss")]
    return None if not plurals or plurals[-1] == "times" else plurals[-1]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word
