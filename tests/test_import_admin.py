"""過去の報告書を取り込む in the admin: upload, preview, create the draft, as the people who
would do it: an editor for their own division, an approver, an administrator."""

import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from organisation.models import DivisionRole
from programs.models import Initiative
from reports.models import Report, Section
from tests import factories
from tests.conftest import person
from tests.forms import form_data
from tests.text import squash, visible_text

START = "/admin/import-report/"
CONFIRM = "/admin/import-report/confirm/"

OLDER_DOCUMENT = """平成18年度
広報課
事務事業執行概要

広報グループ
1 広報誌の発行
(1) 府政だより
○ 全戸配布
府内全戸に配布した。
(2) 予算と決算
過去3ヶ年の予算額と決算額（単位：千円）
年度\t予算額\t決算額
平成16年度\t5,318\t5,000
平成17年度\t5,400\t5,100
2 写真の撮影
報道向けの写真を撮影した
"""


def upload(client, division, *, year=2006, text=OLDER_DOCUMENT, name="older.txt"):
    """Open the page, fill the form as a browser would and send the file."""
    page = client.get(START)
    assert page.status_code == 200
    data = form_data(page.content.decode(), "import-form")
    data.update(year=[str(year)], division=[str(division.pk)])
    data["file"] = SimpleUploadedFile(name, text.encode("cp932"))
    return client.post(START, data)


def confirm(client, preview, **extra):
    data = form_data(preview.content.decode(), "confirm-form")
    data.update(extra)
    return client.post(CONFIRM, data)


def stored_uploads() -> list[str]:
    if not default_storage.exists("imports"):
        return []
    return default_storage.listdir("imports")[1]


def test_editor_imports_a_past_report_for_own_division(client, editor_a, division_a):
    client.force_login(editor_a)

    preview = upload(client, division_a)

    assert preview.status_code == 200
    text = squash(visible_text(preview.content.decode()))
    # The tree with the markers it will render, each block's kind, every amount, fallbacks.
    for shown in [
        "見出し記号（上の階層から） 1 (1) ○ ① ・",
        "1\u3000広報誌の発行",
        "(1)\u3000府政だより",
        "○\u3000全戸配布",
        "［本文］府内全戸に配布した。",
        "［決算額の表］予算と決算（予算額・決算額、千円、4件）",
        "平成16年度 予算額 5,318 千円",
        "平成17年度 決算額 5,100 千円",
        "報道向けの写真を撮影した",
        "「。」で終わらない行です",
    ]:
        assert squash(shown) in text, shown
    assert not Report.objects.filter(fiscal_year__year=2006).exists()
    assert len(stored_uploads()) == 1

    done = confirm(client, preview)

    report = Report.objects.get(division=division_a, fiscal_year__year=2006)
    assert done.status_code == 302
    assert done["Location"] == f"/admin/reports/report/{report.pk}/editor/"
    assert report.status == Report.Status.DRAFT
    assert report.last_edited_by == editor_a
    assert (report.document_name, report.marker_set) == ("事務事業執行概要", "1 (1) ○ ① ・")
    titles = list(
        Initiative.objects.filter(section__report=report)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles[:3] == ["広報誌の発行", "府政だより", "全戸配布"]
    assert stored_uploads() == []
    page = client.get(done["Location"])
    assert "下書き「平成18年度 デジタル行政推進課」を作成しました" in page.content.decode()


def test_the_importer_offers_only_the_editors_own_divisions(client, editor_a, division_b):
    client.force_login(editor_a)

    html = client.get(START).content.decode()

    assert "デジタル行政推進課" in html
    assert division_b.name not in html


def test_editor_cannot_import_for_another_division(client, editor_a, division_b):
    client.force_login(editor_a)

    response = upload(client, division_b)

    assert response.status_code == 200
    assert "担当していない課には取り込めません" in response.content.decode()
    assert not Report.objects.filter(division=division_b).exists()
    assert stored_uploads() == []


def test_approver_imports_for_own_division(client, approver_a, division_a):
    client.force_login(approver_a)

    confirm(client, upload(client, division_a))

    report = Report.objects.get(division=division_a, fiscal_year__year=2006)
    assert report.last_edited_by == approver_a


def test_administrator_imports_for_any_division(client, administrator, division_b):
    client.force_login(administrator)

    confirm(client, upload(client, division_b))

    assert Report.objects.filter(division=division_b, fiscal_year__year=2006).exists()


def test_staff_without_a_role_cannot_open_the_importer(client, db):
    clerk = person("clerk")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)

    assert client.get(START).status_code == 403


