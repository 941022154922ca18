"""The Gradio API as clients use it: gradio_client against the live server on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from docx import Document as DocxDocument
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.web.conftest import ADMIN, HOSTILE_QUESTION, LOCKOUT_USER, READER, LiveServer


def connect(server: LiveServer, user: tuple[str, str], tmp_path: Path) -> Client:
    return Client(server.url, auth=user, verbose=False, download_files=str(tmp_path), analytics_enabled=False)


@pytest.fixture()
def reader(live_server: LiveServer, tmp_path: Path) -> Iterator[Client]:
    client = connect(live_server, READER, tmp_path)
    yield client
    client.close()


def audit_events(server: LiveServer) -> list[dict[str, object]]:
    return [json.loads(line) for line in server.audit_log.read_text(encoding="utf-8").splitlines()]


def test_ask_returns_the_structured_answer_of_the_cli(reader: Client, live_server: LiveServer) -> None:
    result = reader.predict("How do Morocco and Tunisia fund cluster governance bodies?", api_name="/ask")
    assert isinstance(result, dict)
    for key in ("answer", "language", "countries", "coverage", "grid", "citations", "abstained"):
        assert key in result, f"/ask lacks '{key}'"
    assert result["language"] == "en" and set(result["countries"]) == {"MA", "TN"}
    assert result["citations"], "a comparative question on covered countries is answered with citations"
    for citation in result["citations"]:
        assert " ".join(citation["quote"].split()) in " ".join(citation["passage"].split()), "quotes are verbatim"
        assert citation["page"] >= 1 and citation["doc_id"]
    cells = {(cell["country"], cell["dimension"]) for cell in result["grid"]}
    assert len(cells) == len(result["countries"]) * len(result["dimensions"]), "the grid has every cell, evidence or not"
    asked = [event for event in audit_events(live_server) if event["event"] == "ask" and event["user"] == READER[0]]
    assert asked and asked[-1]["question"] == "How do Morocco and Tunisia fund cluster governance bodies?"
    assert asked[-1]["citations"], "the audit log keeps the citations given"


def test_ask_filters_restrict_countries_languages_and_years(reader: Client) -> None:
    result = reader.predict("Quelles incitations pour les technopôles ?", ["TN"], ["fr"], None, [2000, 2030], api_name="/ask")
    assert result["countries"] == ["TN"], "the country filter decides whom the answer covers"
    assert result["citations"], "the Tunisian French texts answer"
    for citation in result["citations"]:
        assert citation["country"] == "TN" and citation["lang"] == "fr", citation
        assert citation["year"] is None or 2000 <= citation["year"] <= 2030


def test_ask_in_arabic_is_framed_in_arabic(reader: Client) -> None:
    result = reader.predict("ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟", api_name="/ask")
    assert result["language"] == "ar" and "DZ" in result["countries"]
    assert result["citations"] and any(citation["lang"] == "ar" for citation in result["citations"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "question is empty"),
        (("x" * 2500,), "keep it under 2000"),
        (("clusters?", ["XX"]), "unknown country 'XX'"),
        (("clusters?", None, None, None, [2030, 2000]), "year range 2030-2000 is empty"),
        (("clusters?", None, None, None, [2000, 2010, 2020]), "at most two values"),
    ],
)
def test_bad_input_gets_a_clear_error(reader: Client, args: tuple[object, ...], message: str) -> None:
    with pytest.raises(AppError, match=message):
        reader.predict(*args, api_name="/ask")


def test_brief_export_through_the_session(live_server: LiveServer, tmp_path: Path) -> None:
    client = connect(live_server, READER, tmp_path)
    questions = (
        "How do Morocco and Tunisia fund cluster governance bodies?",
        "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟",
    )
    try:
        client.predict(api_name="/clear_brief")  # the brief is the user's, kept from earlier sessions
        with pytest.raises(AppError, match="no answer to add yet"):
            client.predict(api_name="/add_to_brief")
        with pytest.raises(AppError, match="brief is empty"):
            client.predict("Brief", api_name="/export_docx")
        for question in questions:
            client.predict(question, [], [], [], None, None, api_name="/chat")
            client.predict(api_name="/add_to_brief")
        docx_path = Path(client.predict("Brief for the dialogue", api_name="/export_docx"))
        markdown_path = Path(client.predict("Brief for the dialogue", api_name="/export_markdown"))
    finally:
        client.close()
    assert docx_path.suffix == ".docx" and markdown_path.suffix == ".md"
    markdown = markdown_path.read_text(encoding="utf-8")
    for question in questions:
        assert question in markdown, f"the Markdown brief holds the question {question!r}"
    document = DocxDocument(str(docx_path))
    assert document.core_properties.title == "Brief for the dialogue"
    assert len(document.tables) == 2, "one comparison grid per answer"
    body = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert questions[0] in body and questions[1] in body


def test_login_is_required(live_server: LiveServer) -> None:
    with pytest.raises(ValueError, match="(?i)login"):
        Client(live_server.url, verbose=False, analytics_enabled=False)
    with pytest.raises(ValueError, match="(?i)login"):
        Client(live_server.url, auth=(READER[0], "not-the-password"), verbose=False, analytics_enabled=False)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/gradio_api/info")  # noqa: S310 - loopback test server
    assert refused.value.code == 401, "the API description needs a login too"
    refused.value.close()  # an HTTPError holds the response's socket open until it is closed


def test_reader_cannot_upload(reader: Client, tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nArticle 1\nA cluster note.\n", encoding="utf-8")
    with pytest.raises(httpx.HTTPStatusError, match="403 Forbidden"):  # refused before the file is written
        reader.predict([handle_file(str(note))], "LB", "guideline", None, "", api_name="/upload")


def test_document_route_needs_a_login(live_server: LiveServer) -> None:
    for path in ("ma/loi-poles.fr.pdf", "../users.txt", "nothing-here.pdf"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{live_server.url}/document/{path}")  # noqa: S310 - loopback test server
        assert refused.value.code == 401, f"{path}: refused before any lookup"
        refused.value.close()


def test_request_bodies_over_the_limit_are_refused(live_server: LiveServer) -> None:
    request = urllib.request.Request(
        f"{live_server.url}/gradio_api/upload", data=b"x", method="POST", headers={"Content-Length": str(61 * 1024 * 1024)}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310 - loopback test server
    assert refused.value.code == 413 and b"MiB" in refused.value.read()
    refused.value.close()


def test_hostile_question_is_answered_with_markup_as_text(reader: Client) -> None:
    result = reader.predict(HOSTILE_QUESTION, ["LB"], api_name="/ask")
    assert not result["abstained"] and any(c["doc_id"] == "board-rules.en.txt" for c in result["citations"])


def test_a_chat_message_carries_a_documents_markup_only_as_text(reader: Client) -> None:
    # Each chat answer carries its cited passages and its Markdown (for the source viewer and the copy
    # buttons, #21): stored text inside the page's HTML, so the hostile document's markup must arrive escaped.
    messages = reader.predict(HOSTILE_QUESTION, ["LB"], [], [], None, None, api_name="/chat")[0]
    shown = str(messages[-1]["content"])
    assert "board rules" in shown and 'class="pkb-cited"' in shown and "pkb-copy-md" in shown
    assert "<script" not in shown and "<img" not in shown, "no markup from a document reaches the page"
    assert "&lt;script&gt;window.pkbInjected = true;&lt;/script&gt;" in shown


def test_upload_by_admin_is_searchable_and_bad_files_fail_alone(live_server: LiveServer, tmp_path: Path) -> None:
    admin = connect(live_server, ADMIN, tmp_path / "admin")
    good = tmp_path / "observatoire.fr.md"
    good.write_text(
        "# Observatoire des clusters (document de test)\n\nArticle 1\nL'observatoire des grappes d'entreprises "
        "publie chaque année un tableau de bord des coopératives de pêche artisanale.\n",
        encoding="utf-8",
    )
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    try:
        summary = admin.predict([handle_file(str(good)), handle_file(str(empty))], "LB", "report", 2025, "", api_name="/upload")
    finally:
        admin.close()
    text = summary[0] if isinstance(summary, (list, tuple)) else summary
    assert "uploads/observatoire.fr.md" in text, text
    assert "vide.pdf" in text and "error" in text, "the empty file fails with a message naming it"
    client = connect(live_server, READER, tmp_path / "reader")
    try:
        answer = client.predict("tableau de bord des coopératives de pêche artisanale", ["LB"], api_name="/ask")
    finally:
        client.close()
    assert any(c["doc_id"] == "uploads/observatoire.fr.md" for c in answer["citations"]), "the upload is searchable at once"
    uploads = [event for event in audit_events(live_server) if event["event"] == "upload"]
    assert uploads and uploads[-1]["user"] == ADMIN[0]


def test_repeated_wrong_passwords_slow_their_address_down(live_server: LiveServer) -> None:
    # From an address of its own (any 127.x.y.z reaches the server): failures slow down only the
    # address they come from, and the other tests sign in from 127.0.0.1.
    transport = httpx.HTTPTransport(local_address="127.0.0.5")
    with httpx.Client(base_url=live_server.url, transport=transport, timeout=60) as client:
        wrong = [client.post("/login", data={"username": LOCKOUT_USER[0], "password": "wrong-password"}) for _ in range(5)]
        right = client.post("/login", data={"username": LOCKOUT_USER[0], "password": LOCKOUT_USER[1]})
    assert [response.status_code for response in wrong] == [400] * 5
    assert right.status_code == 400, "the right password waits for the delay too"


def test_sixteen_users_asking_at_once_all_get_answers(live_server: LiveServer, tmp_path: Path) -> None:
    questions = [
        "How do Morocco and Tunisia fund cluster governance bodies?",
        "Quelles incitations la Tunisie accorde-t-elle aux pôles de compétitivité ?",
        "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟",
        "How does Egypt manage technology parks?",
    ]
    clients = [connect(live_server, READER, tmp_path / str(n)) for n in range(16)]

    def one(n: int) -> dict[str, object]:
        answer: dict[str, object] = clients[n].predict(questions[n % len(questions)], api_name="/ask")
        return answer

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(one, range(16)))
    finally:
        for client in clients:
            client.close()
    assert len(results) == 16 and all(isinstance(result, dict) for result in results)
    assert all(result["citations"] for result in results), "every user got a cited answer"
