"""Visual-order lines back in logical order (ingest/bidi_order.py).

The visual lines are made by python-bidi's ``get_display`` (the Rust unicode-bidi implementation,
with paired brackets), as gazette pipelines make them; the inverse is ours.
"""

from __future__ import annotations

import pytest
from bidi import get_display

from ingest.bidi_order import logical_lines, pair_brackets, visual_to_logical

LINES = [
    "المادة 4 – التعريف العام",  # a heading, not "– التعريف العام4 المادة"
    "ويحدد المرسوم التنفيذي رقم 22-298 تنظيمها.",  # a law number after Arabic: two numbers and a dash
    "القانون رقم 2-21-123 المؤرخ في 24 يوليو 2022",
    "• 50% من التكاليف الاستثمارية لمشروعات القطاع (أ)، وهو",  # a percentage with its sector
    "باسم «Maroc PME»، واعتمدت",  # guillemets around a Latin name
    "المادة 7 – عقد الرزمة المتكاملة (Package Deal Contract)",
    "تستخدم لغة Python و R في التحليل",
    "للفترة 2015-2020 تعريفا",
    "نسبة ٪٥٠ من رأس المال",  # Arabic-Indic digits
]


@pytest.mark.parametrize("line", LINES)
def test_visual_line_back_in_logical_order(line: str) -> None:
    visual = get_display(line, base_dir="R")
    assert logical_lines([visual]) == line, f"ar: {visual!r}"


def test_left_to_right_lines_are_left_alone() -> None:
    assert visual_to_logical("Article 3 (1) : 18-01") == "Article 3 (1) : 18-01"


def test_writers_that_map_glyphs_to_logical_characters_keep_their_brackets() -> None:
    # fpdf2, Word, Chromium: the glyph painted ")" at the left end maps back to the "(" it was shaped from.
    visual = get_display("عقد (الرزمة) المتكاملة", base_dir="R")
    unmirrored = visual.translate(str.maketrans("()", ")("))
    assert logical_lines([unmirrored]) == "عقد (الرزمة) المتكاملة"


def test_a_line_of_digits_follows_the_page_direction() -> None:
    assert logical_lines(["حددت في 11 يونيو", ".2017"]).split("\n")[1] == "2017."


@pytest.mark.parametrize(
    ("line", "paired"),
    [("(Package Deal Contract(", "(Package Deal Contract)"), ("«Maroc PME«", "«Maroc PME»"), (")Zone(", "(Zone)")],
)
def test_pairs_facing_one_way_are_put_right(line: str, paired: str) -> None:
    assert pair_brackets(line) == paired


def test_list_markers_are_not_paired() -> None:
    assert pair_brackets("1) أولا 2) ثانيا") == "1) أولا 2) ثانيا"


def test_a_pair_across_two_lines_is_closed_where_the_second_opener_ends_a_word() -> None:
    # The corpus gazette (reportlab, bidi run line by line) draws «Startup Tunisia» cut after "Startup" so.
    visual = ["Startup» ةينطولا ةيجيتارتسالا نمض", "ةكراشمب 2015 ةنس ذنم دعأ دقو ،»Tunisia"]
    assert logical_lines(visual).split("\n") == ["ضمن الاستراتيجية الوطنية «Startup", "Tunisia»، وقد أعد منذ سنة 2015 بمشاركة"]
