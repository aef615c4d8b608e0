"""表記チェック in a real browser: the fix buttons submit the panel's form (they sit outside
it, so a page can show the panel inside a form of its own), and the panel is accessible."""

from axe_playwright_python.sync_playwright import Axe

from programs.models import Initiative


def test_an_editor_fixes_all_findings_of_a_rule_from_the_panel(
    seed, live_server, browser_page, admin_login, editor_a
):
    page = browser_page
    admin_login(page, editor_a, "pw")
    page.goto(f"/admin/reports/report/{seed.pk}/change/")
    page.get_by_role("link", name="表記チェック：エラー 2件、警告 29件、ヒント 4件").click()

    summary = page.locator(".proofreading-panel .proofreading-summary")
    assert "エラー 2件、警告 29件、ヒント 4件" in summary.inner_text()
    result = Axe().run(page, context=".proofreading-panel")
    assert result.violations_count == 0, result.generate_report()

    page.get_by_role("button", name="文字種の混在をすべて修正（2件）").click()

    assert "表記チェックの指摘を2件修正しました。" in page.locator(".messagelist").inner_text()
    assert "エラー 0件" in summary.inner_text()
    assert Initiative.objects.filter(title="ＡＩ－ＯＣＲを活用した庁内業務の効率化").exists()
