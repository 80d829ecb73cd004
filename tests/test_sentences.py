from index.sentences import sentences

TEXT = """#### 2. Screening requirement
The Secretary shall screen rail cars
under section 4409 of the U.S. Code. H.R. 9001 says so.

**(1)**
first clause;
**(2)**
second clause.

| 4 Aug 2021 | Mexico sues (No. 1:21-cv-11269) |
"""


def pieces(text: str) -> list[str]:
    return [text[start:end] for start, end in sentences(text)]


def test_offsets_point_into_the_text_and_wrapped_lines_join():
    got = pieces(TEXT)
    assert got[0] == "#### 2. Screening requirement"  # a heading is one piece, never split
    assert got[1] == "The Secretary shall screen rail cars\nunder section 4409 of the U.S. Code."
    assert got[2] == "H.R. 9001 says so."  # "U.S." and "H.R." are not sentence ends


def test_clauses_and_table_rows_are_their_own_pieces():
    got = pieces(TEXT)
    assert "**(1)**\nfirst clause;" in got
    assert "**(2)**\nsecond clause." in got
    assert "| 4 Aug 2021 | Mexico sues (No. 1:21-cv-11269) |" in got
