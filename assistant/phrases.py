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
        "en": "The documents held say nothing on this point for: {}.",
        "fr": "Les documents disponibles ne disent rien sur ce point pour : {}.",
        "ar": "لا تتناول الوثائق المتاحة هذه النقطة بالنسبة إلى: {}.",
    },
    "no_evidence": {
        "en": "Nothing on this point in the documents held.",
        "fr": "Rien sur ce point dans les documents disponibles.",
        "ar": "لا شيء بشأن هذه النقطة في الوثائق المتاحة.",
    },
    "no_evidence_cell": {"en": "no evidence", "fr": "aucun élément", "ar": "لا دليل"},
    "in_short": {"en": "In short", "fr": "En bref", "ar": "باختصار"},
    "nothing_on_point": {
        "en": "nothing on this point in the documents held.",
        "fr": "rien sur ce point dans les documents disponibles.",
        "ar": "لا شيء بشأن هذه النقطة في الوثائق المتاحة.",
    },
    "grid": {"en": "Comparison grid", "fr": "Grille comparative", "ar": "جدول المقارنة"},
    "country": {"en": "Country", "fr": "Pays", "ar": "البلد"},
    "sources": {"en": "Sources", "fr": "Sources", "ar": "المصادر"},
    "page": {"en": "p.", "fr": "p.", "ar": "ص."},
    "ocr": {"en": "OCR of a scan", "fr": "OCR d'un document numérisé", "ar": "تعرف ضوئي على صفحة ممسوحة"},
    "other_versions": {"en": "other version held: {}", "fr": "autre version disponible : {}", "ar": "نسخة أخرى متاحة: {}"},
    "machine_translation": {
        "en": "machine translation, not the source's words",
        "fr": "traduction automatique, pas les mots de la source",
        "ar": "ترجمة آلية، وليست كلمات المصدر",
    },
    "translation_failed": {
        "en": "The translation service could not be used ({}): quotes are in their original language only.",
        "fr": "Le service de traduction n'a pas pu être utilisé ({}) : les citations sont dans leur seule langue d'origine.",
        "ar": "تعذر استخدام خدمة الترجمة ({}): الاقتباسات بلغتها الأصلية فقط.",
    },
    "translation_dropped": {
        "en": "{} machine translations were left out because they did not keep every figure of the quote.",
        "fr": "{} traductions automatiques ont été écartées car elles ne reprenaient pas tous les chiffres de la citation.",
        "ar": "استُبعدت {} من الترجمات الآلية لأنها لم تحافظ على كل أرقام الاقتباس.",
    },
    "abstain": {
        "en": "The knowledge base has no answer to this question: no passage is relevant enough to quote.",
        "fr": (
            "La base de connaissances ne permet pas de répondre à cette question : "
            "aucun passage n'est assez pertinent pour être cité."
        ),
        "ar": "لا تتضمن قاعدة المعرفة إجابة عن هذا السؤال: لا يوجد مقطع ذو صلة كافية للاقتباس منه.",
    },
    "period_from": {
        "en": "Period asked about: from {}; texts of every year were searched, those of the period first.",
        "fr": "Période visée : dès {} ; les textes de toutes les années ont été consultés, en premier ceux de la période.",
        "ar": "الفترة المطلوبة: ابتداءً من {}؛ بُحث في نصوص كل السنوات مع تقديم نصوص الفترة.",
    },
    "period_to": {
        "en": "Period asked about: up to {}; texts of every year were searched, those of the period first.",
        "fr": "Période visée : jusqu'à {} ; les textes de toutes les années ont été consultés, en premier ceux de la période.",
        "ar": "الفترة المطلوبة: حتى {}؛ بُحث في نصوص كل السنوات مع تقديم نصوص الفترة.",
    },
    "period_span": {
        "en": "Period asked about: {} to {}; texts of every year were searched, those of the period first.",
        "fr": "Période visée : de {} à {} ; les textes de toutes les années ont été consultés, en premier ceux de la période.",
        "ar": "الفترة المطلوبة: من {} إلى {}؛ بُحث في نصوص كل السنوات مع تقديم نصوص الفترة.",
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
    # Briefs (assistant.brief): answers gathered for a policy dialogue and exported together.
    "brief_created": {"en": "Prepared on {}", "fr": "Préparé le {}", "ar": "أُعدّ في {}"},
    "brief_asked": {"en": "Asked on {}", "fr": "Question posée le {}", "ar": "طُرح السؤال في {}"},
    "brief_filters": {"en": "Filters: {}", "fr": "Filtres : {}", "ar": "عوامل التصفية: {}"},
    "brief_references": {"en": "References", "fr": "Références", "ar": "المراجع"},
    "brief_numbering": {
        "en": "References are numbered across the whole brief; a source quoted by several answers keeps one number.",
        "fr": "Les références sont numérotées sur l'ensemble de la note ; une source citée par plusieurs réponses garde "
        "un seul numéro.",
        "ar": "رُقّمت المراجع على امتداد الموجز كله؛ ويحتفظ المصدر الذي تقتبس منه عدة إجابات برقم واحد.",
    },
    "brief_no_references": {
        "en": "No answer in this brief quotes a source.",
        "fr": "Aucune réponse de cette note ne cite de source.",
        "ar": "لا تقتبس أي إجابة في هذا الموجز من مصدر.",
    },
    # The optional LLM answerer (assistant.llm): its text is checked sentence by sentence (assistant.support).
    "llm_method": {
        "en": "The answer below was written by a language model from the passages it cites; each sentence was checked "
        "against them and kept only if a cited passage states it. The quotes under the findings and sources are "
        "word for word.",
        "fr": "La réponse ci-dessous a été rédigée par un modèle de langue à partir des passages qu'elle cite ; chaque "
        "phrase a été vérifiée et n'est conservée que si un passage cité l'énonce. Les citations des constats et des "
        "sources sont mot pour mot.",
        "ar": "كتب نموذج لغوي الإجابة أدناه انطلاقًا من المقاطع التي يستشهد بها؛ وقد تُحقِّق من كل جملة ولم يُحتفظ "
        "إلا بما ينص عليه مقطع مستشهد به. أما الاقتباسات الواردة في النتائج والمصادر فهي حرفية.",
    },
    "llm_check": {
        "en": "Check: {} generated sentence(s), {} kept, {} removed (without a valid citation: {}; "
        "not stated by the passage cited: {}).",
        "fr": "Vérification : {} phrase(s) générée(s), {} conservée(s), {} retirée(s) (sans citation valide : {} ; "
        "non énoncée(s) par le passage cité : {}).",
        "ar": "التحقق: {} جملة مولَّدة، احتُفظ بـ{} وحُذفت {} (دون استشهاد صحيح: {}؛ لا ينص عليها المقطع المستشهد به: {}).",
    },
    "llm_semantic": {
        "en": "Sentences in italics cite a passage in another language: only their closeness in meaning was checked; "
        "read the quote.",
        "fr": "Les phrases en italique citent un passage dans une autre langue : seule leur proximité de sens a été vérifiée ; "
        "lisez la citation.",
        "ar": "الجمل المكتوبة بخط مائل تستشهد بمقطع بلغة أخرى: لم يُتحقق إلا من تقاربها في المعنى؛ راجع الاقتباس.",
    },
    "llm_not_covered": {
        "en": "According to the model, the passages do not cover: {}.",
        "fr": "Selon le modèle, les passages ne couvrent pas : {}.",
        "ar": "بحسب النموذج، لا تتناول المقاطع: {}.",
    },
    "llm_no_answer": {
        "en": "According to the model, the passages do not answer part of the question.",
        "fr": "Selon le modèle, les passages ne répondent pas à une partie de la question.",
        "ar": "بحسب النموذج، لا تجيب المقاطع عن جزء من السؤال.",
    },
    "llm_nothing_kept": {
        "en": "No generated sentence passed the check; the quotes below are the evidence found.",
        "fr": "Aucune phrase générée n'a passé la vérification ; les citations ci-dessous sont les éléments trouvés.",
        "ar": "لم تجتز أي جملة مولَّدة التحقق؛ الاقتباسات أدناه هي الأدلة التي وُجدت.",
    },
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
