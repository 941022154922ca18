"""The chat as issue #21 asks: citations open their passage in view, the search scope is visible, and a
new answer opens at its top. Real server, real Chromium, at a laptop's 1366x900 and a phone's 390x844.

Screenshots go to test-artifacts/ (``chat-*.png``) for people to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import FloatRect, Locator, Page, ViewportSize, expect

from assistant.phrases import DOC_TYPE_NAMES
from tests.web.conftest import HOSTILE_QUESTION, LiveServer
from tests.web.test_browser import ARTIFACTS, ask


@pytest.fixture()
def tab(page: Page) -> Page:
    """The signed-in page (tests/web/conftest.py: it fails a test that fetches from another host or
    breaks the Content-Security-Policy), at the default size until a test sets its own."""
    return page


@pytest.fixture()
def chat_clipboard(tab: Page, live_server: LiveServer) -> Page:
    """The page at a laptop's size, allowed to read the clipboard the copy buttons write."""
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    tab.set_viewport_size(LAPTOP)
    return tab


LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
COMPARATIVE = "How do Morocco and Tunisia fund cluster governance bodies?"


def screenshot(tab: Page, name: str) -> None:
    """What the screen shows (the viewer is fixed to it, so a full-page picture would misplace it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _viewer(tab: Page) -> Locator:
    return tab.locator("#pkb-viewer")


def _box(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, "the element is laid out"
    return box


def _quote_of(answer: Locator, number: str) -> str:
    item = answer.locator("li", has=answer.page.locator(f"a.pkb-cite:text-is('[{number}]')")).first
    return " ".join(item.locator("q").first.inner_text().split())


def test_a_citation_opens_its_passage_beside_the_answer_without_scrolling(tab: Page, live_server: LiveServer) -> None:
    tab.set_viewport_size(LAPTOP)
    ask(tab, COMPARATIVE)
    answer = tab.locator("#pkb-chat .pkb-answer").last
    marker = answer.locator("a.pkb-cite").nth(1)
    number = marker.inner_text().strip("[]")

    # A link: the grid's link colour, reachable by keyboard, named for screen readers.
    grid_marker = tab.locator("#pkb-grid a.pkb-cite").first
    colour = "el => getComputedStyle(el).color"
    assert marker.evaluate(colour) == grid_marker.evaluate(colour), "chat and grid citation numbers look alike"
    assert marker.get_attribute("href") == f"#pkb-source-{number}"
    title = marker.get_attribute("title") or ""
    assert title.startswith(f"Source {number}: "), "the number's title names its source"
    expect(marker).to_have_attribute("aria-label", title)

    before = tab.evaluate("scrollY")
    marker.click()
    viewer = _viewer(tab)
    expect(viewer).to_be_visible()
    assert tab.evaluate("scrollY") == before, "opening a source does not scroll the page"
    expect(viewer.locator("h4")).to_contain_text(f"[{number}]")
    highlighted = " ".join(viewer.locator("mark").inner_text().split())
    quote = _quote_of(answer, number)
    assert quote in highlighted or highlighted in quote, "the quoted words are highlighted in the passage"
    shown, chat = _box(viewer), _box(tab.locator("#pkb-chat"))
    assert shown["x"] >= chat["x"] + chat["width"] - 1, "the viewer stands beside the chat, not over it"
    assert shown["y"] >= 0 and shown["y"] + shown["height"] <= LAPTOP["height"], "the whole viewer is on screen"
    mark = _box(viewer.locator("mark"))
    assert 0 <= mark["y"] < LAPTOP["height"], "the highlighted words are in view"
    screenshot(tab, "chat-citation-viewer-1366")

    href = viewer.locator("a.pkb-original").get_attribute("href") or ""
    assert href.startswith("/document/") and ("#page=" in href or "#:~:text=" in href), "the original opens at the quote"
    assert tab.request.get(live_server.url + href.split("#")[0]).status == 200

    tab.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(marker).to_be_focused()  # focus returns to the number that opened it

    # The keyboard opens the same viewer: Enter on a focused citation number.
    other = answer.locator("a.pkb-cite").first
    other.focus()
    tab.keyboard.press("Enter")
    expect(viewer).to_be_visible()
    expect(viewer.locator("h4")).to_contain_text(f"[{other.inner_text().strip('[]')}]")


def test_a_citation_in_an_earlier_answer_opens_that_answers_source(tab: Page) -> None:
    tab.set_viewport_size(LAPTOP)
    ask(tab, COMPARATIVE)
    ask(tab, "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟")
    first = tab.locator("#pkb-chat .pkb-answer").first
    marker = first.locator("a.pkb-cite").first
    title = marker.get_attribute("title") or ""
    marker.scroll_into_view_if_needed()
    marker.click()
    heading = _viewer(tab).locator("h4")
    expect(heading).to_be_visible()
    # The first answer cites Moroccan and Tunisian texts; the latest only Algerian ones.
    assert heading.inner_text().split("] ", 1)[1] in title, "the earlier answer's own source, not the latest answer's [1]"


def test_on_a_phone_the_passage_opens_as_a_drawer(tab: Page) -> None:
    tab.set_viewport_size(PHONE)
    ask(tab, COMPARATIVE)
    marker = tab.locator("#pkb-chat .pkb-answer").last.locator("a.pkb-cite").nth(1)
    marker.scroll_into_view_if_needed()
    before = tab.evaluate("scrollY")
    marker.click()
    viewer = _viewer(tab)
    expect(viewer).to_be_visible()
    assert tab.evaluate("scrollY") == before, "opening a source does not scroll the page"
    drawer = _box(viewer)
    assert drawer["width"] == PHONE["width"], "the drawer spans the screen"
    assert abs(drawer["y"] + drawer["height"] - PHONE["height"]) <= 1, "the drawer rises from the bottom"
    assert drawer["height"] <= 0.7 * PHONE["height"], "the answer stays visible above the drawer"
    mark = _box(viewer.locator("mark"))
    assert drawer["y"] <= mark["y"] < PHONE["height"], "the highlighted words are in view inside the drawer"
    screenshot(tab, "chat-citation-drawer-390")
    viewer.locator(".pkb-viewer-close").click()
    expect(viewer).to_be_hidden()


def test_a_documents_markup_stays_text_in_the_viewer(tab: Page) -> None:
    ask(tab, HOSTILE_QUESTION)
    answer = tab.locator("#pkb-chat .pkb-answer").last
    answer.locator("a.pkb-cite").first.click()
    viewer = _viewer(tab)
    expect(viewer).to_contain_text("<script>window.pkbInjected = true;</script>")
    assert tab.locator("#pkb-viewer script, #pkb-viewer img, #pkb-chat .pkb-cited script").count() == 0
    assert tab.evaluate("window.pkbInjected === undefined"), "no script from a document ran"


def test_the_scope_is_visible_and_a_left_out_country_can_be_asked_for(tab: Page) -> None:
    tab.set_viewport_size(LAPTOP)
    tab.evaluate("scrollTo(0, 0)")
    filters, ask_button = _box(tab.locator("#pkb-filters")), _box(tab.locator("#pkb-ask"))
    assert filters["y"] + filters["height"] <= LAPTOP["height"], "the filters are reachable without scrolling"
    assert ask_button["y"] + ask_button["height"] <= LAPTOP["height"], "so is Ask"
    expect(tab.locator("#pkb-scope")).to_contain_text("no filter")
    screenshot(tab, "chat-start-1366")

    tab.locator("#pkb-filters").get_by_text("Filters").click()
    expect(tab.locator("#pkb-year-min input")).to_have_value("Any year")  # empty, not 0
    expect(tab.locator("#pkb-year-max input")).to_have_value("Any year")
    offered = {" ".join(label.split()) for label in tab.locator("#pkb-types label").all_inner_texts()}
    assert "guideline" in offered, "a type only the test fixtures hold is offered: the list comes from the store"
    assert DOC_TYPE_NAMES["order"][0] not in offered, "a known type no stored document has is not offered"
    expect(tab.locator("#pkb-langs label")).to_have_text(["Arabic", "French", "English"])

    tab.locator("#pkb-maghreb").click()
    chips = tab.locator("#pkb-scope .pkb-chip")
    expect(chips).to_have_text(["Countries Algeria, Morocco, Tunisia"])
    tab.locator("#pkb-filters").get_by_text("Filters").click()  # fold the filters again

    ask(tab, "What support does Jordan offer to innovative startups?")
    notice = tab.locator(".pkb-scope-notice")
    expect(notice).to_contain_text("Jordan")
    expect(notice).to_contain_text("Algeria, Morocco, Tunisia")
    widen = tab.locator("#pkb-widen")
    expect(widen).to_have_text("Answer for Jordan instead")
    screenshot(tab, "chat-scope-notice-1366")

    widen.click()
    expect(tab.locator("#pkb-chat .pkb-answer")).to_have_count(2)
    latest = tab.locator("#pkb-chat .pkb-answer").last
    expect(latest).to_contain_text("Jordan")
    for name in ("Algeria", "Morocco", "Tunisia"):
        expect(latest.locator("ul.pkb-in-short")).not_to_contain_text(name)
    expect(chips).to_have_text(["Countries Jordan"])
    expect(widen).to_be_hidden()


def test_on_a_phone_the_scope_notice_and_chips_fit(tab: Page) -> None:
    tab.set_viewport_size(PHONE)
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    tab.locator("#pkb-mashreq").click()
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    ask(tab, "Quelles incitations la Tunisie accorde-t-elle aux pôles de compétitivité ?")
    notice = tab.locator(".pkb-scope-notice")
    expect(notice).to_contain_text("Tunisia")
    for part in (notice, tab.locator("#pkb-widen"), tab.locator("#pkb-scope")):
        box = _box(part)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "nothing runs off a phone's screen"
    tab.locator("#pkb-widen").scroll_into_view_if_needed()
    screenshot(tab, "chat-scope-notice-390")


def test_a_long_answer_opens_at_its_top_and_in_view(tab: Page) -> None:
    tab.set_viewport_size(LAPTOP)
    for count, question in enumerate((COMPARATIVE, "Which countries support startups and incubators?"), start=1):
        tab.evaluate("scrollTo(0, document.body.scrollHeight)")  # the user has scrolled away from the chat
        ask(tab, question)
        latest = tab.locator("#pkb-chat .pkb-answer").nth(count - 1)
        expect(latest).to_contain_text("Evidence found for")
        tab.wait_for_timeout(300)  # the scroll happens on the next frame
        top, chat = _box(latest), _box(tab.locator("#pkb-chat"))
        assert chat["y"] <= top["y"] <= chat["y"] + 80, f"answer {count} opens at its top, just under the label"
        assert 0 <= top["y"] < LAPTOP["height"], f"answer {count} renders in view"
    screenshot(tab, "chat-long-answer-top-1366")


def test_an_answer_is_copied_as_markdown_or_text_never_html(chat_clipboard: Page) -> None:
    tab = chat_clipboard
    ask(tab, "How do Morocco and Tunisia fund R&D in clusters?")
    answer = tab.locator("#pkb-chat .pkb-answer").last
    answer.locator("button.pkb-copy-as-md").click()
    expect(answer.locator("button.pkb-copy-as-md")).to_have_class("pkb-copy pkb-copy-as-md pkb-copied")
    markdown = tab.evaluate("navigator.clipboard.readText()")
    assert markdown.startswith("## Answer\n"), "the answer's Markdown, as `policykb ask` prints it"
    assert "R&D" in markdown and "&amp;" not in markdown and "<" not in markdown, "no HTML, no entities"
    assert "### Sources" in markdown and "[1]" in markdown
    answer.locator("button.pkb-copy-as-text").click()
    expect(answer.locator("button.pkb-copy-as-text")).to_have_class("pkb-copy pkb-copy-as-text pkb-copied")
    plain = tab.evaluate("navigator.clipboard.readText()")
    assert plain.startswith("Answer\n") and "**" not in plain and "###" not in plain and "<" not in plain
    assert "Sources" in plain and "R&D" in plain
    screenshot(tab, "chat-copy-1366")


def test_the_last_answer_is_regenerated_and_its_question_edited(tab: Page) -> None:
    tab.set_viewport_size(LAPTOP)
    ask(tab, "How does Morocco fund its clusters?")
    ask(tab, "And Tunisia?")
    answers = tab.locator("#pkb-chat .pkb-answer")
    expect(answers.last).to_contain_text("Tunisia")

    # Regenerate after filtering on Jordan: the last question is asked again with the filters as they
    # are now, and its answer replaces the last one (the first stays).
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    tab.locator("#pkb-countries label", has_text="Jordan").click()
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    tab.locator("#pkb-regenerate").click()
    expect(tab.locator(".pkb-scope-notice")).to_contain_text("Tunisia")
    expect(answers).to_have_count(2)
    expect(answers.last).to_contain_text("Jordan")  # quotes, or the closest Jordanian documents
    expect(answers.last).not_to_contain_text("Tunisia")
    expect(answers.first).to_contain_text("Morocco")
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    tab.locator("#pkb-none").click()  # no filter again, for the edited question
    tab.locator("#pkb-filters").get_by_text("Filters").click()
    tab.locator("#pkb-edit").click()
    expect(answers).to_have_count(1)
    box = tab.locator("#pkb-question textarea")
    expect(box).to_have_value("And Tunisia?")
    expect(box).to_be_focused()
    box.fill("And Jordan?")
    tab.locator("#pkb-ask").click()
    expect(answers).to_have_count(2)
    expect(answers.last).to_contain_text("Jordan")
    screenshot(tab, "chat-regenerate-edit-1366")
