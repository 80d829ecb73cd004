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


def test_a_numbered_heading_inside_the_text_is_one_piece_too():
    text = "Short title\nThis Act may be cited as the Example Act.\n#### 3. Ban on rail cars\nText."
    assert "#### 3. Ban on rail cars" in pieces(text)


def test_clauses_and_table_rows_are_their_own_pieces():
    got = pieces(TEXT)
    assert "**(1)**\nfirst clause;" in got
    assert "**(2)**\nsecond clause." in got
    assert "| 4 Aug 2021 | Mexico sues (No. 1:21-cv-11269) |" in got


def test_lines_in_capitals_are_captions_that_stand_alone():
    bill = (
        "II\n119th CONGRESS\n1st Session\nS. 9002\nIN THE SENATE OF THE UNITED STATES\n"
        "April 3, 2025 Ms. Example introduced the following bill\nA BILL\n"
        "To screen rail cars\nat the border."
    )
    got = pieces(bill)
    assert "IN THE SENATE OF THE UNITED STATES" in got
    assert "119th CONGRESS" in got  # an ordinal does not make a line prose
    assert "April 3, 2025 Ms. Example introduced the following bill" in got
    assert "To screen rail cars\nat the border." in got


def test_legal_and_government_abbreviations_do_not_end_a_sentence():
    text = (
        "The docket reads No. 24-0001 in D. Ariz. today. Judge Roe cited 640 F. Supp. 3d 12 and"
        " 18 U.S.C. § 921 for it. Acme Arms, Inc. answered on Oct. 3, approx. a week later."
        " The notice is FR Doc. 2030-00001 of the Dept. of State. Fed. R. Civ. P. 12 applies."
    )
    assert pieces(text) == [
        "The docket reads No. 24-0001 in D. Ariz. today.",
        "Judge Roe cited 640 F. Supp. 3d 12 and 18 U.S.C. § 921 for it.",
        "Acme Arms, Inc. answered on Oct. 3, approx. a week later.",
        "The notice is FR Doc. 2030-00001 of the Dept. of State.",
        "Fed. R. Civ. P. 12 applies.",
    ]
