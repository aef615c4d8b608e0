"""「Excelで編集」 in a real browser: download, change one amount, upload, see exactly that change,
confirm; once published, the public page shows the new amount."""

import openpyxl

from organisation.models import DivisionRole
from reports import workflow
from reports.models import Report
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS

REPORT = "/reports/2020/digital-administration/"


def _person(django_user_model, username, division, role):
    user = django_user_model.objects.create_user(username, f"{username}@example.invalid", "pw-1")
    DivisionRole.objects.create(user=user, division=division, role=role)
    return django_user_model.objects.get(pk=user.pk)


def test_editor_changes_one_amount_in_excel_and_the_published_page_shows_it(
    seed, browser, live_server, admin_login, django_user_model, tmp_path
):
    editor = _person(django_user_model, "editor_a", seed.division, DivisionRole.Role.EDITOR)
    approver = _person(django_user_model, "approver_a", seed.division, DivisionRole.Role.APPROVER)
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport=DESKTOP, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    admin_login(page, editor, "pw-1")

    page.goto(f"/admin/reports/report/{seed.pk}/change/")
    page.get_by_role("link", name="Excelで編集").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel ブックをダウンロード").click()
    downloaded = tmp_path / download.value.suggested_filename
    download.value.save_as(downloaded)
    assert downloaded.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(downloaded)
    sheet = workbook["決算額"]
    headers = [c.value for c in sheet[1]]
    code, year, amount = (headers.index(h) for h in ("費目コード", "年度", "金額（円）"))
    changed = 0
    for row in sheet.iter_rows(min_row=2):
        if row[code].value == "lgwan-levy" and int(row[year].value) == 2020:
            assert row[amount].value == 37_245_320
            row[amount].value = 37_300_000
            changed += 1
    assert changed == 1
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)

    page.set_input_files("#upload-workbook input[type=file]", str(edited))
    page.locator("#upload-workbook input[type=submit]").click()
    page.wait_for_selector("#confirm-workbook")
    changes = page.locator("table.import-preview ins")
    assert changes.count() == 1
    assert changes.first.inner_text().replace(",", "") == "37300000"
    assert page.locator("table.import-preview del").first.inner_text().replace(",", "") == (
        "37245320"
    )
    page.get_by_role("button", name="取り込みを確定する").click()
    page.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/")
    assert "Excel の内容を取り込みました" in page.content()

    public = context.new_page()
    public.goto(REPORT)
    assert "37,300,000円" not in public.locator("main").inner_text()  # not yet published

    report = Report.objects.get(pk=seed.pk)
    workflow.submit(report, editor, "負担金の決算額を修正")
    workflow.publish(report, approver, "ＬＧＷＡＮ負担金の決算額を修正")
    public.goto(REPORT)
    text = public.locator("main").inner_text()
    assert "37,300,000円" in text and "37,245,320円" not in text
    context.close()
