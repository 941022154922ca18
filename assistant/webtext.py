"""The web interface's own words in English, French and Arabic (labels, buttons, notes).

Answers keep the framing language of their question (assistant.phrases); these strings follow the
interface language the user picked.
"""

from __future__ import annotations

UI_LANGS: tuple[str, ...] = ("en", "fr", "ar")
UI_LANG_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}

TEXT: dict[str, dict[str, str]] = {
    "title": {
        "en": "Euromed cluster policies: knowledge base",
        "fr": "Politiques de clusters euro-méditerranéennes : base de connaissances",
        "ar": "سياسات العناقيد في المنطقة الأورومتوسطية: قاعدة المعرفة",
    },
    "subtitle": {
        "en": "Answers are verbatim quotes from the stored texts, cited to document, page and article.",
        "fr": "Les réponses sont des citations exactes des textes stockés, avec document, page et article.",
        "ar": "الإجابات اقتباسات حرفية من النصوص المخزنة، مع ذكر الوثيقة والصفحة والمادة.",
    },
    "interface": {"en": "Interface language", "fr": "Langue de l'interface", "ar": "لغة الواجهة"},
    "tab_assistant": {"en": "Assistant", "fr": "Assistant", "ar": "المساعد"},
    "tab_library": {"en": "Library", "fr": "Bibliothèque", "ar": "المكتبة"},
    "chat": {"en": "Conversation", "fr": "Conversation", "ar": "المحادثة"},
    "question": {"en": "Your question", "fr": "Votre question", "ar": "سؤالك"},
    "question_placeholder": {
        "en": "e.g. How do Morocco and Tunisia fund cluster governance bodies?",
        "fr": "p. ex. Comment le Maroc et la Tunisie financent-ils la gouvernance des clusters ?",
        "ar": "مثال: كيف يموّل المغرب وتونس هيئات حوكمة العناقيد؟",
    },
    "ask": {"en": "Ask", "fr": "Demander", "ar": "اسأل"},
    "new_conversation": {"en": "New conversation", "fr": "Nouvelle conversation", "ar": "محادثة جديدة"},
    "examples": {"en": "Example questions", "fr": "Exemples de questions", "ar": "أسئلة نموذجية"},
    "filters": {"en": "Filters", "fr": "Filtres", "ar": "عوامل التصفية"},
    "countries": {"en": "Countries", "fr": "Pays", "ar": "البلدان"},
    "maghreb": {"en": "Maghreb", "fr": "Maghreb", "ar": "المغرب العربي"},
    "mashreq": {"en": "Mashreq", "fr": "Machrek", "ar": "المشرق"},
    "all": {"en": "All", "fr": "Tous", "ar": "الكل"},
    "none": {"en": "None", "fr": "Aucun", "ar": "لا شيء"},
    "languages": {"en": "Document languages", "fr": "Langues des documents", "ar": "لغات الوثائق"},
    "doc_types": {"en": "Document types", "fr": "Types de documents", "ar": "أنواع الوثائق"},
    "year_min": {"en": "From year", "fr": "À partir de", "ar": "من سنة"},
    "year_max": {"en": "To year", "fr": "Jusqu'à", "ar": "إلى سنة"},
    "sources": {"en": "Sources", "fr": "Sources", "ar": "المصادر"},
    "sources_hint": {
        "en": "Pick a citation number to read the passage it quotes.",
        "fr": "Choisissez un numéro de citation pour lire le passage cité.",
        "ar": "اختر رقم الاستشهاد لقراءة المقطع المقتبس.",
    },
    "grid": {"en": "Comparison grid", "fr": "Grille comparative", "ar": "جدول المقارنة"},
    "grid_empty": {
        "en": "The grid of the latest answer appears here.",
        "fr": "La grille de la dernière réponse s'affiche ici.",
        "ar": "يظهر هنا جدول المقارنة لآخر إجابة.",
    },
    "no_evidence": {"en": "no evidence", "fr": "aucun élément", "ar": "لا دليل"},
    "country": {"en": "Country", "fr": "Pays", "ar": "البلد"},
    "brief": {"en": "Brief", "fr": "Note de synthèse", "ar": "المذكرة"},
    "brief_title": {"en": "Brief title", "fr": "Titre de la note", "ar": "عنوان المذكرة"},
    "brief_default_title": {
        "en": "Policy-dialogue brief",
        "fr": "Note pour le dialogue politique",
        "ar": "مذكرة الحوار السياساتي",
    },
    "add_to_brief": {
        "en": "Add the latest answer to the brief",
        "fr": "Ajouter la dernière réponse",
        "ar": "أضف آخر إجابة إلى المذكرة",
    },
    "clear_brief": {"en": "Empty the brief", "fr": "Vider la note", "ar": "إفراغ المذكرة"},
    "brief_empty": {
        "en": "The brief is empty: ask a question, then add the answer.",
        "fr": "La note est vide : posez une question, puis ajoutez la réponse.",
        "ar": "المذكرة فارغة: اطرح سؤالًا ثم أضف الإجابة.",
    },
    "brief_added": {"en": "Added to the brief.", "fr": "Ajouté à la note.", "ar": "أُضيفت إلى المذكرة."},
    "brief_duplicate": {
        "en": "Not added: this answer is in the brief already.",
        "fr": "Non ajoutée : cette réponse figure déjà dans la note.",
        "ar": "لم تُضف: هذه الإجابة موجودة في المذكرة بالفعل.",
    },
    "brief_abstention": {
        "en": "Not added: the knowledge base had no answer to this question, so there is nothing to cite.",
        "fr": "Non ajoutée : la base n'avait pas de réponse à cette question, il n'y a rien à citer.",
        "ar": "لم تُضف: لم تجد قاعدة المعرفة إجابة عن هذا السؤال، فلا شيء يُستشهد به.",
    },
    "brief_quotes": {"en": "{} cited quotes", "fr": "{} citations", "ar": "عدد الاقتباسات: {}"},
    "move_up": {"en": "Move up", "fr": "Monter", "ar": "تحريك للأعلى"},
    "move_down": {"en": "Move down", "fr": "Descendre", "ar": "تحريك للأسفل"},
    "remove": {"en": "Remove", "fr": "Retirer", "ar": "إزالة"},
    "download_docx": {"en": "Download DOCX", "fr": "Télécharger en DOCX", "ar": "تنزيل DOCX"},
    "download_md": {"en": "Download Markdown", "fr": "Télécharger en Markdown", "ar": "تنزيل Markdown"},
    "saved_conversations": {"en": "Saved conversations", "fr": "Conversations enregistrées", "ar": "المحادثات المحفوظة"},
    "conversation": {"en": "Conversation", "fr": "Conversation", "ar": "المحادثة"},
    "no_conversations": {
        "en": "No saved conversation yet: each answered question is saved.",
        "fr": "Aucune conversation enregistrée : chaque question traitée l'est.",
        "ar": "لا توجد محادثات محفوظة بعد: يُحفظ كل سؤال أُجيب عنه.",
    },
    "open": {"en": "Open", "fr": "Ouvrir", "ar": "فتح"},
    "delete": {"en": "Delete", "fr": "Supprimer", "ar": "حذف"},
    "conversation_gone": {
        "en": "That conversation is not among your saved conversations.",
        "fr": "Cette conversation ne figure pas parmi vos conversations enregistrées.",
        "ar": "هذه المحادثة ليست ضمن محادثاتك المحفوظة.",
    },
    "saving_off": {
        "en": "Saving is unavailable on this server right now; your work stays on this page only. ({})",
        "fr": "L'enregistrement est indisponible sur ce serveur ; votre travail reste sur cette page seulement. ({})",
        "ar": "الحفظ غير متاح على هذا الخادم حاليًا؛ يبقى عملك في هذه الصفحة فقط. ({})",
    },
    "no_answer_yet": {
        "en": "There is no answer to add yet: ask a question first.",
        "fr": "Aucune réponse à ajouter : posez d'abord une question.",
        "ar": "لا توجد إجابة لإضافتها بعد: اطرح سؤالًا أولًا.",
    },
    "searching": {
        "en": "Searching the knowledge base for {}…",
        "fr": "Recherche dans la base de connaissances pour {}…",
        "ar": "جارٍ البحث في قاعدة المعرفة عن {}…",
    },
    "every_country": {"en": "all countries", "fr": "tous les pays", "ar": "جميع البلدان"},
    "library_summary": {"en": "What the knowledge base holds", "fr": "Contenu de la base", "ar": "محتوى قاعدة المعرفة"},
    "documents": {"en": "Documents", "fr": "Documents", "ar": "الوثائق"},
    "chunks": {"en": "passages", "fr": "passages", "ar": "مقاطع"},
    "by_country": {"en": "By country", "fr": "Par pays", "ar": "حسب البلد"},
    "by_lang": {"en": "By language", "fr": "Par langue", "ar": "حسب اللغة"},
    "by_type": {"en": "By type", "fr": "Par type", "ar": "حسب النوع"},
    "by_year": {"en": "By year", "fr": "Par année", "ar": "حسب السنة"},
    "doc_title": {"en": "Title", "fr": "Titre", "ar": "العنوان"},
    "language": {"en": "Language", "fr": "Langue", "ar": "اللغة"},
    "doc_type": {"en": "Type", "fr": "Type", "ar": "النوع"},
    "year": {"en": "Year", "fr": "Année", "ar": "السنة"},
    "pages": {"en": "Pages", "fr": "Pages", "ar": "الصفحات"},
    "library_search": {"en": "Search titles", "fr": "Rechercher un titre", "ar": "ابحث في العناوين"},
    "library_any": {"en": "any", "fr": "tous", "ar": "الكل"},
    "library_clear": {"en": "Show all", "fr": "Tout afficher", "ar": "عرض الكل"},
    "library_shown": {"en": "documents shown", "fr": "documents affichés", "ar": "وثائق معروضة"},
    "library_none": {
        "en": "No document matches. Change the search or show all.",
        "fr": "Aucun document ne correspond. Modifiez la recherche ou affichez tout.",
        "ar": "لا توجد وثيقة مطابقة. غيّر البحث أو اعرض الكل.",
    },
    "library_counts": {
        "en": "Counts by country, language, type and year",
        "fr": "Nombre par pays, langue, type et année",
        "ar": "الأعداد حسب البلد واللغة والنوع والسنة",
    },
    "library_filter_by": {"en": "Show only", "fr": "Afficher seulement", "ar": "اعرض فقط"},
    "upload": {"en": "Add documents", "fr": "Ajouter des documents", "ar": "إضافة وثائق"},
    "upload_files": {
        "en": "Files (PDF, DOCX, HTML, Markdown, text)",
        "fr": "Fichiers (PDF, DOCX, HTML, Markdown, texte)",
        "ar": "الملفات (PDF وDOCX وHTML وMarkdown ونص)",
    },
    "upload_country": {"en": "Country of the documents", "fr": "Pays des documents", "ar": "بلد الوثائق"},
    "upload_type": {"en": "Type of the documents", "fr": "Type des documents", "ar": "نوع الوثائق"},
    "upload_year": {"en": "Year (optional)", "fr": "Année (facultatif)", "ar": "السنة (اختياري)"},
    "upload_lang": {
        "en": "Language (detected if empty)",
        "fr": "Langue (détectée si vide)",
        "ar": "اللغة (تُكتشف تلقائيًا إن تُركت فارغة)",
    },
    "ingest": {"en": "Ingest", "fr": "Intégrer", "ar": "إدخال"},
    "upload_admin_only": {
        "en": "Adding documents is reserved to administrators.",
        "fr": "L'ajout de documents est réservé aux administrateurs.",
        "ar": "إضافة الوثائق مقصورة على المشرفين.",
    },
    "open_original": {"en": "Open the original (page {})", "fr": "Ouvrir l'original (page {})", "ar": "فتح الأصل (الصفحة {})"},
    "open_original_text": {
        "en": "Open the original at the quote",
        "fr": "Ouvrir l'original à la citation",
        "ar": "فتح الأصل عند الاقتباس",
    },
    "passage": {"en": "Passage", "fr": "Passage", "ar": "المقطع"},
    "quoted": {"en": "Quoted words are highlighted.", "fr": "Les mots cités sont surlignés.", "ar": "الكلمات المقتبسة مظللة."},
    "article": {"en": "Article", "fr": "Article", "ar": "المادة"},
    "page": {"en": "page", "fr": "page", "ar": "الصفحة"},
    "ocr_note": {
        "en": "Read by OCR from a scanned page: OCR can misread words, check the quote against the original.",
        "fr": "Lu par OCR sur une page numérisée : l'OCR peut mal lire des mots, vérifiez la citation sur l'original.",
        "ar": "نص مقروء بالتعرف الضوئي من صفحة ممسوحة: قد يخطئ التعرف الضوئي في بعض الكلمات، فتحقق من الاقتباس في الأصل.",
    },
    "also_in": {"en": "Other versions held: {}", "fr": "Autres versions disponibles : {}", "ar": "نسخ أخرى متاحة: {}"},
    "signed_in": {"en": "Signed in as {} ({})", "fr": "Connecté : {} ({})", "ar": "متصل باسم {} ({})"},
    "log_out": {"en": "Log out", "fr": "Se déconnecter", "ar": "تسجيل الخروج"},
    "store_unavailable": {
        "en": "The knowledge base cannot be reached right now; try again in a moment. ({})",
        "fr": "La base de connaissances est injoignable pour le moment ; réessayez dans un instant. ({})",
        "ar": "تعذّر الوصول إلى قاعدة المعرفة حاليًا؛ أعد المحاولة بعد قليل. ({})",
    },
    # The chat's source viewer and scope line (issue #21).
    "source": {"en": "Source", "fr": "Source", "ar": "المصدر"},
    "close": {"en": "Close", "fr": "Fermer", "ar": "إغلاق"},
    "lang_ar": {"en": "Arabic", "fr": "arabe", "ar": "العربية"},
    "lang_fr": {"en": "French", "fr": "français", "ar": "الفرنسية"},
    "lang_en": {"en": "English", "fr": "anglais", "ar": "الإنجليزية"},
    "any_year": {"en": "Any year", "fr": "Toute année", "ar": "أي سنة"},
    "years": {"en": "Years", "fr": "Années", "ar": "السنوات"},
    "no_filter": {
        "en": "Searching all documents (no filter)",
        "fr": "Recherche dans tous les documents (aucun filtre)",
        "ar": "البحث في جميع الوثائق (دون تصفية)",
    },
    "searching_in": {"en": "Active filters", "fr": "Filtres actifs", "ar": "عوامل التصفية النشطة"},
    "outside_filter": {
        "en": "Your question names {named}, but the country filter limits the search to {kept}: the answer covers only those.",
        "fr": "Votre question cite {named}, mais le filtre de pays limite la recherche à {kept} : "
        "la réponse ne porte que sur eux.",
        "ar": "يذكر سؤالك {named}، لكن عامل تصفية البلدان يحصر البحث في {kept}: لذا تقتصر الإجابة عليها.",
    },
    "copy_markdown": {"en": "Copy as Markdown", "fr": "Copier en Markdown", "ar": "نسخ بصيغة Markdown"},
    "copy_text": {"en": "Copy as text", "fr": "Copier en texte", "ar": "نسخ كنص"},
    "regenerate": {"en": "Regenerate the answer", "fr": "Régénérer la réponse", "ar": "إعادة توليد الإجابة"},
    "edit_last": {"en": "Edit the last question", "fr": "Modifier la dernière question", "ar": "تعديل السؤال الأخير"},
    "answer_for": {"en": "Answer for {} instead", "fr": "Répondre plutôt pour {}", "ar": "أجب عن {} بدلًا من ذلك"},
}


def text(key: str, lang: str) -> str:
    table = TEXT[key]
    return table.get(lang) or table["en"]


def direction(lang: str) -> str:
    """The writing direction of an interface or text language."""
    return "rtl" if lang == "ar" else "ltr"
