"""Reviewing in a real browser: what waits for each persona on the admin index, and the
redline of a 第2版 in the admin and on the public site."""

from axe_playwright_python.sync_playwright import Axe

from programs.models import Initiative
from publication.publishing import freeze_edition
from reports import workflow
from reports.editing import touch_report
from tests import factories

CHANGES = "/reports/2020/digital-administration/editions/2/"
THREE = ["移動", "文の変更", "金額の変更"]


def kinds(page) -> list[str]:
    page.locator(".redline").first.wait_for()
    return page.locator(".redline-change .redline-kind").all_inner_texts()


def no_violations(page, context=None) -> str:
    result = Axe().run(page, context=context)
    return result.generate_report() if result.violations_count else ""


def test_approver_and_editor_each_see_what_waits_for_them(
    seed, browser, live_server, browser_page, admin_login, editor_a, approver_a
):
    touch_report(seed, editor_a)
    workflow.submit(seed, editor_a, "はんこレスの記述を更新しました。")
    approver = browser_page
    admin_login(approver, approver_a, "pw")

    waiting = approver.get_by_role("table", name="承認待ち（確認依頼）：1件")
    row = waiting.get_by_role("row").nth(1)
    assert row.get_by_role("link").inner_text() == "令和２年度 デジタル行政推進課"
    assert "editor_a" in row.inner_text()
    assert "はんこレスの記述を更新しました。" in row.inner_text()
    assert no_violations(approver, "#my-work") == ""
    row.get_by_role("link").click()
    approver.get_by_role("link", name="差し戻す").click()
    approver.fill("#id_comment", "決算額の出典を書いてください。")
    approver.get_by_role("button", name="差し戻す").click()
    approver.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/")

    editor = browser.new_context(base_url=live_server.url, locale="ja-JP").new_page()
    admin_login(editor, editor_a, "pw")
    sent_back = editor.get_by_role("table", name="差し戻された報告書：1件")
    assert "決算額の出典を書いてください。" in sent_back.inner_text()
    assert "approver_a" in sent_back.inner_text()
    assert editor.get_by_role("table", name="承認待ち（確認依頼）：1件").count() == 0
    assert no_violations(editor, "#my-work") == ""
    editor.context.close()


def test_second_edition_shows_exactly_its_three_changes_in_admin_and_public(
    seed, browser_page, admin_login, editor_a, approver_a
):
    factories.three_changes(seed)
    touch_report(seed, editor_a)
    workflow.submit(seed, editor_a, "三か所を直しました")
    page = browser_page
    admin_login(page, approver_a, "pw")

    page.goto(f"/admin/reports/report/{seed.pk}/workflow/publish/")
    assert kinds(page) == THREE
    assert page.locator(".redline del").first.text_content() == "［削除：行っ］"
    assert no_violations(page, ".redline") == ""
    page.fill("#id_change_note", "三か所を訂正")
    page.get_by_role("button", name="公開する").click()
    page.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/")
    page.get_by_role("link", name="変更箇所", exact=True).click()
    assert kinds(page) == THREE

    page.goto("/reports/2020/digital-administration/")
    page.get_by_role("link", name="第2版の変更箇所").click()
    page.wait_for_url(f"**{CHANGES}")
    assert kinds(page) == THREE
    amount = page.locator(".redline-amount .redline-text").text_content()
    assert amount == "変更前：37,245,320円 → 変更後：38,000,000円"
    assert no_violations(page) == ""
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert no_violations(page) == ""


def test_public_changes_never_show_a_draft(seed, browser_page):
    factories.three_changes(seed)
    freeze_edition(seed, change_note="三か所を訂正")
    Initiative.objects.filter(title="はんこレス").update(body="公開前の下書きの文。")

    browser_page.goto(CHANGES)
    assert kinds(browser_page) == THREE
    assert "公開前の下書き" not in browser_page.content()
