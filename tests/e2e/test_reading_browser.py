"""Reading on any screen, in a real browser: tables on phones, and the small faults of a
reading walk (captions, indentation, a repeated caption, the favicon, the sticky contents)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import DESKTOP
from tests.seed_facts import FACTS
from tests.text import missing_in_order

REPORT = "/reports/2020/digital-administration/"
TABLE_PAGES = {"report": REPORT, "awards": "/awards/?year=2020", "item": "/items/lgwan-levy/"}
PHONES = [320, 375, 414]

# Every table cell shown on the page (a table head kept for screen readers only is not), with
# its size, and the page's sideways overflow. The yardstick is the body text's size.
MEASURE = """() => {
  const em = parseFloat(getComputedStyle(document.body).fontSize);
  const shown = c => { for (let e = c; e && e !== document.body; e = e.parentElement)
      if (getComputedStyle(e).clipPath !== 'none') return false;
    return c.getClientRects().length > 0; };
  const cells = [...document.querySelectorAll('main th, main td')].filter(shown)
    .map(c => { const r = c.getBoundingClientRect();
      return {text: c.innerText.trim().slice(0, 30), width: r.width, height: r.height}; });
  const root = document.documentElement;
  return {em, cells, overflow: root.scrollWidth - root.clientWidth};
}"""


@pytest.mark.parametrize("width", PHONES)
def test_no_table_cell_is_narrower_than_four_characters_on_a_phone(seed, browser_page, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    narrow, overflow, tallest = {}, {}, {}
    for name, url in TABLE_PAGES.items():
        page.goto(url)
        measured = page.evaluate(MEASURE)
        assert measured["cells"], f"{name} shows no table"
        narrow[name] = [c for c in measured["cells"] if c["width"] < 4 * measured["em"]]
        overflow[name] = measured["overflow"]
        tallest[name] = max(c["height"] for c in measured["cells"])

    assert narrow == {name: [] for name in TABLE_PAGES}
    assert overflow == {name: 0 for name in TABLE_PAGES}
    # Once a cell was one character wide and 633 px tall.
    assert max(tallest.values()) < 200


def test_on_a_phone_contracts_and_awards_are_cards_of_label_and_value(seed, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(REPORT)

    contract = page.locator("table.contracts tbody tr").last
    lines = contract.inner_text().splitlines()
    assert lines[0] == "市町村のデジタル化推進に係るアドバイザー業務"
    labels = contract.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"委託先："', '"契約期間："', '"契約金額："']
    award = page.locator("table.awards tbody tr").first
    assert award.locator("th").inner_text() == "河内長野市"
    assert award.bounding_box()["width"] > 300  # a card as wide as the column


def test_on_a_phone_settlement_tables_scroll_by_keyboard_under_fixed_row_labels(seed, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(REPORT)
    region = page.get_by_role("group", name="地方公共団体情報システム機構への負担金").first
    caption = region.locator("caption")
    hint = caption.evaluate("c => getComputedStyle(c, '::after').content")
    assert "左右にスクロールできます" in hint
    label = region.locator("tbody th").first
    left_before = label.bounding_box()["x"]
    last_year = region.locator("thead th").last
    assert last_year.bounding_box()["x"] > 320  # off screen until scrolled

    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    assert abs(label.bounding_box()["x"] - left_before) <= 1  # the row labels stay

    region.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert abs(label.bounding_box()["x"] - left_before) <= 1
    assert last_year.bounding_box()["x"] + last_year.bounding_box()["width"] <= 320


@pytest.mark.parametrize("width", [320, 1280])
def test_report_keeps_every_fact_of_the_seed_in_order(seed, browser_page, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(REPORT)

    assert missing_in_order(page.locator("main").inner_text(), FACTS) == []


def test_desktop_captions_fit_one_line_and_tables_of_one_initiative_line_up(seed, browser_page):
    page = browser_page
    page.goto(REPORT)

    captions = page.locator("main caption:not(.visually-hidden)").evaluate_all(
        """cs => cs.map(c => ({text: c.innerText.slice(0, 20),
            lines: Math.round(c.getBoundingClientRect().height
                / parseFloat(getComputedStyle(c).lineHeight))}))"""
    )
    assert [c for c in captions if c["lines"] > 1] == []
    # Tables in one initiative (text between them included, as under マイナンバー制度…) start
    # at one edge.
    edges = page.locator("main table").evaluate_all(
        """ts => ts.map(t => [t.closest('.initiative').id,
            Math.round(t.getBoundingClientRect().left)])"""
    )
    by_owner = {}
    for owner, left in edges:
        by_owner.setdefault(owner, set()).add(left)
    assert [owner for owner, lefts in by_owner.items() if len(lefts) > 1] == []
    assert len({left for lefts in by_owner.values() for left in lefts}) <= 2  # two depths


def test_a_contract_table_under_its_own_heading_does_not_repeat_it(seed, browser_page):
    page = browser_page
    page.goto(REPORT)
    heading = page.locator("h4.initiative-title", has_text="契約状況").first
    section = heading.locator("xpath=..")

    assert heading.inner_text().endswith("契約状況")
    caption = section.locator("caption")
    assert caption.inner_text() == "契約状況"  # still names the table for screen readers
    assert caption.bounding_box()["height"] <= 1


def test_every_request_of_a_page_is_answered_and_the_favicon_is_served(seed, browser_page):
    page = browser_page
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(REPORT)
    icons = page.locator("link[rel=icon]").evaluate_all("ls => ls.map(l => l.href)")
    for icon in icons:
        response = page.request.get(icon)
        assert response.status == 200
        assert response.headers["content-type"] in {
            "image/svg+xml",
            "image/x-icon",
            "image/vnd.microsoft.icon",
        }
    assert page.request.get("/favicon.ico").status == 200  # followed to the static file
    page.goto("/admin/login/")

    assert failed == []


@pytest.mark.parametrize("height", [900, 600])
def test_sticky_contents_end_above_the_window_foot(seed, browser_page, height):
    page = browser_page
    page.set_viewport_size({"width": DESKTOP["width"], "height": height})
    page.goto(REPORT)
    page.mouse.wheel(0, 2500)
    page.wait_for_function(
        "() => document.querySelector('.report-aside').getBoundingClientRect().top < 20"
    )

    foot = page.evaluate(
        """() => { const aside = document.querySelector('.report-aside');
            aside.scrollTop = aside.scrollHeight;
            const links = aside.querySelectorAll('.toc a');
            return {last: links[links.length - 1].getBoundingClientRect().bottom,
                    aside: aside.getBoundingClientRect().bottom, window: innerHeight}; }"""
    )

    assert foot["aside"] <= foot["window"]
    assert foot["last"] <= foot["aside"]


@pytest.mark.parametrize("width", [320, 1280])
def test_table_pages_pass_axe(seed, browser_page, width):
    page, axe = browser_page, Axe()
    page.set_viewport_size({"width": width, "height": 800})
    reports = {}
    for name, url in TABLE_PAGES.items():
        page.goto(url)
        result = axe.run(page)
        if result.violations_count:
            reports[name] = result.generate_report()

    assert reports == {}
