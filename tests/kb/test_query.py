"""Query understanding: countries, regions and years named in English, French and Arabic questions."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.query import COUNTRIES, REGIONS, PlaceForm, QueryIntent, normalize_query, parse_places, place_forms, understand

ENTITIES = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN", "EU")

# (question, expected countries in order of mention, expected regions)
ENGLISH = [
    ("How do Morocco and Tunisia fund cluster governance bodies?", ("MA", "TN"), ()),
    ("Compare the Maghreb countries' SME definitions", (), ("maghreb",)),
    ("What do Jordanian industrial estates offer investors?", ("JO",), ()),
    ("Lebanese and Egyptian innovation funds", ("LB", "EG"), ()),
    ("Incentives for Algerians investing in Algeria", ("DZ",), ()),
    ("Palestinian territories: who manages industrial zones in the West Bank?", ("PS",), ()),
    ("What does the European Union finance in Egypt?", ("EU", "EG"), ()),
    ("EU support to Tunisian clusters", ("EU", "TN"), ()),
    ("eu funding for jordan", ("EU", "JO"), ()),
    ("Euro-Mediterranean industrial cooperation", (), ("partners",)),
    ("Euromed charter for enterprise", (), ("partners",)),
    ("Which Mashreq countries have a cluster policy?", (), ("mashreq",)),
    ("SME policy in the Southern Neighbourhood", (), ("partners",)),
    ("Do all seven countries define SMEs the same way?", (), ("partners",)),
    ("Egypt's Suez Canal economic zone and Morocco's Tanger Med", ("EG", "MA"), ()),
    ("What about Lebanon?", ("LB",), ()),
    ("Tunisia and the Union for the Mediterranean", ("TN",), ("partners",)),
    ("Compare Morocco with the other Maghreb states", ("MA",), ("maghreb",)),
]
FRENCH = [
    ("Quelles incitations fiscales pour les technopôles tunisiens depuis 2015 ?", ("TN",), ()),
    ("Comment le Maroc finance-t-il ses clusters ?", ("MA",), ()),
    ("Les zones industrielles de l'Égypte et de la Jordanie", ("EG", "JO"), ()),
    ("politique industrielle en Egypte et en Algerie", ("EG", "DZ"), ()),
    ("Le rôle des entreprises libanaises au Liban", ("LB",), ()),
    ("Quelles aides pour les PME algériennes et marocaines ?", ("DZ", "MA"), ()),
    ("Les territoires palestiniens et la Cisjordanie", ("PS",), ()),
    ("Que finance l'Union européenne en Tunisie ?", ("EU", "TN"), ()),
    ("Le soutien de l'UE aux pôles de compétitivité", ("EU",), ()),
    ("Quel impact a eu la loi sur les technopôles ?", (), ()),
    ("Les pays du Maghreb ont-ils une définition commune de la PME ?", (), ("maghreb",)),
    ("La coopération euro-méditerranéenne en matière d'innovation", (), ("partners",)),
    ("Les pays partenaires méditerranéens et le Machrek", (), ("partners", "mashreq")),
    ("Les entreprises maghrébines exportent-elles vers l'Europe ?", ("EU",), ("maghreb",)),
    ("Et pour la Jordanie ?", ("JO",), ()),
    ("Les programmes européens d'appui aux clusters égyptiens", ("EU", "EG"), ()),
    ("Rive sud de la Méditerranée : quelles stratégies industrielles ?", (), ("partners",)),
    ("La coopération algéro-tunisienne en matière de pôles", ("DZ", "TN"), ()),
]
ARABIC = [
    ("ما هي حوافز الاستثمار في المناطق الصناعية بالأردن ومصر؟", ("JO", "EG"), ()),
    ("وماذا عن لبنان؟", ("LB",), ()),
    ("ما هي سياسة العناقيد في المغرب؟", ("MA",), ()),
    ("ما هي سياسة العناقيد في المغرب العربي؟", (), ("maghreb",)),
    ("كيف تدعم دول المغرب العربي المؤسسات الصغيرة والمتوسطة؟", (), ("maghreb",)),
    ("تعريف المؤسسات في الدول المغاربية", (), ("maghreb",)),
    ("الحوافز الممنوحة للمغرب والجزائر وبمصر", ("MA", "DZ", "EG"), ()),
    ("دعم الاتحاد الأوروبي للمؤسسات التونسية", ("EU", "TN"), ()),
    ("الشراكة الأورو-متوسطية في مجال الابتكار", (), ("partners",)),
    ("برامج دول الاتحاد لفائدة الشركات الفلسطينية", ("EU", "PS"), ()),
    ("المناطق الصناعية الأردنية واللبنانية", ("JO", "LB"), ()),
    ("ما هو دور الوكالة الجزائرية في الجزائر؟", ("DZ",), ()),
    ("الأقطاب التكنولوجية لتونس", ("TN",), ()),
    ("دول جنوب المتوسط والاتحاد الأوروبي", ("EU",), ("partners",)),
    ("سياسات الابتكار في دول المشرق", (), ("mashreq",)),
    ("الإستراتيجية الصناعية المصرية", ("EG",), ()),
    ("المملكة الأردنية الهاشمية وفلسطين", ("JO", "PS"), ()),
    ("الاستثمار بالمغرب وبالمغرب العربي", ("MA",), ("maghreb",)),
    ("مشاريع ممولة أوروبياً في الأردن", ("EU", "JO"), ()),
    ("التعاون بين دول الاتحاد المغاربي", (), ("maghreb",)),
]


@pytest.mark.parametrize(("question", "countries", "regions"), ENGLISH)
def test_english_places(question: str, countries: tuple[str, ...], regions: tuple[str, ...]) -> None:
    intent = understand(question)
    assert intent.countries == countries, f"English: countries of {question!r}"
    assert intent.regions == regions, f"English: regions of {question!r}"
    assert intent.lang == "en", f"English: language of {question!r}"


@pytest.mark.parametrize(("question", "countries", "regions"), FRENCH)
def test_french_places(question: str, countries: tuple[str, ...], regions: tuple[str, ...]) -> None:
    intent = understand(question)
    assert intent.countries == countries, f"French: countries of {question!r}"
    assert intent.regions == regions, f"French: regions of {question!r}"
    assert intent.lang == "fr", f"French: language of {question!r}"


@pytest.mark.parametrize(("question", "countries", "regions"), ARABIC)
def test_arabic_places(question: str, countries: tuple[str, ...], regions: tuple[str, ...]) -> None:
    intent = understand(question)
    assert intent.countries == countries, f"Arabic: countries of {question!r}"
    assert intent.regions == regions, f"Arabic: regions of {question!r}"
    assert intent.lang == "ar", f"Arabic: language of {question!r}"


def test_region_countries_exclude_named_countries_and_keep_region_order() -> None:
    intent = understand("Compare Morocco with the other Maghreb states")
    assert intent.region_countries == ("DZ", "TN"), "English: Morocco is named, so only DZ and TN come from the Maghreb"
    assert intent.all_countries == ("MA", "DZ", "TN"), "English: named countries first, then the region's others"
    partners = understand("الدول الشريكة")
    assert partners.region_countries == ("DZ", "EG", "JO", "LB", "MA", "PS", "TN"), "Arabic: the partners are all seven"
    assert "EU" not in partners.all_countries, "Arabic: the partner countries do not include the EU"


def test_arabic_morocco_versus_maghreb_longest_form_wins() -> None:
    assert understand("المغرب").countries == ("MA",), "Arabic: المغرب alone is Morocco"
    maghreb = understand("المغرب العربي")
    assert maghreb.countries == () and maghreb.regions == ("maghreb",), "Arabic: المغرب العربي is the Maghreb, not Morocco"
    assert understand("بلدان المغرب").regions == ("maghreb",), "Arabic: بلدان المغرب is the Maghreb"
    assert understand("المغاربة").countries == ("MA",), "Arabic: المغاربة (Moroccans) is Morocco"


def test_arabic_proclitics_and_spelling_variants() -> None:
    for question in ("بالمغرب", "والمغرب", "للمغرب", "وللمغرب", "فالمغرب", "وبالمغرب", "المغربية", "مغربية"):
        assert understand(question).countries == ("MA",), f"Arabic: {question} is Morocco"
    for question in ("لتونس", "وتونس", "بتونس", "التونسية", "التونسيين"):
        assert understand(question).countries == ("TN",), f"Arabic: {question} is Tunisia"
    # Hamza, ta marbuta and diacritics are folded rather than listed.
    for question in ("الاردن", "الأردن", "الأُرْدُن", "الاردنيه", "بالأردنية"):
        assert understand(question).countries == ("JO",), f"Arabic: {question} is Jordan"
    assert understand("الاتحاد الاوروبي").countries == ("EU",), "Arabic: alef without hamza still names the EU"
    assert understand("مِصْرَ").countries == ("EG",), "Arabic: vowelled مصر is Egypt"


def test_no_match_inside_other_words() -> None:
    assert understand("What is the budget in EUR for the programme?").countries == (), "English: EUR is not the EU"
    assert understand("Rates of the euro against the dollar").countries == (), "English: the euro currency is not the EU"
    assert understand("الخدمات المصرفية للمؤسسات").countries == (), "Arabic: مصرفية (banking) does not contain Egypt"
    assert understand("المؤسسات الصغيرة والمتوسطة").regions == (), "Arabic: المتوسطة (medium-sized) is not the Mediterranean"
    assert understand("Cisjordanie").countries == ("PS",), "French: Cisjordanie is Palestine, not Jordan"
    assert understand("Tunısia").countries == ("TN",), "English: a dotless ı typed for i still names Tunisia"
    assert understand("Quel rôle a eu l'agence ?").countries == (), "French: the participle eu is not the EU"


def test_european_versus_euro_mediterranean() -> None:
    assert understand("European funding for clusters").countries == ("EU",), "English: European alone is the EU"
    euromed = understand("Euro-Mediterranean partnership")
    assert euromed.countries == () and euromed.regions == ("partners",), "English: Euro-Mediterranean is the partners"
    assert understand("partenariat euroméditerranéen").regions == ("partners",), "French: euroméditerranéen is the partners"
    assert understand("Euro Mediterranean charter").regions == ("partners",), "English: spaced Euro Mediterranean"


@pytest.mark.parametrize(
    "question",
    [
        "What incentives exist for cluster governance bodies?",
        "How are technology parks financed?",
        "Quelles sont les missions de l'agence de promotion des investissements ?",
        "Comment définir une PME ?",
        "ما هي مهام الوكالة الوطنية لتطوير الاستثمار؟",
        "كيف يتم تمويل الأقطاب التكنولوجية؟",
    ],
)
def test_plain_policy_questions_name_no_place(question: str) -> None:
    intent = understand(question)
    assert intent.all_countries == () and intent.regions == (), f"{intent.lang}: no place in {question!r}"
    assert (intent.year_min, intent.year_max, intent.years) == (None, None, ()), f"{intent.lang}: no year in {question!r}"


# (question, years, year_min, year_max)
YEARS = [
    ("Cluster policy in 2015", (2015,), None, None),
    ("Politique des clusters en 2015", (2015,), None, None),
    ("سياسة العناقيد عام 2015", (2015,), None, None),
    ("سياسة العناقيد سنة ٢٠١٥", (2015,), None, None),
    ("incentives since 2010", (2010,), 2010, None),
    ("incentives after 2010", (2010,), 2010, None),
    ("from 2012, which laws apply?", (2012,), 2012, None),
    ("incitations depuis 2010", (2010,), 2010, None),
    ("incitations après 2010", (2010,), 2010, None),
    ("الحوافز منذ 2010", (2010,), 2010, None),
    ("الحوافز بعد عام ٢٠١٠", (2010,), 2010, None),
    ("incentives before 2010", (2010,), None, 2010),
    ("incentives until 2010", (2010,), None, 2010),
    ("incitations avant 2010", (2010,), None, 2010),
    ("incitations jusqu'en 2010", (2010,), None, 2010),
    ("الحوافز قبل 2010", (2010,), None, 2010),
    ("الحوافز حتى سنة 2010", (2010,), None, 2010),
    ("between 2000 and 2010", (2000, 2010), 2000, 2010),
    ("entre 2000 et 2010", (2000, 2010), 2000, 2010),
    ("بين 2000 و2010", (2000, 2010), 2000, 2010),
    ("بين عامي ٢٠٠٠ و ٢٠١٠", (2000, 2010), 2000, 2010),
    ("strategy 2000-2010", (2000, 2010), 2000, 2010),
    ("stratégie 2000–2010", (2000, 2010), 2000, 2010),
    ("from 2005 to 2012", (2005, 2012), 2005, 2012),
    ("de 2005 à 2012", (2005, 2012), 2005, 2012),
    ("من 2005 إلى 2012", (2005, 2012), 2005, 2012),
    ("since 2010 and before 2015", (2010, 2015), 2010, 2015),
    ("in the 1990s", (1990,), 1990, 1999),
    ("pre-2010 cluster programmes", (2010,), None, 2010),
    ("reforms from 2011 onwards", (2011,), 2011, None),
    ("les réformes depuis l'année 2011", (2011,), 2011, None),
    ("الإصلاحات ابتداء من 2012", (2012,), 2012, None),
    ("رؤية 2030 وقانون الاستثمار لعام 2017م", (2030, 2017), None, None),
    ("Vision 2030 targets", (2030,), None, None),
    ("Vision 2030's targets", (2030,), None, None),
    ("policies of the 2000's", (2000,), 2000, 2009),
    ("les politiques des années 2000", (2000,), 2000, 2009),
    ("la loi de finances 2015", (2015,), None, None),
]


@pytest.mark.parametrize(("question", "years", "year_min", "year_max"), YEARS)
def test_years(question: str, years: tuple[int, ...], year_min: int | None, year_max: int | None) -> None:
    intent = understand(question)
    assert intent.years == years, f"{intent.lang}: years of {question!r}"
    assert (intent.year_min, intent.year_max) == (year_min, year_max), f"{intent.lang}: bounds of {question!r}"


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("What does Law 17-95 say about clusters?", ()),
        ("Que prévoit la loi n° 2001-50 ?", (2001,)),
        ("ما ينص عليه القانون رقم 10 لسنة 1998؟", (1998,)),
        ("ما ينص عليه القانون رقم ١٧-٩٥؟", ()),
        ("Decree No. 2-18-510 on industrial zones", ()),
        ("Law No. 2009-2010 on free zones", (2009, 2010)),
        ("Dahir n° 1-11-91 du 29 juillet 2011", (2011,)),
    ],
)
def test_law_numbers_are_not_year_ranges(question: str, years: tuple[int, ...]) -> None:
    intent = understand(question)
    assert intent.years == years, f"{intent.lang}: law number years of {question!r}"
    assert (intent.year_min, intent.year_max) == (None, None), f"{intent.lang}: a law number is no period in {question!r}"


def test_counts_are_not_years() -> None:
    assert understand("plus de 2000 entreprises au Maroc").years == (), "French: 2000 entreprises is a count"
    assert understand("more than 1500 SMEs in Jordan").years == (), "English: 1500 SMEs is a count"
    assert understand("أكثر من 2000 مؤسسة في تونس").years == (), "Arabic: 2000 مؤسسة is a count"


def test_contradictory_bounds_are_dropped() -> None:
    intent = understand("before 2005 or after 2015")
    assert (intent.year_min, intent.year_max) == (None, None), "English: disjoint periods give no single filter"
    assert intent.years == (2005, 2015), "English: both years are still reported"


def test_language_of_short_questions() -> None:
    assert understand("Maroc PME").lang == "fr", "French: a French place name decides a two-word question"
    assert understand("Morocco SMEs").lang == "en", "English: an English place name decides a two-word question"
    assert understand("وماذا عن لبنان؟").lang == "ar", "Arabic: Arabic script decides"
    assert understand("clusters").lang == "en", "English: the default for an undecidable question"
    assert understand("Et pour l'Algérie ?").lang == "fr", "French: function words and accents"


def test_normalisation_folds_accents_hamza_digits_and_dashes() -> None:
    assert normalize_query("Égypte") == "Egypte", "French: accents are folded"
    assert normalize_query("الأردنيّة") == "الاردنيه", "Arabic: hamza, shadda and ta marbuta are folded"
    assert normalize_query("٢٠١٥–٢٠٢٠") == "2015-2020", "Arabic: Arabic-Indic digits and en dash"
    assert normalize_query("Euro-Mediterranean") == "Euro Mediterranean", "English: a hyphen between letters is a space"


def test_data_file_has_every_entity_in_every_language() -> None:
    forms = place_forms()
    for code in ENTITIES:
        for lang in ("en", "fr", "ar"):
            assert any(f.code == code and f.lang == lang for f in forms), f"{lang}: no form for {code} in places.tsv"
    for region in REGIONS:
        for lang in ("en", "fr", "ar"):
            named = any(f.code == f"region:{region}" and f.lang == lang for f in forms)
            assert named, f"{lang}: no form for region {region} in places.tsv"


def test_every_listed_form_finds_its_own_code() -> None:
    for form in place_forms():
        intent = understand(form.form)
        found = intent.countries if not form.code.startswith("region:") else tuple(f"region:{r}" for r in intent.regions)
        assert found == (form.code,), f"{form.lang}: {form.form!r} should give {form.code}, gave {intent}"


def test_parse_places_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_places("# comment\nXX\ten\tAtlantis\n")
    with pytest.raises(ValueError, match="line 1"):
        parse_places("MA\ten\n")


def test_understand_is_fast() -> None:
    question = "How did Morocco, Tunisia and Egypt fund cluster governance bodies and technology parks between 2010 and 2020?"
    understand(question)
    # The fastest of ten batches: on a shared machine a batch can lose its core for a while, which says
    # nothing about understand itself (it runs on every question, so a slow one shows in every answer).
    batches = []
    for _ in range(10):
        start = time.perf_counter()
        for _ in range(40):
            understand(question)
        batches.append((time.perf_counter() - start) / 40)
    per_call = min(batches)
    assert per_call < 0.001, f"English: understand took {per_call * 1000:.3f} ms per call"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_understand_never_raises_and_returns_known_codes(text: str) -> None:
    intent = understand(text)
    assert isinstance(intent, QueryIntent)
    assert set(intent.all_countries) <= set(COUNTRIES), f"{intent.lang}: unknown code in {intent}"
    assert set(intent.regions) <= set(REGIONS), f"{intent.lang}: unknown region in {intent}"
    assert intent.lang in ("ar", "fr", "en"), f"unsupported language {intent.lang!r}"
    assert all(1900 <= year <= 2100 for year in intent.years), f"{intent.lang}: year out of range in {intent}"


# Text that looks like questions: place names, years, law numbers and keywords glued by random letters.
PIECES = [f.form for f in place_forms()] + [
    "2010",
    "٢٠١٥",
    "-",
    "–",
    "n°",
    "loi",
    "لسنة",
    "منذ",
    "since",
    "avant",
    "ı",
    "İ",
    "ß",
    "و",
    "بال",
    "'",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet="abcéEUı -'وبلال0123456789٠١٢", max_size=4)), max_size=12))
def test_understand_never_raises_on_question_like_text(pieces: list[str]) -> None:
    intent = understand("".join(pieces))
    assert set(intent.all_countries) <= set(COUNTRIES), f"{intent.lang}: unknown code in {intent}"
    if intent.year_min is not None and intent.year_max is not None:
        assert intent.year_min <= intent.year_max, f"{intent.lang}: empty period in {intent}"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([f for f in place_forms() if not f.code.startswith("region:")]), min_size=1, max_size=4),
    st.sampled_from([" ", " et ", " and ", ", ", " و"]),
)
def test_listed_countries_come_back_in_order(forms: list[PlaceForm], joiner: str) -> None:
    # The Arabic conjunction و is written attached, so it only joins an Arabic name.
    text = forms[0].form + "".join((joiner if joiner != " و" or f.lang == "ar" else " and ") + f.form for f in forms[1:])
    expected = tuple(dict.fromkeys(f.code for f in forms))
    assert understand(text).countries == expected, f"{forms[0].lang}: countries of {text!r}"
