"""What a sentence of a legal or policy text does: state a rule, or frame the text.

Framing sentences define terms, state a text's purpose or scope ("this law aims to...", "Article 2
- Definitions", "يهدف هذا القانون إلى"), or describe the document itself. They are the most similar
to almost any question about the text, so by similarity alone they win, yet an analyst asking what
a country funds or requires wants the provision that does it. The cues are drafting conventions
of legislative and policy texts in the three languages (heading words of definition, purpose and
scope articles, and the verbs of purpose clauses), not words of any one corpus. A question that
asks for a definition or an objective gets framing sentences like any other.
"""

from __future__ import annotations

import re

# Heading words of articles and sections that frame rather than rule.
_FRAMING_HEADING = re.compile(
    r"\b(definitions?|interpretation|meaning of terms|purpose|objectives?|aims?|scope|object|"
    r"définitions?|objet|objectifs?|champ d'application|buts?|"
    r"تعاريف|التعاريف|تعريف|التعريف|مصطلحات|المصطلحات|هدف|الهدف|أهداف|الأهداف|غرض|الغرض|نطاق|مجال التطبيق)\b",
    re.IGNORECASE,
)
# Purpose and definition clauses inside a sentence.
_FRAMING_SENTENCE = re.compile(
    r"\b(aims? to|is intended to|the purpose of this|the objective of this|shall mean|means any|is defined as|"
    r"a pour objet|ont pour objet|vise à|visent à|a pour objectif|ont pour objectif|on entend par|est considérée? comme|"
    r"يهدف|تهدف|يقصد ب|يُقصد ب|ويقصد ب|ويُقصد ب)",
    re.IGNORECASE,
)
# A question that asks for a definition, a purpose or an objective.
_ASKS_FRAMING = re.compile(
    r"\b(defin\w*|meaning|what is an? |purpose|objectives?|aims?|goals?|"
    r"défini\w*|qu'est-ce|objectifs?|buts?|vis\w* à|"
    r"تعريف|يعرف|يُعرّف|المقصود|هدف|أهداف|الغرض)",
    re.IGNORECASE,
)


# A question that asks for a figure: a threshold, an amount, a rate, a count or a duration.
_ASKS_FIGURES = re.compile(
    r"\b(thresholds?|ceilings?|caps?|limits?|how (?:much|many|long|large)|amounts?|rates?|percentages?|per ?cent|"
    r"criteria|criterion|minimum|maximum|figures?|number of|budgets?|values?|durations?|deadlines?|size|"
    r"seuils?|plafonds?|montants?|combien|taux|pourcentages?|critères?|durées?|délais?|chiffres?|nombre de|"
    r"valeurs?|taille)\b|(?<!\w)(عتب\w*|سقف|الحد الأدنى|الحد الأقصى|حد أدنى|حد أقصى|كم|مبلغ|قيمة|نسب\w*|معايير|معيار|"
    r"مدة|مهلة|ميزانية|عدد|حجم)(?!\w)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,/-])[0-9\u0660-\u0669]+(?:[.,\u066b][0-9\u0660-\u0669]+)*(?![\w/-]*[0-9])")
# A number right after these names a text, a provision or a date: it states no quantity.
_NOT_A_QUANTITY = re.compile(
    r"(?:n°|no\.?|nº|number|article|art\.|chapter|chapitre|section|loi|law|décret|decree|circulaire|circular|"
    r"رقم|المادة|الفصل|عدد|لسنة|سنة|عام|year|année|du)\s*$",
    re.IGNORECASE,
)


# A question whose answer is a number: a count, an amount, a rate or a threshold. Narrower than
# _ASKS_FIGURES (no budget, criteria, size, value or duration): "how is the budget financed?" asks
# for a mechanism, and a duration is often written in words ("trois ans").
_ASKS_NUMBER = re.compile(
    r"\b(how (?:much|many)|number of|amounts?|rates?|percentages?|per ?cent|thresholds?|ceilings?|"
    r"combien|nombre d[e']|montants?|taux|pourcentages?|seuils?|plafonds?)\b|"
    r"(?<!\w)(كم|عدد|مبلغ|نسب\w*|عتب\w*|سقف)(?!\w)",
    re.IGNORECASE,
)


def asks_for_a_number(question: str) -> bool:
    """Whether the answer to the question is a number (a count, amount, rate or threshold)."""
    return bool(_ASKS_NUMBER.search(question))


def asks_for_figures(question: str) -> bool:
    """Whether the question asks for a figure (a threshold, amount, rate, count or duration)."""
    return bool(_ASKS_FIGURES.search(question))


def states_figures(sentence: str) -> bool:
    """Whether a sentence states a quantity: a number that is not a year, nor the number of a law,
    article or page (those say which text, not how much)."""
    for match in _NUMBER.finditer(sentence):
        digits = match.group(0)  # int() reads Arabic-Indic digits as well
        if digits.isdigit() and 1900 <= int(digits) <= 2100:
            continue
        if _NOT_A_QUANTITY.search(sentence[max(0, match.start() - 20) : match.start()]):
            continue
        return True
    return False


def is_framing(sentence: str, heading: str) -> bool:
    """Whether a sentence defines, states a purpose or scope, rather than grants, funds or requires."""
    return bool(_FRAMING_HEADING.search(heading) or _FRAMING_SENTENCE.search(sentence))


def asks_for_framing(question: str) -> bool:
    """Whether the question asks what something is or what a text is for."""
    return bool(_ASKS_FRAMING.search(question))


_YEAR = re.compile(r"(?<![\w.,/-])(?:19|20)[0-9]{2}(?![\w])")


def mentions_year(text: str, first: int | None, last: int | None) -> bool:
    """Whether ``text`` names a year within [first, last] (either end open when None)."""
    lo, hi = first if first is not None else 0, last if last is not None else 9999
    return any(lo <= int(m.group(0)) <= hi for m in _YEAR.finditer(text))
