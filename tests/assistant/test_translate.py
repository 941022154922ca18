"""Optional translations of quotes: real answers over the sample corpus, a LibreTranslate-compatible
service on loopback standing in for the third-party server (its API, not our code, is what it fakes)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from assistant import answer
from assistant.config import AssistantConfig, TranslateConfig
from assistant.translate import keeps_figures, numbers
from assistant.views import answer_html
from kb.search import Searcher
from policykb.settings import SettingsError, load_settings
from tests.jsonserver import json_server

# Only Arabic texts of Algeria's technology-park agency are held: a French asker reads Arabic quotes.
QUESTION = "Quelles sont les missions de l'agence algérienne des parcs technologiques ?"


@dataclass
class FakeLibreTranslate:
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    translate: Callable[[str], str] = lambda text: f"[fr] {text}"


@pytest.fixture(scope="module")
def service() -> Iterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()

    def respond(path: str, body: dict[str, Any]) -> dict[str, Any]:
        fake.requests.append({"path": path, **body})
        return {"translatedText": [fake.translate(t) for t in body["q"]]}

    with json_server(respond) as port:
        fake.port = port
        yield fake


@pytest.fixture()
def fake(service: FakeLibreTranslate) -> FakeLibreTranslate:
    service.requests.clear()
    service.translate = lambda text: f"[fr] {text}"
    return service


def _config(port: int, key: str = "") -> AssistantConfig:
    return AssistantConfig(translate=TranslateConfig(url=f"http://127.0.0.1:{port}/", api_key=key, timeout_s=5))


def test_quotes_in_another_language_get_a_labelled_translation_beside_them(
    corpus_searcher: Searcher, fake: FakeLibreTranslate
) -> None:
    result = answer(corpus_searcher, QUESTION, _config(fake.port, key="k-123"))
    plain = answer(corpus_searcher, QUESTION, AssistantConfig())
    assert not result.abstained and [c.quote for c in result.citations] == [c.quote for c in plain.citations], "quotes unchanged"
    foreign = [c for c in result.citations if c.lang != "fr"]
    assert foreign, "precondition: the agency's texts are Arabic only"
    assert all(c.translation == f"[fr] {c.quote}" for c in foreign)
    assert all(not c.translation for c in result.citations if c.lang == "fr")
    assert fake.requests and all(
        r["path"] == "/translate" and r["target"] == "fr" and r["format"] == "text" and r["api_key"] == "k-123"
        for r in fake.requests
    )
    assert {r["source"] for r in fake.requests} == {c.lang for c in foreign}
    assert "*traduction automatique, pas les mots de la source*: «[fr] " in result.markdown
    assert result.as_json()["citations"][0]["translation"].startswith("[fr] ") == (result.citations[0].lang != "fr")
    assert not plain.notes and all(not c.translation for c in plain.citations), "off by default: nothing translated"


def test_a_translation_that_loses_a_figure_is_left_out(corpus_searcher: Searcher, fake: FakeLibreTranslate) -> None:
    fake.translate = lambda text: "[fr] " + re.sub(r"[0-9\u0660-\u0669]", "", text)  # drops every digit
    question = "Quels seuils de chiffre d'affaires définissent les petites et moyennes entreprises en Égypte ?"  # en, ar only
    result = answer(corpus_searcher, question, _config(fake.port))
    with_figures = [c for c in result.citations if c.lang != "fr" and numbers(c.quote)]
    assert with_figures, "precondition: a foreign quote with a figure"
    assert all(not c.translation for c in with_figures)
    assert any("traductions automatiques ont été écartées" in note for note in result.notes)
    assert "écartées car elles ne reprenaient pas tous les chiffres" in result.markdown


def test_the_answer_stands_when_the_service_is_down(corpus_searcher: Searcher) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = answer(corpus_searcher, QUESTION, _config(port))
    assert not result.abstained and result.citations and all(not c.translation for c in result.citations)
    assert len(result.notes) == 1 and "Le service de traduction n'a pas pu être utilisé" in result.notes[0]
    assert result.notes[0] in result.markdown


def test_figures_are_compared_as_values_in_any_script() -> None:
    assert numbers("30 % من 2,5 مليون و٢٠٢٤") == ["30", "25", "2024"]
    assert keeps_figures("un plafond de 30 % et 2,5 millions", "a 30% cap and 2.5 million")
    assert keeps_figures("سقف ٣٠٪", "a 30% cap")
    assert not keeps_figures("un plafond de 30 %", "a 3% cap")
    assert not keeps_figures("10 et 10", "10 and ten")


def test_the_translation_url_must_be_http() -> None:
    assert load_settings({}).assistant.translate.url == ""
    got = load_settings({"POLICYKB_TRANSLATE_URL": "http://127.0.0.1:5000", "POLICYKB_TRANSLATE_API_KEY": "x"})
    assert got.assistant.translate == replace(TranslateConfig(), url="http://127.0.0.1:5000", api_key="x")
    with pytest.raises(SettingsError, match="POLICYKB_TRANSLATE_URL"):
        load_settings({"POLICYKB_TRANSLATE_URL": "file:///etc/passwd"})


def test_a_translation_is_shown_in_the_chat_as_text_never_as_markup(corpus_searcher: Searcher, fake: FakeLibreTranslate) -> None:
    # A translation service is a third party: what it returns is escaped like a quote.
    fake.translate = lambda text: f'<img src=x onerror="alert(1)"><script>alert(2)</script> {text}'
    html = answer_html(answer(corpus_searcher, QUESTION, _config(fake.port)))
    assert 'class="pkb-translation"' in html and "traduction automatique" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
