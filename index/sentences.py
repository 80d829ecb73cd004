"""Sentence segmentation that keeps offsets, for texts wrapped at fixed width.

Many corpus documents (White House releases, bill text) break lines mid-sentence, so a single
newline is a space unless the next line starts a list item, heading, table row or clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

BLOCK_START = re.compile(
    r"^\s*(?:#{1,6}\s|\||[-*+•]\s|\(\w{1,4}\)\s|\*\*\(\w{1,4}\)\*\*|\d{1,3}[.)]\s|SEC\.|Sec\.)"
)
HEADING = re.compile(r"^\s*#{1,6}\s")
# A paragraph wholly in bold, with no full stop of its own, is a heading of the page's own
# making ("**Invest in community violence interventions**"), not a statement; a bold item
# label alone ("**(B)**") is not one.
BOLD_HEADING = re.compile(r"^\s*\*\*(?!\s*\(\w{1,4}\)\s*\*\*)"  # not a bare item label
                          r"(?:(?!\*\*).)+?(?<![.!?;])\*\*\s*$", re.S)
# A line in capitals ("IN THE SENATE OF THE UNITED STATES", "119th CONGRESS", "A BILL") is a
# caption: it stands alone instead of running on into the sentence below it.
_NOT_LOWER = r"(?:\d+(?:st|nd|rd|th)\b|[^a-z\n])*"  # ordinals ("119th") count as capitals
CAPTION = re.compile(rf"^\s*{_NOT_LOWER}[A-Z]{{2}}{_NOT_LOWER}$")
SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[§A-Z0-9])")
# Periods that end an abbreviation, not a sentence ("U.S. Code", "H.R. 923", "No. 22-1823",
# "633 F. Supp. 3d", "D. Ariz."): initials, and the abbreviations of names, titles, courts,
# reporters, statutes and dates that legal and government texts use.
_ABBREVIATIONS = (  # noqa: SIM905 -- a word list reads better as words
    # titles and names
    "Mr Ms Mrs Dr Prof Hon Jr Sr St Gen Gov Lt Col Capt Sgt Maj Adm Cmdr Amb Atty Rep Reps Sen Sens"
    # organisations, courts and reporters
    " Inc Co Corp Ltd Bros Dept Assn Admin Ct Cts Dist Cir App Supp Fed Civ Crim Proc Cong Rec Doc"
    " Vol Stat Pub Reg Rev Res Sec Secs No Nos Id Ibid Art Arts Ch Cl Pt Pts"
    # states as courts abbreviate them
    " Ala Ariz Ark Cal Calif Colo Conn Del Fla Ga Ill Ind Kan Ky La Mass Md Mich Minn Miss Mo"
    " Mont Neb Nev Okla Or Pa Tenn Tex Va Vt Wash Wis Wyo"
    # months
    " Jan Feb Mar Apr Aug Sept Sep Oct Nov Dec"
    # dotted forms
    " U.S U.S.C H.R S.Res H.Res e.g i.e v vs L F"
).split()
_LOWER_ABBREVIATIONS = "approx etc al seq cf viz para paras pp p ed eds vol".split()  # noqa: SIM905
ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:" + "|".join(map(re.escape, _ABBREVIATIONS)) + r")"
    r"|\b(?i:" + "|".join(map(re.escape, _LOWER_ABBREVIATIONS)) + r"))\.$"
)


def lines_with_offsets(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def units(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of paragraphs and list items: wrapped lines joined, blank lines break."""
    start = end = None
    for offset, line in lines_with_offsets(text):
        if not line.strip():
            if start is not None:
                yield start, end
            start = None
            continue
        caption = CAPTION.match(line)
        if start is not None and (BLOCK_START.match(line) or caption):
            yield start, end
            start = None
        if start is None:
            start = offset + (len(line) - len(line.lstrip()))
        end = offset + len(line.rstrip())
        if HEADING.match(line) or caption:  # never runs on into the text below it
            yield start, end
            start = None
    if start is not None:
        yield start, end


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text``."""
    for unit_start, unit_end in units(text):
        # "#### 2. Short title" is one piece. (Sliced: "^" never matches at a ``pos`` > 0.)
        if HEADING.match(text[unit_start:unit_end]):
            yield unit_start, unit_end
            continue
        begin = unit_start
        for match in SENTENCE_END.finditer(text, unit_start, unit_end):
            head = text[begin : match.start() + 1]
            if ABBREVIATION.search(head.split()[-1] if head.split() else ""):
                continue
            yield begin, match.start() + 1 + len(match.group(0)[1:].rstrip())
            begin = match.end()
        if begin < unit_end:
            yield begin, unit_end
