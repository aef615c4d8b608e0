"""The editorial workflow, by persona: editors of divisions A and B, approvers of A, an
administrator and an anonymous reader."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from budgets.models import ExpenditureItem, SettlementAmount
from organisation.models import Division, DivisionRole
from programs.models import Event, Figure, Initiative
from publication.models import Edition
from publication.tree import load_report
from reports import workflow
from reports.models import Report
from tests import factories
from tests.conftest import person
from tests.forms import form_data
from tests.text import missing_in_order, squash, visible_text

PAGE = "/reports/2020/digital-administration/"


def _login(client, user):
    client.force_login(user)
    return client


def _initiative(title="はんこレス"):
    return Initiative.objects.get(title=title)


def _edit_initiative(client, initiative, **changes):
    url = f"/admin/programs/initiative/{initiative.pk}/change/"
    data = form_data(client.get(url).content.decode(), "initiative_form")
    for field, value in changes.items():
        data[field] = [value]
    return client.post(url, data)


def _public_text(client) -> str:
    client.logout()
    return squash(visible_text(client.get(PAGE).content.decode()))


def test_editor_edits_submits_and_another_approver_publishes_a_second_edition(
    client, seed, editor_a, approver_a
):
    _login(client, editor_a)
    response = _edit_initiative(client, _initiative(), body="押印義務を全面的に見直した。")
    assert response.status_code == 302
    assert squash("押印義務を全面的に見直した") not in _public_text(client)  # still a draft

    _login(client, editor_a)
    client.post(f"/admin/reports/report/{seed.pk}/workflow/submit/", {"comment": "確認願います"})
    _login(client, approver_a)
    response = client.post(
        f"/admin/reports/report/{seed.pk}/workflow/publish/", {"change_note": "はんこレスを更新"}
    )

    assert response.status_code == 302
    text = _public_text(client)
    assert squash("押印義務を全面的に見直した") in text
    assert squash("第2版") in text and squash("はんこレスを更新") in text
    seed.refresh_from_db()
    assert seed.status == Report.Status.PUBLISHED
    actions = list(seed.transitions.order_by("at", "id").values_list("action", "user__username"))
    assert actions == [
        ("reopen", "editor_a"),
        ("submit", "editor_a"),
        ("publish", "approver_a"),
    ]
    assert seed.transitions.get(action="submit").comment == "確認願います"


def test_editor_cannot_publish(client, seed, editor_a):
    workflow.submit(seed, editor_a)
    _login(client, editor_a)
    html = client.post(
        f"/admin/reports/report/{seed.pk}/workflow/publish/", {"change_note": "x"}
    ).content.decode()

    assert "公開するには、この課の承認者の権限が必要です。" in html
    assert seed.editions.count() == 1


def test_approver_cannot_publish_own_submission(seed, approver_a):
    workflow.submit(seed, approver_a)

    with pytest.raises(workflow.WorkflowError, match="自分が確認依頼を出した"):
        workflow.publish(seed, approver_a, "改訂")
    assert seed.editions.count() == 1


def test_approver_cannot_publish_what_they_edited_last(client, seed, editor_a, approver_a):
    _login(client, approver_a)
    _edit_initiative(client, _initiative(), title="はんこレスの推進")
    workflow.submit(Report.objects.get(pk=seed.pk), editor_a)

    with pytest.raises(workflow.WorkflowError, match="自分が最後に編集した"):
        workflow.publish(Report.objects.get(pk=seed.pk), approver_a, "改訂")


def test_approver_of_another_division_cannot_publish(seed, editor_a, division_b):
    approver_b = person("approver_b", division_b, DivisionRole.Role.APPROVER)
    workflow.submit(seed, editor_a)

    with pytest.raises(workflow.WorkflowError, match="承認者の権限"):
        workflow.publish(seed, approver_b, "改訂")


def test_second_edition_needs_a_change_note(seed, editor_a, approver_a):
    workflow.submit(seed, editor_a)

    with pytest.raises(workflow.WorkflowError, match="改訂内容"):
        workflow.publish(seed, approver_a, "")
    assert seed.editions.count() == 1


def test_send_back_needs_a_comment_that_the_editor_then_sees(client, seed, editor_a, approver_a):
    workflow.submit(seed, editor_a)
    _login(client, approver_a)
    html = client.post(
        f"/admin/reports/report/{seed.pk}/workflow/send_back/", {"comment": ""}
    ).content.decode()
    assert "差し戻しの理由をコメントに書いてください。" in html

    client.post(
        f"/admin/reports/report/{seed.pk}/workflow/send_back/",
        {"comment": "決算額の出典を確認してください"},
    )
    seed.refresh_from_db()
    assert seed.status == Report.Status.DRAFT
    _login(client, editor_a)
    page = client.get(f"/admin/reports/report/{seed.pk}/editor/").content.decode()
    assert "差し戻し" in page and "決算額の出典を確認してください" in page


def test_editor_of_b_cannot_see_or_change_a(client, seed, editor_b):
    _login(client, editor_b)
    initiative = _initiative()
    item = ExpenditureItem.objects.get(code="lgwan-levy")
    amount = SettlementAmount.objects.filter(item=item).first()

    assert "デジタル行政推進課" not in client.get("/admin/reports/report/").content.decode()
    for url in [
        f"/admin/reports/report/{seed.pk}/change/",
        f"/admin/programs/initiative/{initiative.pk}/change/",
        f"/admin/budgets/settlementamount/{amount.pk}/change/",
        f"/admin/budgets/expenditureitem/{item.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        response = client.post(url, {"title": "改ざん", "amount": "1", "body": "改ざん"})
        assert response.status_code in (302, 403, 404), url
    assert (
        client.get("/admin/programs/initiative/?q=はんこ").content.decode().count("はんこレス") == 0
    )
    results = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "budgets",
            "model_name": "settlementtable",
            "field_name": "item",
            "term": "負担金",
        },
    )
    assert results.status_code == 403 or results.json()["results"] == []
    initiative.refresh_from_db()
    amount.refresh_from_db()
    assert initiative.title == "はんこレス" and amount.amount != 1
    for action in ("submit", "publish", "send_back"):
        client.post(f"/admin/reports/report/{seed.pk}/workflow/{action}/", {"comment": "x"})
    assert seed.transitions.count() == 0


def test_forged_add_into_another_division_is_refused(client, seed, editor_b):
    _login(client, editor_b)
    item = ExpenditureItem.objects.get(code="lgwan-levy")
    count = SettlementAmount.objects.count()
    client.post(
        "/admin/budgets/settlementamount/add/",
        {"item": item.pk, "fiscal_year": seed.fiscal_year.pk, "kind": "budget", "amount": "1"},
    )

    assert SettlementAmount.objects.count() == count


def test_stale_form_is_refused_and_names_who_saved(client, seed, editor_a, approver_a):
    initiative = _initiative()
    url = f"/admin/programs/initiative/{initiative.pk}/change/"
    _login(client, editor_a)
    stale = form_data(client.get(url).content.decode(), "initiative_form")

    other = type(client)()
    _login(other, approver_a)
    assert (
        _edit_initiative(other, initiative, title="はんこレス（承認者が修正）").status_code == 302
    )

    stale["title"] = ["はんこレス（編集者が修正）"]
    html = client.post(url, stale).content.decode()
    assert "保存できませんでした。編集している間にapprover_aさんが" in html
    initiative.refresh_from_db()
    assert initiative.title == "はんこレス（承認者が修正）"


def test_drafts_and_unpublished_reports_never_reach_the_public(client, db):
    draft = factories.filled_report(status=Report.Status.DRAFT)
    review = factories.filled_report(status=Report.Status.REVIEW)
    for report in (draft, review):
        assert client.get(report.get_absolute_url()).status_code == 404
        assert client.get(report.get_pdf_url()).status_code == 404
        assert report.division.name not in client.get("/reports/2020/").content.decode()


def test_history_shows_old_and_new_values_and_can_revert(client, seed, administrator):
    _login(client, administrator)
    amount = SettlementAmount.objects.get(item__code="lgwan-levy", fiscal_year__year=2020)
    url = f"/admin/budgets/settlementamount/{amount.pk}/change/"
    data = form_data(client.get(url).content.decode(), "settlementamount_form")
    data["amount"] = ["37245321"]
    assert client.post(url, data).status_code == 302

    history = client.get(f"{url.removesuffix('change/')}history/").content.decode()
    assert "37245320" in history and "37245321" in history and "admin" in history
    record = amount.history.order_by("history_date").first()
    revert_url = f"{url.removesuffix('change/')}history/{record.history_id}/"
    data = form_data(client.get(revert_url).content.decode(), "historicalsettlementamount_form")
    assert client.post(revert_url, data).status_code == 302
    amount.refresh_from_db()
    assert amount.amount == 37_245_320


def test_copy_forward_makes_next_years_draft(client, seed, editor_a):
    _login(client, editor_a)
    client.post(
        "/admin/reports/report/",
        {"action": "copy_forward_action", "_selected_action": [seed.pk]},
    )

    new = Report.objects.get(fiscal_year__year=2021, division=seed.division)
    assert new.status == Report.Status.DRAFT

    def outline(report):
        return [(n.depth, n.marker, n.initiative.title) for n in load_report(report).nodes()]

    assert outline(new) == outline(seed)
    assert len(outline(new)) == 58
    assert not Event.objects.filter(initiative__section__report=new).exists()
    assert not Figure.objects.filter(initiative__section__report=new).exists()
    assert not new.editions.exists()
    SettlementAmount.objects.create(
        item=ExpenditureItem.objects.get(code="lgwan-levy"),
        fiscal_year=new.fiscal_year,
        amount=40_000_000,
    )
    from publication.publishing import freeze_edition

    freeze_edition(new)
    text = squash(
        visible_text(client.get("/reports/2021/digital-administration/").content.decode())
    )
    assert squash("令和元年度令和２年度令和３年度") in text
    assert squash("42,969,708円37,245,320円40,000,000円") in text
    # Text placed between tables comes forward in its place.
    assert (
        missing_in_order(
            text,
            [
                "データ標準レイアウト改版に伴う大阪府統合宛名システム改修業務",
                "中間サーバについては、",
                "中間サーバ交付金",
                "（令和２年度は、中間サーバの次期システムの更改",
                "自治体クラウド",
            ],
        )
        == []
    )


def test_dashboard_lists_every_division_with_its_state(client, seed, administrator, division_b):
    _login(client, administrator)
    html = client.get("/admin/reports/report/dashboard/?year=2020").content.decode()

    assert "デジタル行政推進課" in html and "広報課" in html and "未作成" in html
    assert "第1版" in html
    assert "/admin/reports/report/dashboard/" in client.get("/admin/").content.decode()
    filtered = client.get("/admin/reports/report/dashboard/?year=2020&status=none").content
    assert "デジタル行政推進課" not in filtered.decode()


def test_editor_dashboard_shows_only_their_divisions(client, seed, editor_b):
    _login(client, editor_b)
    html = client.get("/admin/reports/report/dashboard/?year=2020").content.decode()

    assert "広報課" in html and "デジタル行政推進課" not in html


def test_edition_pdf_is_rendered_in_the_background(seed, immediate_tasks, editor_a, approver_a):
    workflow.submit(seed, editor_a)
    edition = workflow.publish(seed, approver_a, "PDFの確認")

    edition.refresh_from_db()
    assert edition.pdf_status == Edition.PdfStatus.DONE, edition.pdf_error
    assert edition.pdf.read(5) == b"%PDF-"


def test_login_is_throttled_after_five_failures(client, db, settings):
    User.objects.create_user("staff", "s@example.invalid", "right-password", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "staff", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "staff", "password": "right-password"})

    assert response.status_code == 429 or "_auth_user_id" not in client.session


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_PRODUCTION": "1",
        "SECRET_KEY": "x" * 60 + "production-secret-key-for-the-check",
        "ALLOWED_HOSTS": "reports.example.jp",
        "DATABASE_URL": "sqlite:////tmp/check-deploy.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_division_role_gives_admin_access_with_role_permissions(division_a):
    user = person("new_editor", division_a, DivisionRole.Role.EDITOR)

    assert user.is_staff
    assert user.has_perm("programs.change_initiative")
    assert not user.has_perm("reports.publish_report")
    assert Division.objects.count() >= 1
