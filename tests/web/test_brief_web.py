"""The brief and saved conversations in the browser: a list with move and remove, refusals, one-click downloads,
and what survives a reload. Real server, Debian's Chromium, at a laptop's 1366x900 and a phone's 390x844.

Screenshots go to test-artifacts/ (``brief-*.png``). The brief is kept per user, so these tests sign in
as a user of their own and empty the brief first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.web.conftest import BRIEF_USER, LiveServer, signed_in_page
from tests.web.test_browser import ARTIFACTS, ask, screenshot

LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
COMPARATIVE = "How do Morocco and Tunisia fund cluster governance bodies?"
ARABIC = "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟"
ABSTAINS = "What is the recipe for couscous with seven vegetables in Morocco?"


@pytest.fixture()
def tab(browser: Browser, live_server: LiveServer, requested_hosts: list[str]) -> Iterator[Page]:
    opened = signed_in_page(browser, live_server, BRIEF_USER, requested_hosts)
    opened.set_viewport_size(LAPTOP)
    # The page's load fills the list, the title and the download links in one response: wait for it.
    expect(opened.locator("#pkb-brief-downloads .pkb-downloads, #pkb-brief-empty")).to_be_visible()
    opened.locator("#pkb-clear").click()
    expect(opened.locator(".pkb-brief-item")).to_have_count(0)
    _type_title(opened, "Policy-dialogue brief")  # the default: follows the language
    yield opened
    opened.context.close()


def _type_title(tab: Page, title: str) -> None:
    """Type the title key by key, as a person does: the title is saved on input events."""
    box = tab.locator("#pkb-brief-title textarea")
    box.click()
    box.press("Control+A")
    box.press_sequentially(title)
    expect(box).to_have_value(title)


def _questions(tab: Page) -> list[str]:
    return [q.strip() for q in tab.locator(".pkb-brief-item .pkb-brief-question").all_inner_texts()]


def _add(tab: Page, expected: str) -> None:
    tab.locator("#pkb-add").click()
    expect(tab.locator("#pkb-brief-status")).to_contain_text(expected)


def _download(tab: Page, kind: str, folder: Path) -> Path:
    with tab.expect_download() as started:
        tab.locator(f"#pkb-download-{kind}").click()  # one click: no file box to open afterwards
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path


def test_the_brief_lists_refuses_repeats_and_abstentions_reorders_and_downloads(
    tab: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    expect(tab.locator("#pkb-brief-downloads")).to_contain_text("The brief is empty")
    ask(tab, COMPARATIVE)
    _add(tab, "Added to the brief")
    _add(tab, "this answer is in the brief already")
    ask(tab, ABSTAINS)
    _add(tab, "had no answer to this question")
    assert _questions(tab) == [COMPARATIVE], "a repeat and an abstention are not added"
    ask(tab, ARABIC)
    _add(tab, "Added to the brief")
    expect(tab.locator(".pkb-brief-item")).to_have_count(2)
    second = tab.locator(".pkb-brief-item").nth(1)
    expect(second).to_contain_text("Algeria")  # the summary names the countries and counts the quotes
    expect(second).to_contain_text(re.compile(r"(\d+ cited quotes|1 cited quote)"))  # the count agrees with its number
    expect(tab.locator(".pkb-brief-item").first.locator(".pkb-brief-up")).to_be_disabled()

    second.locator(".pkb-brief-up").click()
    expect(tab.locator(".pkb-brief-item").first).to_contain_text(ARABIC)
    assert _questions(tab) == [ARABIC, COMPARATIVE]
    tab.locator("#pkb-brief").scroll_into_view_if_needed()
    screenshot(tab, "brief-list-1366")

    document = docx.Document(str(_download(tab, "docx", tmp_path)))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[:2] == [f"1. {ARABIC}", f"2. {COMPARATIVE}"], "the DOCX follows the list's order"
    width = document.sections[0].page_width
    assert width is not None and round(width.mm) == 210 and document.core_properties.author == BRIEF_USER[0]
    numbered = [p for p in document.paragraphs if p._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None]
    assert numbered, "the references are a Word numbered list"
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")]
    assert targets and all(t.startswith(f"{live_server.url}/document/") and "#page=" in t for t in targets)
    original = tab.request.get(targets[0].split("#")[0])
    assert original.status == 200, "a reference's link opens the original for a signed-in user"

    markdown = _download(tab, "md", tmp_path).read_text(encoding="utf-8")
    assert markdown.index(ARABIC) < markdown.index(COMPARATIVE)
    assert "&amp;" not in markdown and "R&D" in markdown, "Markdown without HTML entities"

    tab.locator(".pkb-brief-item").first.locator(".pkb-brief-remove").click()
    expect(tab.locator(".pkb-brief-item")).to_have_count(1)
    assert _questions(tab) == [COMPARATIVE]


def test_the_brief_and_conversations_survive_a_reload(tab: Page) -> None:
    ask(tab, COMPARATIVE)
    _add(tab, "Added to the brief")
    _type_title(tab, "Cluster funding & R&D")
    tab.wait_for_timeout(500)  # the title is saved as it is typed

    tab.reload()
    tab.wait_for_selector("#pkb-question textarea")
    expect(tab.locator(".pkb-brief-item")).to_have_count(1)
    expect(tab.locator("#pkb-brief-title textarea")).to_have_value("Cluster funding & R&D")
    assert tab.locator("#pkb-chat .pkb-answer").count() == 0, "a reload opens an empty chat"

    tab.locator("#pkb-saved").get_by_text("Saved conversations").click()
    listing = tab.locator("#pkb-conversations input")
    listing.click()
    saved = tab.get_by_role("option", name=COMPARATIVE)
    before = saved.count()
    assert before >= 1, "the conversation was saved with its first question as title"
    saved.first.click()
    tab.locator("#pkb-open-conversation").click()
    expect(tab.locator("#pkb-chat .pkb-answer")).to_have_count(1)
    expect(tab.locator("#pkb-chat .pkb-answer")).to_contain_text("Morocco")
    expect(tab.locator("#pkb-grid table.pkb-grid tbody tr")).to_have_count(2)  # the answer's grid comes back too
    screenshot(tab, "brief-conversation-reopened")

    tab.locator("#pkb-delete-conversation").click()
    expect(listing).to_have_value("")
    listing.click()
    expect(tab.get_by_role("option", name=COMPARATIVE)).to_have_count(before - 1)
    tab.keyboard.press("Escape")


def test_the_brief_on_a_phone(tab: Page) -> None:
    ask(tab, COMPARATIVE)
    _add(tab, "Added to the brief")
    ask(tab, ARABIC)
    _add(tab, "Added to the brief")
    tab.set_viewport_size(PHONE)
    item = tab.locator(".pkb-brief-item").first
    item.scroll_into_view_if_needed()
    for selector in (".pkb-brief-up", ".pkb-brief-down", ".pkb-brief-remove"):
        box = item.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{selector} on screen"
    link = tab.locator("#pkb-download-docx").bounding_box()
    assert link is not None and link["x"] + link["width"] <= PHONE["width"]
    screenshot(tab, "brief-list-390")
    tab.locator("#pkb-brief").screenshot(path=str(ARTIFACTS / "brief-panel-390.png"))
    text_box = item.locator(".pkb-brief-text").bounding_box()
    assert text_box is not None and text_box["width"] > PHONE["width"] * 0.6, "on a phone the buttons go under the text"


def test_the_brief_in_the_arabic_interface(tab: Page) -> None:
    ask(tab, ARABIC)
    _add(tab, "Added to the brief")
    tab.locator("#pkb-ui-lang label", has_text="العربية").click()
    item = tab.locator(".pkb-brief-item").first
    expect(item.locator(".pkb-brief-remove")).to_contain_text("إزالة")
    expect(item.locator(".pkb-brief-text")).to_have_attribute("dir", "rtl")
    expect(tab.locator("#pkb-download-docx")).to_have_attribute("href", "/brief/download/docx?lang=ar")
    expect(tab.locator("#pkb-brief-title textarea")).to_have_value("مذكرة الحوار السياساتي")
    tab.locator("#pkb-brief").scroll_into_view_if_needed()
    screenshot(tab, "brief-list-ar")
    tab.locator("#pkb-ui-lang label", has_text="English").click()
    expect(item.locator(".pkb-brief-remove")).to_contain_text("Remove")
