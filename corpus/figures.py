"""Figures and comparison words of a corpus source, so two language versions can be held to the same ones.

A threshold is a number with the comparison that governs it ("not exceeding 250", « inférieur à 200 »,
«لا يقل عن 300»). Both versions of a translation pair must state the same numbers, and every threshold
with the same comparison: a fix made in one language cannot leave the other behind.

Run ``python corpus/figures.py`` to list the pairs that disagree, ``--list`` for every threshold.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)

# Comparison phrases by what they mean. Longer phrases are tried first, so that « ne dépassant pas »
# (at most) is not read as « dépassant » (more than), nor «لا يقل عن» as «يقل عن».
COMPARISONS: dict[str, tuple[str, ...]] = {
    "<=": (
        "not exceeding",
        "not more than",
        "no more than",
        "does not exceed",
        "do not exceed",
        "at most",
        "up to",
        "maximum of",
        "a maximum",
        "ne dépassant pas",
        "ne dépasse pas",
        "n'excédant pas",
        "n'excède pas",
        "au plus",
        "au maximum",
        "jusqu'à",
        "pas plus de",
        "plafonné à",
        "plafond de",
        "dans la limite de",
        "لا يتجاوز",
        "لا تتجاوز",
        "لا يزيد على",
        "لا تزيد على",
        "لا يزيد عن",
        "لا تزيد عن",
        "ما يصل إلى",
        "يصل إلى",
        "لا يجاوز",
        "لا تجاوز",
        "لا يزيد",
        "لا تزيد",
        "بحد أقصى",
        "حدًا أقصى",
        "حدا أقصى",
        "في حدود",
        "حتى",
    ),
    ">=": (
        "not less than",
        "no less than",
        "not fewer than",
        "no fewer than",
        "at least",
        "minimum of",
        "a minimum",
        "au moins",
        "au minimum",
        "minimum de",
        "pas moins de",
        "لا يقل عن",
        "لا تقل عن",
        "لا يقل",
        "لا تقل",
        "على الأقل",
        "بحد أدنى",
        "حدًا أدنى",
        "حدا أدنى",
    ),
    "<": (
        "less than",
        "fewer than",
        "below",
        "under",
        "inférieur à",
        "inférieure à",
        "inférieurs à",
        "inférieures à",
        "moins de",
        "en deçà de",
        "أقل من",
        "يقل عن",
        "تقل عن",
        "يقل",
        "تقل",
        "دون",
    ),
    ">": (
        "more than",
        "above",
        "over",
        "exceeding",
        "exceeds",
        "in excess of",
        "plus de",
        "supérieur à",
        "supérieure à",
        "supérieurs à",
        "supérieures à",
        "dépassant",
        "dépasse",
        "dépassent",
        "excédant",
        "excède",
        "excèdent",
        "au-delà de",
        "أكثر من",
        "يزيد على",
        "تزيد على",
        "يزيد عن",
        "تزيد عن",
        "يتجاوز",
        "تتجاوز",
        "يجاوز",
        "تجاوز",
        "يفوق",
        "تفوق",
    ),
}
# The same, standing after the number: "50 millions d'euros au plus", «250 أردنيًا على الأقل».
AFTER: dict[str, tuple[str, ...]] = {
    "<=": ("au plus", "at most", "or less", "ou moins", "على الأكثر", "أو أقل", "فأقل", "فما دون", "كحد أقصى"),
    ">=": ("au moins", "at least", "or more", "ou plus", "على الأقل", "أو أكثر", "فأكثر", "فما فوق", "كحد أدنى"),
}


def _alternation(phrases: list[tuple[str, str]]) -> re.Pattern[str]:
    # A word may carry an attached Arabic conjunction or particle (ويقل, ألا يتجاوز; فأكثر is listed whole).
    start = r"(?:(?<!\w)|(?<=\W[وفأ])|(?<=^[وفأ]))"
    return re.compile("|".join(start + re.escape(p) + r"(?!\w)" for p, _ in phrases), re.IGNORECASE | re.MULTILINE)


_PHRASES = sorted(((phrase, op) for op, phrases in COMPARISONS.items() for phrase in phrases), key=lambda p: -len(p[0]))
_AFTER_PHRASES = sorted(((phrase, op) for op, phrases in AFTER.items() for phrase in phrases), key=lambda p: -len(p[0]))
_COMPARISON = _alternation(_PHRASES)
_COMPARISON_AFTER = _alternation(_AFTER_PHRASES)
_OP = {phrase.lower(): op for phrase, op in _PHRASES + _AFTER_PHRASES}
_TASHKEEL = re.compile("[\u064b-\u0652\u0670\u0640]")  # vowel marks, shadda, tatweel

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")
# A number: digit groups of three after a space, comma or point are thousands; any other fraction is decimal.
_NUMBER = re.compile(r"(?<![0-9a-z.,])(\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?!\d)|\d+)(?:[.,](\d+))?")
_SCALES = (
    (re.compile(r"\s*(?:billion|billions|milliard|milliards|bn|مليار|مليارات|ملايير)(?!\w)", re.IGNORECASE), 1e9),
    (re.compile(r"\s*(?:million|millions|m|mn|مليون|ملايين)(?!\w)", re.IGNORECASE), 1e6),
    (re.compile(r"\s*(?:thousand|mille|ألف|آلاف)(?!\w)", re.IGNORECASE), 1e3),
)
# A comparison governs a number only from close by, within its sentence: "less than 250" and
# «لا يقل عدد العاملين فيها عن 50», but not "under Law No. 82".
GAP = 30
_SENTENCE_END = re.compile(r"[.;:!?؛\n]\s|\|")  # table cells end a sentence too
# A number right after one of these names a text or a provision: it is no quantity.
_IDENTIFIER = re.compile(
    r"(?:n°|no\.?|nº|numéro|number|رقم|article|art\.|articles|المادة|المواد|الفصل|chapitre|chapter|section|part|partie"
    r"|loi|law|décret|decree|circulaire|circular|تعميم)\s*$",
    re.IGNORECASE,
)
_RANGE_START = re.compile(r"(?:from|between|de|d'|entre|allant de|من|ما بين|بين)\s*\S{0,6}\s*$", re.IGNORECASE)
# A range whose start is written out: «من شخص واحد إلى 9», « de un à 9 ».
_OPEN_RANGE_END = re.compile(
    r"(?<!\w)(?:from|between|de|entre|من|بين)\s.{0,15}?\s(?:to|and|à|et|إلى|الى)\s*\S{0,6}\s*$", re.IGNORECASE
)
# A bare scale word after "and" is one of it: «بين 200 مليون ومليار» is "between 200 million and 1 billion".
_BARE_SCALE = re.compile(r"(?<!\w)(و)(مليار|مليون)(?!\w)")
_RANGE_END = re.compile(r"\s*\S{0,12}\s*(?:to|and|à|et|إلى|الى|و|–|-)(?:\s|$)", re.IGNORECASE)
CONTEXT = 40  # characters kept before a number for the report


@dataclass(frozen=True)
class Figure:
    value: float
    comparison: str  # "<", "<=", ">", ">=", or "" when no comparison governs it
    context: str  # the words before it, for the report


def figures(text: str) -> list[Figure]:
    """Quantities of ``text`` outside headings (scaled by a following million, milliard, ألف…), each
    with the comparison that governs it; a range ("from 10 to 49", « entre 10 et 49 », «من 10 إلى 49»)
    reads as >= and <=. Law, article and circular numbers and years are left out."""
    text = "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
    text = _BARE_SCALE.sub(r"\g<1>1 \g<2>", _TASHKEEL.sub("", text.translate(_DIGITS)))
    found: list[tuple[Figure, int, int]] = []  # with the number's start and end
    for match in _NUMBER.finditer(text):
        whole, fraction = match.group(1), match.group(2)
        value = float(re.sub(r"[ \u00a0\u202f,.]", "", whole) + ("." + fraction if fraction else ""))
        end, scaled = match.end(), False
        for pattern, scale in _SCALES:
            unit = pattern.match(text, end)
            if unit:
                value, end, scaled = value * scale, unit.end(), True
                break
        before = text[max(0, match.start() - 80) : match.start()]
        if _IDENTIFIER.search(before) or re.search(r"\d[-./]\s*$", before) or re.match(r"[-./]\d", text[end : end + 2]):
            continue  # 18-01, 2-21-123, No. 82, Article 7
        if not fraction and whole.isdigit() and 1900 <= value <= 2100 and not scaled:
            continue  # a year
        sentence = _SENTENCE_END.split(before)[-1]
        words = [w for w in _COMPARISON.finditer(sentence) if len(sentence) - w.end() <= GAP]
        comparison = _OP[words[-1].group(0).lower()] if words else ""
        following = re.split(r"\d|[.;:!?؛|\n]", text[end : end + GAP])[0]
        after = _COMPARISON_AFTER.search(following)
        if after:
            comparison = _OP[after.group(0).lower()]
        if found:
            last, last_start, last_end = found[-1]
            between = text[last_end : match.start()]
            if (
                last.comparison in ("", ">=")
                and len(between) <= 40
                and _RANGE_END.match(between)
                and _RANGE_START.search(text[max(0, last_start - 30) : last_start])
            ):
                found[-1] = (Figure(last.value, ">=", last.context), last_start, last_end)
                comparison = comparison or "<="
        if not comparison and _OPEN_RANGE_END.search(sentence[-(GAP + 20) :]):
            comparison = "<="
        starts_range = _RANGE_START.search(before[-30:])
        if not comparison and not starts_range and found and found[-1][0].comparison in ("<", "<=", ">", ">="):
            # "not exceeding 400 million or a balance sheet of 200 million": one comparison, two figures
            between = text[found[-1][2] : match.start()]
            if len(between) <= 40 and re.search(r"(?<!\w)(?:أو|or|ou)\s", between) and not _SENTENCE_END.search(between):
                comparison = found[-1][0].comparison
        found.append((Figure(round(value, 6), comparison, " ".join(before[-CONTEXT:].split())), match.start(), end))
    return [figure for figure, _, _ in found]


def body(path: Path) -> tuple[dict[str, object], str]:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{path}: no front matter (see corpus/README.md)")
    return yaml.safe_load(match.group(1)), match.group(2)


def translation_pairs(sources: Path = CORPUS / "sources") -> list[tuple[Path, Path]]:
    """Each pair of language versions once, by the ``translation_of`` of their front matter."""
    pairs: set[tuple[Path, Path]] = set()
    for path in sorted(sources.rglob("*.md")):
        other = body(path)[0].get("translation_of")
        if other:
            partner = sources / f"{other}.md"
            pairs.add(tuple(sorted((path, partner))))  # type: ignore[arg-type]
    return sorted(pairs)


def disagreements(first: Path, second: Path) -> list[str]:
    """Numbers compared in one version and compared otherwise, or not at all, in the other.

    Versions need not be sentence-for-sentence translations (one may be the shorter summary), so a
    number only one of them states is not counted; a number both state must be governed alike.
    """
    sides = [figures(body(path)[1]) for path in (first, second)]
    governed: list[dict[float, Counter[str]]] = [{} for _ in sides]  # value -> comparisons
    for side, found in zip(sides, governed, strict=True):
        for figure in side:
            found.setdefault(figure.value, Counter())[figure.comparison] += 1
    problems: list[str] = []
    for value in sorted(governed[0].keys() & governed[1].keys()):
        left, right = (set(found[value]) for found in governed)
        if left != right and (left - {""} or right - {""}):
            contexts = [next(f.context for f in side if f.value == value) for side in sides]
            problems.append(
                f"{first.name} / {second.name}: {value:g} is {'/'.join(sorted(left)) or 'stated'} in one version "
                f"({contexts[0]!r}) but {'/'.join(sorted(right)) or 'stated'} in the other ({contexts[1]!r})"
            )
    return problems


def main(argv: list[str]) -> int:
    """``figures.py``: the pairs that disagree (exit 1 if any); ``figures.py --list``: every threshold."""
    if argv[:1] == ["--list"]:
        for path in sorted((CORPUS / "sources").rglob("*.md")):
            for figure in figures(body(path)[1]):
                if figure.comparison:
                    print(f"{path.relative_to(CORPUS / 'sources')}\t{figure.comparison} {figure.value:g}\t{figure.context}")
        return 0
    failing = 0
    for first, second in translation_pairs():
        problems = disagreements(first, second)
        failing += bool(problems)
        for problem in problems:
            print(f"{first.parent.name}: {problem}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
