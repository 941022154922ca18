"""Recognise article and chapter headings in French, English and Arabic legal texts.

Article labels are kept as the document writes them ("Article premier", "Art. 3", "المادة 12"),
because that is what a reader looks for on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.arabic import fold

HeadingKind = Literal["article", "chapter"]

_LATIN_ARTICLE = re.compile(
    r"^(?P<label>(?:Article|ARTICLE|Art\.|ART\.|Art|ART)\s*"
    r"(?:premier|PREMIER|1er|unique|UNIQUE|\d+(?:\s*(?:bis|ter|quater))?))(?=$|[\s.:\-–—)])"
)
_LATIN_CHAPTER = re.compile(
    r"^(?P<label>(?:Chapitre|CHAPITRE|Chapter|CHAPTER|Titre|TITRE|Title|TITLE|Partie|PARTIE|Part|PART|Livre|LIVRE|Section|SECTION)"
    r"\s+(?:[IVXLC]+|\d+|premier|première|PREMIER|PREMIÈRE|unique|one|two|three|four|five|six|seven|eight|nine|ten))"
    r"(?=$|[\s.:\-–—)])"
)
# The tens of a compound ordinal ("الحادية والعشرون"): only these may follow و, or "المادة الأولى وطنية"
# (a line of running text) would read as a heading labelled with an ordinary word.
_TENS = (
    r"(?:ال)?(?:عاشرة?|عشر(?:ون|ين)|ثلاث(?:ون|ين)|[أا]ربع(?:ون|ين)|خمس(?:ون|ين)|ست(?:ون|ين)|سبع(?:ون|ين)|ثمان(?:ون|ين)|تسع(?:ون|ين))"
    r"(?=$|[^\u0621-\u064A])"
)
_ARABIC_HEADING = re.compile(
    r"^(?P<word>المادة|مادة|الفصل|فصل|الباب|باب|القسم|الجزء|العنوان)\s*(?:رقم\s*)?"
    # "مادة ( 1 )": gazettes set the number in spaced parentheses.
    r"\(?\s*(?P<num>[0-9\u0660-\u0669]+(?:\s*(?:مكرر|مكررا))?|[\u0621-\u064A]+(?:\s+(?:عشرة?|و" + _TENS + r"))?)\s*\)?"
    r"(?=$|[\s.:\-–—)])"
)
# Ordinals that can follow المادة / الفصل / الباب, folded (see ingest.arabic.fold).
_ARABIC_ORDINALS = {
    fold(word)
    for word in [
        "الأولى",
        "الأول",
        "الثانية",
        "الثاني",
        "الثالثة",
        "الثالث",
        "الرابعة",
        "الرابع",
        "الخامسة",
        "الخامس",
        "السادسة",
        "السادس",
        "السابعة",
        "السابع",
        "الثامنة",
        "الثامن",
        "التاسعة",
        "التاسع",
        "العاشرة",
        "العاشر",
        "الحادية",
        "الحادي",
        "الوحيدة",
        "الوحيد",
        "التمهيدي",
        "الختامية",
    ]
}
_ARABIC_CHAPTER_WORDS = {"الباب", "باب", "القسم", "الجزء", "العنوان"}
# Logical-order PDFs from InDesign/Word often move a heading's number in front of it when
# extracted: "مادة (1) :" comes out as ") :1 ( مادة".
_DISPLACED_NUMBER = re.compile(
    r"^[()\[\]\s:.\-–]*(?P<num>[0-9\u0660-\u0669]+)[()\[\]\s:.\-–]*(?P<word>المادة|مادة|الفصل|فصل)[\s:]*$"
)
# The same displacement when the heading carries a title: "الفصل 2 – التعريف" comes out as
# "– التعريف2 الفصل" (the title, glued to the number, before the keyword).
_DISPLACED_TITLED = re.compile(r"^[–\-:]\s*[^\d]{1,80}?(?P<num>[0-9\u0660-\u0669]+)\s*(?P<word>المادة|مادة|الفصل|فصل)\s*$")
_TATWEEL_AND_MARKS = re.compile(r"[\u0640\u0610-\u061A\u064B-\u065F\u0670]")
_ENCLOSED = re.compile(r"^[(\[]\s*(.*?)\s*[)\]]$")


@dataclass(frozen=True)
class Heading:
    kind: HeadingKind
    label: str


def _clean(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip(" .:-–—")


def _ends_heading(rest: str, structural: bool) -> bool:
    """A heading label ends the line or is followed by a separator ("Article 3 : ...", "المادة 3 -").

    In running text "Article 5 of the Law..." can start a line; it is a heading only when the
    document's structure says so (a Markdown, DOCX or HTML heading).
    """
    rest = rest.strip()
    return structural or not rest or rest[0] in ".:-–—)؛"


def match_heading(line: str, fasl_is_article: bool = True, structural: bool = False) -> Heading | None:
    """Classify ``line`` as an article or chapter heading, or return None.

    ``structural``: the line is known to be a heading (from the file's own structure).

    ``fasl_is_article``: Moroccan and Tunisian texts number their articles with الفصل, Egyptian and
    Jordanian texts use المادة for articles and الفصل for chapters. Pass False for a document that
    uses المادة (see :func:`uses_madda`).
    """
    text = _TATWEEL_AND_MARKS.sub("", line).strip().lstrip("#").strip()
    if enclosed := _ENCLOSED.match(text):  # "(المادة الأولى)", "( الباب الأول )"
        text = enclosed.group(1)
    if not text:
        return None
    if displaced := _DISPLACED_NUMBER.match(text) or _DISPLACED_TITLED.match(text):
        text = f"{displaced['word']} {displaced['num']}"
    if (match := _LATIN_ARTICLE.match(text)) and _ends_heading(text[match.end() :], structural):
        return Heading("article", _clean(match["label"]))
    if (match := _LATIN_CHAPTER.match(text)) and _ends_heading(text[match.end() :], structural):
        return Heading("chapter", _clean(match["label"]))
    if (match := _ARABIC_HEADING.match(text)) and _ends_heading(text[match.end() :], structural):
        word, num = match["word"], match["num"]
        if not num[0].isdigit() and fold(num.split()[0]) not in _ARABIC_ORDINALS:
            return None
        label = _clean(f"{word} {num}")
        if word in _ARABIC_CHAPTER_WORDS:
            return Heading("chapter", label)
        if word in {"الفصل", "فصل"} and not fasl_is_article:
            return Heading("chapter", label)
        return Heading("article", label)
    return None


def uses_madda(text: str) -> bool:
    """True when a text numbers its articles with المادة (so الفصل there means chapter)."""
    for line in text.split("\n"):
        heading = match_heading(line, fasl_is_article=False)
        if heading is not None and heading.kind == "article" and "ماد" in heading.label:
            return True
    return False
