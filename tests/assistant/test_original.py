"""Non-PDF originals shown as readable text (assistant.original), read by ingest's own readers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from assistant.original import is_readable, readable_page, text_fragment
from assistant.views import document_url


def test_an_html_original_is_its_text_escaped_with_nothing_that_runs(tmp_path: Path) -> None:
    source = tmp_path / "law.fr.html"
    source.write_text(
        "<html><head><title>Loi</title><script>alert(1)</script><link rel=stylesheet href=http://x/a.css></head>"
        "<body><h1>Loi sur les pôles</h1><p>Article 3 : le pôle est géré par un conseil &amp; un comité.</p>"
        '<img src="http://example.org/track.png"><p onclick="steal()">Article 4 : financement.</p></body></html>',
        encoding="utf-8",
    )
    page = readable_page(source, "Loi <b>pôles</b>", "fr")
    assert "Article 3 : le pôle est géré par un conseil &amp; un comité." in page
    assert "Article 4 : financement." in page
    assert "<script" not in page and "alert(1)" not in page and "<img" not in page and "onclick" not in page
    assert "http://" not in page, "nothing is fetched from elsewhere"
    assert "<title>Loi &lt;b&gt;pôles&lt;/b&gt;</title>" in page


def test_an_arabic_markdown_original_reads_right_to_left(tmp_path: Path) -> None:
    source = tmp_path / "qanun.ar.md"
    source.write_text("# قانون\n\nالمادة 1: تُنشأ هيئة عامة.\n", encoding="utf-8")
    page = readable_page(source, "قانون", "ar")
    assert 'dir="rtl"' in page and "المادة 1: تُنشأ هيئة عامة." in page
    assert is_readable(source) and not is_readable(tmp_path / "x.pdf")


def test_links_open_a_pdf_at_its_page_and_a_text_at_its_quote() -> None:
    quote = "Le pôle & le comité - créé, par décret, reçoit 30 % du budget"
    assert document_url("ma/loi.fr.pdf", 4, quote) == "/document/ma/loi.fr.pdf#page=4"
    url = document_url("ma/loi.fr.html", 4, quote)
    assert url.startswith("/document/ma/loi.fr.html#:~:text=")
    fragment = url.split("#:~:text=")[1]
    assert "-" not in fragment and "," not in fragment and "&" not in fragment, "text-fragment syntax is escaped"
    assert unquote(fragment) == "Le pôle & le comité - créé, par"
    assert text_fragment("") == ""
