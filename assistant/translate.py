"""Optional machine translation of quotes into the asker's language, labelled, never in their place.

The default answerer quotes sources verbatim in their own language; a French reader may not read an
Arabic quote. A deployment that runs a LibreTranslate-compatible service (``POST {url}/translate``
with ``q`` a list of texts, ``source``, ``target``, ``format``; answer ``{"translatedText": [...]}``)
sets ``AssistantConfig.translate.url``: each quote in another language than the question's then
carries a translation, shown under it and labelled as a machine translation. The quote itself, the
citation and the quote check are unchanged.

A translation is checked before it is kept: every number of the quote must stand in it (digits of
any script compared as values), since a wrong figure is the costliest slip of a translation in a
policy brief. A translation that fails is dropped and counted in the answer's notes. When the
service cannot be reached or answers nonsense, the answer is returned untranslated with a note: a
translation is a help, never a condition of answering.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.config import TranslateConfig
from assistant.errors import AssistantError
from assistant.model import Answer, Citation
from assistant.phrases import phrase, phrase_count
from assistant.render import render

LANGS = frozenset({"ar", "fr", "en"})
_NUMBER = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[.,\u066b][0-9\u0660-\u0669\u06f0-\u06f9]+)*")

# (texts, source, target) -> translations, in order; raises TranslateError.
Translator = Callable[[Sequence[str], str, str], list[str]]


class TranslateError(AssistantError):
    """The translation service could not be used; ``str(err)`` says why in one line."""


def numbers(text: str) -> list[str]:
    """The numbers of ``text`` as ASCII digit strings, separators dropped: "2,5" and "٢٫٥" are "25"."""
    found = []
    for match in _NUMBER.finditer(text):
        digits = "".join(str(int(ch)) for ch in match.group(0) if ch.isdigit())
        found.append(digits)
    return found


def keeps_figures(quote: str, translation: str) -> bool:
    """Whether every number of the quote stands in the translation (as many times, at least)."""
    wanted, got = numbers(quote), numbers(translation)
    return all(got.count(n) >= wanted.count(n) for n in set(wanted))


def libretranslate(config: TranslateConfig) -> Translator:
    """A :data:`Translator` posting to the LibreTranslate-compatible service at ``config.url``."""
    endpoint = config.url.rstrip("/") + "/translate"

    def translate(texts: Sequence[str], source: str, target: str) -> list[str]:
        body: dict[str, object] = {"q": list(texts), "source": source, "target": target, "format": "text"}
        if config.api_key:
            body["api_key"] = config.api_key
        request = urllib.request.Request(
            endpoint, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=config.timeout_s) as response:  # noqa: S310 (the operator's URL, http/https checked in settings)
                data = json.loads(response.read(2_000_000))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as err:
            raise TranslateError(f"{endpoint}: {err}") from err
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts) or not all(isinstance(t, str) for t in translated):
            raise TranslateError(f"{endpoint}: the answer holds no list of {len(texts)} translations")
        return translated

    return translate


def translate_quotes(answer: Answer, translator: Translator) -> Answer:
    """``answer`` with a checked translation on each citation quoted in another language than its own."""
    target = answer.language
    foreign = [c for c in answer.citations if c.lang != target and c.lang in LANGS and target in LANGS]
    if answer.abstained or not foreign:
        return answer
    translated: dict[int, str] = {}
    notes: list[str] = []
    dropped = 0
    for source in sorted({c.lang for c in foreign}):
        group = [c for c in foreign if c.lang == source]
        try:
            texts = translator([c.quote for c in group], source, target)
        except TranslateError as err:
            notes.append(phrase("translation_failed", target).format(err))
            break
        for citation, text in zip(group, texts, strict=True):
            if text.strip() and keeps_figures(citation.quote, text):
                translated[citation.n] = text.strip()
            else:
                dropped += 1
    if dropped:
        notes.append(phrase_count("translation_dropped", dropped, target))
    citations: tuple[Citation, ...] = tuple(replace(c, translation=translated.get(c.n, "")) for c in answer.citations)
    done = replace(answer, citations=citations, notes=(*answer.notes, *notes))
    return replace(done, markdown=render(done)) if answer.answerer == "extractive" else done
