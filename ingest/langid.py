"""Deterministic language identification: Unicode script first, then langdetect for Latin script."""

from __future__ import annotations

import re
from functools import lru_cache

SUPPORTED = ("ar", "fr", "en")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]")
MIN_LETTERS = 40  # below this, statistics are noise: use the fallback


@lru_cache(maxsize=1)
def _detector_factory() -> object:
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory

    init_factory()
    DetectorFactory.seed = 0  # langdetect is random by default; a fixed seed makes it repeatable
    import langdetect.detector_factory as factory_module

    return factory_module._factory


def _latin_language(text: str) -> str | None:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _detector_factory()
    detector = factory.create()  # type: ignore[attr-defined]
    detector.append(text[:5000])
    try:
        candidates = detector.get_probabilities()
    except LangDetectException:
        return None
    # Prefer the product's languages: a French clause with many proper nouns can score as Italian.
    for candidate in candidates:
        if candidate.lang in SUPPORTED and candidate.prob >= 0.2:
            return str(candidate.lang)
    return str(candidates[0].lang) if candidates else None


def detect_language(text: str, fallback: str = "") -> str:
    """Return an ISO 639-1 code for ``text``, or ``fallback`` when the text is too short or mixed.

    Arabic script decides Arabic by itself (langdetect adds nothing there and can confuse Arabic
    with Persian or Urdu); Latin script goes to langdetect with a fixed seed.
    """
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic + latin < MIN_LETTERS:
        return fallback
    if arabic >= 0.5 * (arabic + latin):
        return "ar"
    if latin >= 0.8 * (arabic + latin):
        return _latin_language(text) or fallback
    return fallback or ("ar" if arabic > latin else (_latin_language(text) or ""))
