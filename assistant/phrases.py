"""The answer's framing words in Arabic, French and English: headings, country names, notes.

Framing never states what a policy says; only quotes do.
"""

from __future__ import annotations

COUNTRY_NAMES: dict[str, tuple[str, str, str]] = {  # en, fr, ar
    "DZ": ("Algeria", "Algérie", "الجزائر"),
    "EG": ("Egypt", "Égypte", "مصر"),
    "JO": ("Jordan", "Jordanie", "الأردن"),
    "LB": ("Lebanon", "Liban", "لبنان"),
    "MA": ("Morocco", "Maroc", "المغرب"),
    "PS": ("Palestine", "Palestine", "فلسطين"),
    "TN": ("Tunisia", "Tunisie", "تونس"),
    "EU": ("European Union", "Union européenne", "الاتحاد الأوروبي"),
}
DOC_TYPE_NAMES: dict[str, tuple[str, str, str]] = {
    "law": ("law", "loi", "قانون"),
    "decree": ("decree", "décret", "مرسوم"),
    "order": ("order", "arrêté", "قرار"),
    "circular": ("circular", "circulaire", "منشور"),
    "regulation": ("regulation", "règlement", "نظام"),
    "strategy": ("strategy", "stratégie", "استراتيجية"),
    "policy": ("policy", "politique", "سياسة"),
    "programme": ("programme", "programme", "برنامج"),
    "guideline": ("guideline", "lignes directrices", "دليل"),
    "report": ("report", "rapport", "تقرير"),
    "agreement": ("agreement", "accord", "اتفاق"),
    "communication": ("communication", "communication", "بلاغ"),
    "other": ("document", "document", "وثيقة"),
}
_INDEX = {"en": 0, "fr": 1, "ar": 2}

PHRASES: dict[str, dict[str, str]] = {
    "answer": {"en": "Answer", "fr": "Réponse", "ar": "الإجابة"},
    "method": {
        "en": "Every statement below is quoted word for word from the source it cites; nothing else is asserted.",
        "fr": "Chaque constat ci-dessous est cité mot pour mot de la source indiquée ; rien d'autre n'est affirmé.",
        "ar": "كل ما يرد أدناه مقتبس حرفيًا من المصدر المشار إليه، ولا يُقرَّر شيء غيره.",
    },
    "found_for": {"en": "Evidence found for: {}.", "fr": "Éléments trouvés pour : {}.", "ar": "وُجدت أدلة بشأن: {}."},
    "lacking_for": {
        "en": "The knowledge base holds no evidence for: {}.",
        "fr": "La base de connaissances ne contient aucun élément pour : {}.",
        "ar": "لا تتضمن قاعدة المعرفة أي دليل بشأن: {}.",
    },
    "no_evidence": {"en": "No evidence in the knowledge base.", "fr": "Aucun élément dans la base de connaissances.", "ar": "لا يوجد دليل في قاعدة المعرفة."},
    "no_evidence_cell": {"en": "no evidence", "fr": "aucun élément", "ar": "لا دليل"},
    "grid": {"en": "Comparison grid", "fr": "Grille comparative", "ar": "جدول المقارنة"},
    "country": {"en": "Country", "fr": "Pays", "ar": "البلد"},
    "sources": {"en": "Sources", "fr": "Sources", "ar": "المصادر"},
    "page": {"en": "p.", "fr": "p.", "ar": "ص."},
    "other_versions": {"en": "other version held: {}", "fr": "autre version disponible : {}", "ar": "نسخة أخرى متاحة: {}"},
    "abstain": {
        "en": "The knowledge base has no answer to this question: no passage is relevant enough to quote.",
        "fr": "La base de connaissances ne permet pas de répondre à cette question : aucun passage n'est assez pertinent pour être cité.",
        "ar": "لا تتضمن قاعدة المعرفة إجابة عن هذا السؤال: لا يوجد مقطع ذو صلة كافية للاقتباس منه.",
    },
    "closest": {"en": "Closest documents", "fr": "Documents les plus proches", "ar": "أقرب الوثائق"},
    "dropped": {
        "en": "{} quote(s) failed the verbatim check and were removed.",
        "fr": "{} citation(s) non conforme(s) au texte source ont été retirée(s).",
        "ar": "حُذف {} اقتباس لم يطابق النص المصدر حرفيًا.",
    },
    "follow_up": {"en": "Follow-up on: {}", "fr": "Suite de la question : {}", "ar": "متابعة للسؤال: {}"},
    "findings": {"en": "Findings by country", "fr": "Constats par pays", "ar": "النتائج حسب البلد"},
    "answer_column": {"en": "Main finding", "fr": "Constat principal", "ar": "أبرز ما ورد"},
}


def phrase(key: str, lang: str) -> str:
    table = PHRASES[key]
    return table.get(lang) or table["en"]


def country_name(code: str, lang: str) -> str:
    names = COUNTRY_NAMES.get(code)
    return names[_INDEX.get(lang, 0)] if names else code


def doc_type_name(doc_type: str, lang: str) -> str:
    names = DOC_TYPE_NAMES.get(doc_type)
    return names[_INDEX.get(lang, 0)] if names else doc_type


def join_names(names: list[str], lang: str) -> str:
    return ("، " if lang == "ar" else ", ").join(names)
