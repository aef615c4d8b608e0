"""The editorial workflow in a real browser: an editor edits and submits, an approver
publishes, the public sees 第2版."""

from organisation.models import DivisionRole
from programs.models import Initiative
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS

REPORT = "/reports/2020/digital-administration/"


def _person(django_user_model, username, division, role):
    user = django_user_model.objects.create_user(username, f"{username}@example.invalid", "pw-1")
    DivisionRole.objects.create(user=user, division=division, role=role)
    return user


def _new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def test_editor_edits_and_submits_then_approver_publishes_second_edition(
    seed, browser, live_server, admin_login, django_user_model
):
    editor = _person(django_user_model, "editor_a", seed.division, DivisionRole.Role.EDITOR)
    approver = _person(django_user_model, "approver_a", seed.division, DivisionRole.Role.APPROVER)
    initiative = Initiative.objects.get(title="はんこレス")

    page = _new_page(browser, live_server)
    admin_login(page, editor, "pw-1")
    page.goto(f"/admin/programs/initiative/{initiative.pk}/change/")
    page.fill("#id_body", "押印義務の見直しを全庁で完了した。")
    page.click("input[name=_save]")
    page.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/#i{initiative.pk}")
    page.get_by_role("link", name="確認依頼を出す").click()
    page.fill("#id_comment", "はんこレスの記述を更新しました。")
    page.get_by_role("button", name="確認依頼を出す").click()
    page.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/")
    assert "確認依頼を出しました。" in page.content()
    assert page.get_by_role("link", name="公開する").count() == 0  # an editor cannot publish

    reviewer = _new_page(browser, live_server)
    admin_login(reviewer, approver, "pw-1")
    reviewer.goto(f"/admin/reports/report/{seed.pk}/change/")
    assert "はんこレスの記述を更新しました。" in reviewer.content()
    reviewer.get_by_role("link", name="公開する").click()
    reviewer.fill("#id_change_note", "はんこレスの取組状況を更新")
    reviewer.get_by_role("button", name="公開する").click()
    reviewer.wait_for_url(f"**/admin/reports/report/{seed.pk}/editor/")
    assert "第2版を公開しました。" in reviewer.content()

    public = _new_page(browser, live_server)
    public.goto(REPORT)
    text = public.locator("main").inner_text()
    assert "押印義務の見直しを全庁で完了した。" in text
    assert "第2版" in text
    assert "はんこレスの取組状況を更新" in text
