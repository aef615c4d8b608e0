"""What waits for a person on the admin index: an approver's requests, an editor's reports
sent back and drafts. Each persona sees their own divisions only."""

import re

from django.utils import timezone

from reports import workflow
from reports.editing import touch_report
from reports.models import Report
from tests import factories
from tests.text import squash, visible_text


def my_work(client, user) -> str:
    """The text of the 「あなたの作業」 box of the admin index, as ``user`` sees it."""
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    box = re.search(r'<div class="module my-work" id="my-work">.*?\n</div>', html, re.S)
    return squash(visible_text(box[0]))


def test_approver_sees_requests_of_their_divisions_with_who_when_and_comment(
    client, seed, editor_a, approver_a, editor_b
):
    touch_report(seed, editor_a)
    workflow.submit(seed, editor_a, "はんこレスの記述を更新しました。")
    other = factories.report(division_=editor_b.division_roles.get().division)
    workflow.submit(other, editor_b, "広報課の依頼")
    submitted = timezone.localtime(seed.transitions.get(action="submit").at)

    text = my_work(client, approver_a)

    assert squash("承認待ち（確認依頼）：1件") in text
    assert squash(f"令和２年度 デジタル行政推進課editor_a{submitted:%Y-%m-%d %H:%M}") in text
    assert squash("はんこレスの記述を更新しました。") in text
    assert "広報課" not in text


def test_editor_sees_reports_sent_back_with_the_comment_and_drafts(
    client, seed, editor_a, approver_a
):
    touch_report(seed, editor_a)
    workflow.submit(seed, editor_a, "確認をお願いします。")
    workflow.send_back(seed, approver_a, "決算額の出典を書いてください。")
    draft = factories.report(2021, division_=seed.division)

    text = my_work(client, editor_a)

    assert squash("差し戻された報告書：1件") in text
    assert squash("令和２年度 デジタル行政推進課approver_a") in text
    assert squash("決算額の出典を書いてください。") in text
    assert squash("下書き：1件") in text and squash(str(draft)) in text
    assert "承認待ち" not in text


def test_editor_of_another_division_sees_nothing_of_division_a(client, seed, editor_a, editor_b):
    touch_report(seed, editor_a)
    Report.objects.filter(pk=seed.pk).update(status=Report.Status.DRAFT)

    text = my_work(client, editor_b)

    assert "デジタル行政推進課" not in text
    assert squash("今、あなたを待っている報告書はありません。") in text
