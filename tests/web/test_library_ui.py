"""The library as issue #21 asks: search by title, filter by country, language, type and year, sort,
and counts that filter the list. Real server, real Chromium; screenshots in test-artifacts/.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.web.test_browser import ARTIFACTS

LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _open(page: Page) -> Locator:
    page.get_by_role("tab", name="Library").click()
    library = page.locator("#pkb-library .pkb-library")
    expect(library.locator("table.pkb-docs tbody tr").first).to_be_visible()
    return library


def _shown(library: Locator) -> Locator:
    return library.locator("table.pkb-docs tbody tr:visible")


def _column(library: Locator, index: int) -> list[str]:
    return [t.strip() for t in _shown(library).locator(f"td:nth-child({index})").all_inner_texts()]


def test_search_filter_and_clickable_counts(page: Page) -> None:
    page.set_viewport_size(LAPTOP)
    library = _open(page)
    rows = library.locator("table.pkb-docs tbody tr")
    total = rows.count()
    assert total > 5, "the test store holds documents"
    assert set(_column(library, 3)) <= {"English", "French", "Arabic"}, "languages are named, not coded"

    # A title search narrows the list to titles holding the words, whatever their case.
    first_title = rows.first.locator("td").first.inner_text().strip()
    word = max(re.findall(r"\w{5,}", first_title), key=len)
    library.locator(".pkb-lib-q").fill(word.upper())
    titles = _column(library, 1)
    assert titles and all(word.lower() in t.lower() for t in titles)
    expect(library.locator(".pkb-lib-shown")).to_have_attribute("data-shown", str(len(titles)))
    expect(library.locator(".pkb-lib-shown")).to_have_text(f"{len(titles)} of {total} documents shown")
    library.locator(".pkb-lib-q").fill("zzzz-no-such-title")
    expect(library.locator(".pkb-lib-empty")).to_be_visible()
    library.locator(".pkb-lib-clear").click()
    expect(_shown(library)).to_have_count(total)

    # A count is a link to what it counts: the country's number shows that country's documents only.
    library.locator(".pkb-lib-summary summary").click()
    count = library.locator("button.pkb-lib-count[data-filter=country]").first
    country_label = count.locator("xpath=ancestor::tr/td[1]").inner_text().strip()
    expected = int(count.inner_text())
    count.click()
    expect(_shown(library)).to_have_count(expected)
    assert set(_column(library, 2)) == {country_label}
    expect(library.locator("select[data-filter=country]")).to_have_value(count.get_attribute("data-value") or "")

    # Filters combine: that country in one language.
    library.locator("select[data-filter=lang]").select_option(index=1)
    language = library.locator("select[data-filter=lang] option:checked").inner_text()
    assert set(_column(library, 3)) <= {language} and set(_column(library, 2)) <= {country_label}
    page.screenshot(path=str(ARTIFACTS / "library-filtered.png"), full_page=True)
    library.locator(".pkb-lib-clear").click()
    expect(_shown(library)).to_have_count(total)


def test_columns_sort_both_ways(page: Page) -> None:
    page.set_viewport_size(LAPTOP)
    library = _open(page)
    year = library.locator("button.pkb-lib-sort[data-col='4']")
    year.click()
    years = [int(y) for y in _column(library, 5) if y]
    assert years == sorted(years)
    expect(library.locator("th").nth(4)).to_have_attribute("aria-sort", "ascending")
    year.click()
    years = [int(y) for y in _column(library, 5) if y]
    assert years == sorted(years, reverse=True)
    expect(library.locator("th").nth(4)).to_have_attribute("aria-sort", "descending")
    library.locator("button.pkb-lib-sort[data-col='0']").click()
    titles = _column(library, 1)
    assert titles[0].casefold() <= titles[-1].casefold()


def test_the_arabic_library_filters_right_to_left_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.locator("#pkb-ui-lang label", has_text="العربية").click()
    page.get_by_role("tab", name="المكتبة").click()
    library = page.locator("#pkb-library .pkb-library")
    expect(library).to_have_attribute("dir", "rtl")
    # The title sits above the language choice on a phone, not squeezed beside it.
    title, choice = page.locator("#pkb-heading").bounding_box(), page.locator("#pkb-ui-lang").bounding_box()
    assert title and choice and choice["y"] >= title["y"] + title["height"] - 1
    assert title["width"] > 300, "the title has the phone's width"
    expect(library.locator(".pkb-lib-q")).to_have_attribute("placeholder", "ابحث في العناوين")
    library.locator(".pkb-lib-summary summary").click()
    library.locator("button.pkb-lib-count[data-filter=lang][data-value=ar]").click()
    assert set(_column(library, 3)) == {"العربية"}
    arabic = len(_column(library, 3))
    # The count agrees with its number, in Arabic's plural forms (CLDR, in the browser as on the server).
    expect(library.locator(".pkb-lib-shown")).to_contain_text(f"{arabic} من")
    expect(library.locator("p").first).to_contain_text("وثيقة")
    page.screenshot(path=str(ARTIFACTS / "library-ar-phone.png"), full_page=True)
