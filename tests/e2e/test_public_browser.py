"""The public site in a real browser: a newcomer's walk, accessibility (axe), small screens and
the keyboard."""

import re

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import NARROWEST

REPORT = "/reports/2020/digital-administration/"
# One URL of every page type of the public site.
PAGE_TYPES = {
    "home": "/",
    "years": "/reports/",
    "year": "/reports/2020/",
    "report": REPORT,
    "item": "/items/lgwan-levy/",
    "awards": "/awards/?year=2020",
    "municipality": "/municipalities/271004/",
    "vendor": "/vendors/1/",
    "search": "/search/?q=ICT",
    "not found": "/reports/2020/no-such-division/",
}


def test_newcomers_walk_from_home_to_search_and_keyboard_reaches_the_pdf(
    immediate_tasks, seed, browser_page
):
    # One test for both: the edition's PDF is rendered (a few seconds) once.
    page = browser_page

    page.goto("/")
    page.get_by_role("link", name="令和２年度の一覧ページへ").click()
    page.wait_for_url("**/reports/2020/")
    page.get_by_role("link", name="デジタル行政推進課", exact=True).click()
    page.wait_for_url(f"**{REPORT}")
    assert page.title() == "令和２年度 デジタル行政推進課 事務事業実績 | 大阪府 事務事業実績"

    contents = page.get_by_role("navigation", name="目次")
    contents.get_by_role("link", name="（ＬＧＷＡＮ）の運営").click()
    page.wait_for_url(re.compile(r"#i\d+$"))
    target = page.locator(page.url[page.url.index("#") :])
    assert "（ＬＧＷＡＮ）の運営" in target.locator(".initiative-title").first.inner_text()
    assert target.locator(".initiative-title").first.is_visible()
    top = target.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 200  # scrolled to the heading

    pdf_link = page.get_by_role("link", name=re.compile(r"^PDF（"))
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    # The CSV step of the walk belongs to the open data pages and their own browser test.

    page.get_by_role("navigation", name="目次")  # still on the report
    page.get_by_role("link", name="地方公共団体情報システム機構への負担金").first.click()
    page.wait_for_url("**/items/*/")
    chart = page.get_by_role("img", name=re.compile("決算額（円）のグラフ"))
    assert chart.is_visible()
    assert chart.locator("rect.chart-bar").count() == 3
    assert page.locator("table caption").first.inner_text().startswith("年度別の決算額")

    page.get_by_role("navigation", name="サイト内の主なページ").get_by_role(
        "link", name="検索"
    ).click()
    page.get_by_label("キーワード", exact=True).fill("ICT")
    page.get_by_role("button", name="検索").click()
    page.wait_for_url("**/search/?q=ICT")
    hit = page.get_by_role("link", name="１　庁内ＩＣＴ化の推進")
    assert hit.locator("mark").inner_text() == "ＩＣＴ"
    hit.click()
    page.wait_for_url(f"**{REPORT}#i*")

    keyboard_reaches_the_pdf_link(page)


def test_every_page_type_passes_axe_and_fits_a_320px_screen(seed, browser_page, live_server):
    page, axe = browser_page, Axe()
    violations, too_wide = {}, {}
    pages = dict(PAGE_TYPES)
    # The 500 page cannot be provoked on purpose: serve its HTML at a URL of the live server.
    from public.views import server_error

    error_html = server_error(None).content.decode()
    page.route(
        "**/server-error-preview/",
        lambda route: route.fulfill(status=500, body=error_html, content_type="text/html"),
    )
    pages["server error"] = "/server-error-preview/"

    for name, url in pages.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        result = axe.run(page)
        if result.violations_count:
            violations[name] = result.generate_report()
        page.set_viewport_size(NARROWEST)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            too_wide[name] = overflow
        if name == "report":
            # At 320px the report's wide tables scroll inside their own regions: still clean.
            result = axe.run(page)
            if result.violations_count:
                violations["report at 320px"] = result.generate_report()

    assert violations == {}, "\n".join(violations.values())
    assert too_wide == {}


def keyboard_reaches_the_pdf_link(page):
    """From the top of the report page, Tab alone reaches the PDF link, whose focus shows,
    and Enter opens the PDF."""
    page.goto(REPORT)

    # Skip link, site name, three global links, four breadcrumbs, then the PDF link.
    focused = {"href": ""}
    presses = 0
    while not focused["href"].endswith(".pdf"):
        presses += 1
        assert presses <= 15, "Tab does not reach the PDF link soon enough"
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " const s = getComputedStyle(e);"
            " return {href: e.getAttribute('href') || '', outline: s.outlineStyle,"
            " width: parseFloat(s.outlineWidth)}; }"
        )

    assert focused["outline"] == "solid" and focused["width"] >= 2
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as response:
        page.keyboard.press("Enter")
    assert response.value.status == 200
    assert response.value.headers["content-type"] == "application/pdf"