def test_the_admin_index_links_the_importer_for_editors(client, editor_a):
    client.force_login(editor_a)

    html = client.get("/admin/").content.decode()

    assert 'href="/admin/import-report/"' in html
    assert "過去の報告書を取り込む" in html


def test_confirming_twice_says_so_in_japanese_and_creates_nothing_more(
    client, editor_a, division_a
):
    client.force_login(editor_a)
    preview = upload(client, division_a)
    confirm(client, preview)

    again = confirm(client, preview)

    assert again.status_code == 302
    page = client.get(again["Location"])
    assert "取り込むファイルが見つかりません" in page.content.decode()
    assert Report.objects.filter(division=division_a, fiscal_year__year=2006).count() == 1


def test_a_missing_file_is_a_japanese_message_not_an_error(client, editor_a, division_a):
    client.force_login(editor_a)
    preview = upload(client, division_a)
    for name in stored_uploads():
        default_storage.delete(f"imports/{name}")

    response = confirm(client, preview)

    assert response.status_code == 302
    assert "取り込むファイルが見つかりません" in client.get(START).content.decode()
    assert not Report.objects.filter(fiscal_year__year=2006).exists()


def test_another_person_cannot_confirm_someone_elses_upload(client, editor_a, division_a):
    client.force_login(editor_a)
    preview = upload(client, division_a)
    colleague = person("editor_a2", division_a, DivisionRole.Role.EDITOR)
    client.force_login(colleague)

    response = confirm(client, preview)

    assert response.status_code == 302
    assert not Report.objects.filter(fiscal_year__year=2006).exists()


def test_an_existing_draft_is_replaced_only_when_the_user_confirms(client, editor_a, division_a):
    draft = factories.report(2006, division_a)
    Section.objects.create(report=draft, name="古いグループ")
    client.force_login(editor_a)
    preview = upload(client, division_a)
    assert "下書きがすでにあります" in preview.content.decode()

    refused = confirm(client, preview)

    assert refused.status_code == 200
    assert "置き換えるには「今の下書きを取り込んだ内容で置き換える」" in refused.content.decode()
    assert Section.objects.filter(report=draft, name="古いグループ").exists()

    confirm(client, refused, replace=["on"])

    report = Report.objects.get(division=division_a, fiscal_year__year=2006)
    assert list(report.sections.values_list("name", flat=True)) == ["広報グループ"]


def test_a_published_report_is_never_replaced(client, editor_a, division_a):
    client.force_login(editor_a)

    response = upload(client, division_a, year=2020)

    assert "下書きではない（公開）ため取り込めません" in response.content.decode()
    assert stored_uploads() == []


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "", "ファイルが空です"),
        ("notes.xlsx", "表", "取り込めない形式"),
    ],
)
def test_a_bad_file_is_refused_in_japanese(client, editor_a, division_a, name, content, reason):
    client.force_login(editor_a)

    response = upload(client, division_a, text=content, name=name)

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert stored_uploads() == []
    assert not Report.objects.filter(fiscal_year__year=2006).exists()


def test_previews_never_confirmed_are_removed_after_a_day(client, editor_a, division_a):
    client.force_login(editor_a)
    upload(client, division_a)
    [forgotten] = stored_uploads()
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(default_storage.path(f"imports/{forgotten}"), (day_and_a_bit, day_and_a_bit))
    upload(client, division_a, year=2007)
    [recent] = stored_uploads()

    upload(client, division_a, year=2008)

    assert forgotten not in stored_uploads()
    assert recent in stored_uploads() and len(stored_uploads()) == 2
