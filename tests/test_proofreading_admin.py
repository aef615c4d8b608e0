"""表記チェック where staff see it, by persona: the errors that stop 確認依頼, the warnings the
approver reads on the 公開 form, the report's 表記チェック page and its fix buttons (one finding,
or all of a rule), and who may press them."""

import re
from html import unescape

from django.utils import timezone

from programs.models import Initiative, TextBlock
from proofreading.sources import document_for
from reports import workflow
from reports.models import Report, Section
from tests import factories
from tests.forms import form_data
from tests.text import squash, visible_text

OCR_TITLE = "ＡＩ－ОＣＲを活用した庁内業務の効率化"  # with a Cyrillic О
OCR_FIXED = "ＡＩ－ＯＣＲを活用した庁内業務の効率化"
OCR_PLACE = (
    "企画調整グループ › ２　働き方改革・業務改革の推進 › (1)　大阪府庁版「働き方改革」の推進"
    f" › 〇　{OCR_TITLE}"
)


def _page(report) -> str:
    return f"/admin/reports/report/{report.pk}/proofreading/"


def _workflow(report, action) -> str:
    return f"/admin/reports/report/{report.pk}/workflow/{action}/"


def _text(response) -> str:
    return squash(visible_text(response.content.decode()))


def _buttons(html: str) -> dict[str, str]:
    """The fix buttons: what each says (the rule's name for 「すべて修正」) → what it posts."""
    pattern = (
        r'<button type="submit" form="proofreading-fix" class="button" name="finding" '
        r'value="([^"]*)"(?: aria-label="[^"]*")?>(.*?)</button>'
    )
    return {unescape(label): unescape(value) for value, label in re.findall(pattern, html)}


def _fix_buttons(html: str) -> list[str]:
    """The value of every 「修正」 button of one finding."""
    pattern = r'name="finding" value="([^"]*)" aria-label="[^"]*">修正</button>'
    return [unescape(value) for value in re.findall(pattern, html)]


def _press(client, html: str, value: str):
    """Press a fix button the way a browser does: the fix form's fields and the button's value."""
    action = unescape(
        re.search(r'<form id="proofreading-fix" method="post" action="([^"]+)"', html)[1]
    )
    data = form_data(html, "proofreading-fix")
    data["finding"] = [value]
    return client.post(action, data, follow=True)


def _one(html: str, rule: str, initiative: Initiative, field: str) -> str:
    """The 「修正」 button of ``rule``'s finding in ``initiative``'s ``field``."""
    prefix = f"{rule}:programs.initiative:{initiative.pk}:{field}:"
    (value,) = [v for v in _fix_buttons(html) if v.startswith(prefix)]
    return value


def _texts(report) -> dict:
    """Every text an editor typed in ``report``, by where it is stored."""
    return {text.source: text.value for text in document_for(report).texts}


def _changed(before: dict, after: dict) -> dict:
    assert before.keys() == after.keys()
    return {
        source: (before[source], after[source])
        for source in before
        if before[source] != after[source]
    }


def _ocr() -> Initiative:
    return Initiative.objects.get(title__startswith="ＡＩ－")


# 確認依頼: error-level findings stop it.


def test_an_error_stops_the_submission_naming_the_finding_and_is_fixed_from_there(
    client, seed, editor_a, submission_checks
):
    client.force_login(editor_a)
    response = client.post(_workflow(seed, "submit"), {"comment": "確認願います"})

    assert response.status_code == 200
    text = _text(response)
    assert squash("表記チェックでエラーが2件あります。直してから確認依頼を出してください。") in text
    assert squash("修正案のあるもの（2件）はボタンひとつで直せます") in text
    assert (
        squash(f"文字種の混在：{OCR_PLACE} › 見出し「ＡＩ－ОＣＲを活用した庁内業務の効率…」")
        in text
    )
    assert squash("キリル文字「О」(U+041E)が混じっています") in text
    assert squash("修正案「ＡＩ－ＯＣＲを活用した庁内業務の効率…」") in text
    assert f'href="{_page(seed)}"' in response.content.decode()
    seed.refresh_from_db()
    assert seed.status == Report.Status.PUBLISHED
    assert not seed.transitions.filter(action="submit").exists()

    # The submit form lists the errors with their fixes; fixing them returns to it.
    html = response.content.decode()
    assert "長い文" not in visible_text(html)  # errors only: a hint does not stop anyone
    response = _press(client, html, _buttons(html)["文字種の混在をすべて修正（2件）"])
    assert response.redirect_chain[-1][0] == _workflow(seed, "submit")
    assert squash("表記チェックの指摘を2件修正しました。") in _text(response)
    assert squash("表記チェック：エラー0件、警告29件、ヒント4件") in _text(response)

    response = client.post(_workflow(seed, "submit"), {"comment": "確認願います"})
    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.status == Report.Status.REVIEW
    assert seed.transitions.get(action="submit").user == editor_a
    assert _ocr().title == OCR_FIXED


def test_the_approver_sees_the_warnings_on_the_publish_form_without_fix_buttons(
    client, seed, editor_a, approver_a, submission_checks
):
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()
    _press(client, html, _buttons(html)["文字種の混在をすべて修正（2件）"])
    assert client.post(_workflow(seed, "submit"), {"comment": "確認願います"}).status_code == 302

    client.force_login(approver_a)
    response = client.get(_workflow(seed, "publish"))

    text = _text(response)
    assert squash("表記チェック：エラー0件、警告29件、ヒント4件") in text
    mail = (
        "市町村連携グループ › １　大阪電子自治体連絡会及び大阪市町村スマートシティ推進連絡会議の"
        "運営等 › 〇　令和２年度の主な活動 › ②　市町村間での意見交換、情報共有"
        " › ・　大阪電子自治体連絡会メールマガジンの発行 › 本文"
    )
    assert squash(mail) in text
    assert squash("警告文中の空白…組みや国からの照会・通知　の状況等を情報発信した（…") in text
    assert squash("警告表記ゆれ") in text
    assert "長い文" not in visible_text(response.content.decode())
    assert _buttons(response.content.decode()) == {}
    assert 'id="proofreading-fix"' not in response.content.decode()


# The report's page and its 表記チェック page.


def test_the_reports_page_counts_the_findings_and_links_to_the_check(client, seed, editor_a):
    client.force_login(editor_a)
    response = client.get(f"/admin/reports/report/{seed.pk}/change/", follow=True)

    assert response.redirect_chain[-1][0].endswith(f"/{seed.pk}/editor/")  # the report editor

    assert squash("表記チェック：エラー2件、警告29件、ヒント4件") in _text(response)
    link = re.search(f'<a href="{_page(seed)}">(.*?)</a>', response.content.decode())
    assert squash(visible_text(link[1])) == squash("表記チェック：エラー2件、警告29件、ヒント4件")


def test_the_check_lists_findings_by_place_with_excerpt_and_suggestion(client, seed, editor_a):
    client.force_login(editor_a)
    response = client.get(_page(seed))

    assert response.status_code == 200
    text = _text(response)
    # One place, then each of its findings: severity, rule, excerpt, message, suggestion.
    assert (
        squash(
            f"{OCR_PLACE} › 本文"
            "エラー文字種の混在…データに変換する「ＡＩ－ОＣＲ」を、試行導入した。（読…"
            "「ОＣＲ」にキリル文字「О」(U+041E)が混じっています。見た目は同じでも検索で見つかりません。"
            "…データに変換する「ＡＩ－ＯＣＲ」を、試行導入した。（読…修正"
            "警告文中の空白…（読取精度：試行帳票平均　　　　88.38％）空白が続いています。"
        )
        in text
    )
    html = response.content.decode()
    assert "「ＡＩ－<mark>ОＣＲ</mark>」を" in html
    assert len(_fix_buttons(html)) == 2 + 29  # on the seed, every error and warning; no hint
    assert set(_buttons(html)) >= {
        "文字種の混在をすべて修正（2件）",
        "文中の空白をすべて修正（8件）",
        "表記ゆれをすべて修正（14件）",
        "機種依存文字をすべて修正（5件）",
    }


# Fixing: exactly the expected text changes, and the one who pressed is the last editor.


def test_fixing_one_finding_changes_that_text_only_and_records_the_editor(
    client, seed, editor_a, approver_a
):
    mail = Initiative.objects.get(title="大阪電子自治体連絡会メールマガジンの発行")
    before = _texts(seed)
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()

    response = _press(client, html, _one(html, "spacing", mail, "body"))

    assert response.redirect_chain[-1][0] == _page(seed)
    text = _text(response)
    assert squash("表記チェックの指摘を1件修正しました。") in text
    assert squash("通知　の状況") not in text
    (change,) = _changed(before, _texts(seed)).values()
    old, new = change
    assert new == old.replace("通知　の状況", "通知の状況") != old
    mail.refresh_from_db()
    record = mail.history.latest()
    assert record.history_user == editor_a
    assert record.history_change_reason == "表記チェックの修正（spacing）"
    seed.refresh_from_db()
    assert seed.last_edited_by == editor_a
    assert seed.status == Report.Status.DRAFT  # the published report reopens, as any edit does

    # Four eyes: the editor's fix, another person's approval.
    assert (
        client.post(_workflow(seed, "submit"), {"comment": "空白を直しました"}).status_code == 302
    )
    client.force_login(approver_a)
    response = client.post(_workflow(seed, "publish"), {"change_note": "表記の修正"})
    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.status == Report.Status.PUBLISHED


SPACES_FIXED = [
    ("８月１日　から　令和３年７月31日　まで", "８月１日から令和３年７月31日まで"),
    ("平均　　　　88.38", "平均88.38"),
    ("講演　等", "講演等"),
    ("通知　の状況", "通知の状況"),
    ("市町村間　の相互", "市町村間の相互"),
    ("説明を　行った", "説明を行った"),
]


def test_fixing_all_of_a_rule_changes_exactly_those_texts_and_records_the_editor(
    client, seed, editor_a, approver_a
):
    before = _texts(seed)
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()

    response = _press(client, html, _buttons(html)["文中の空白をすべて修正（8件）"])

    assert squash("表記チェックの指摘を8件修正しました。") in _text(response)
    assert "文中の空白" not in visible_text(response.content.decode())
    changed = _changed(before, _texts(seed))
    assert len(changed) == len(SPACES_FIXED)
    for old, new in changed.values():
        (pair,) = [(a, b) for a, b in SPACES_FIXED if a in old]
        assert new == old.replace(*pair)
    seed.refresh_from_db()
    assert seed.last_edited_by == editor_a

    client.post(_workflow(seed, "submit"), {"comment": "空白を直しました"})
    client.force_login(approver_a)
    assert client.post(_workflow(seed, "publish"), {"change_note": "空白"}).status_code == 302


def test_an_approver_who_applied_a_fix_may_not_publish_it(
    client, seed, editor_a, approver_a, approver_a2
):
    workflow.submit(seed, editor_a, "確認願います")
    client.force_login(approver_a)
    html = client.get(_page(seed)).content.decode()
    _press(client, html, _buttons(html)["文字種の混在をすべて修正（2件）"])

    seed.refresh_from_db()
    assert seed.last_edited_by == approver_a
    response = client.post(_workflow(seed, "publish"), {"change_note": "ＯＣＲの表記"})
    assert squash("自分が最後に編集した報告書は公開できません") in _text(response)
    seed.refresh_from_db()
    assert seed.status == Report.Status.REVIEW

    client.force_login(approver_a2)
    assert (
        client.post(_workflow(seed, "publish"), {"change_note": "ＯＣＲの表記"}).status_code == 302
    )


# Who may press: editors of the report's division, with keys the page showed.


def test_an_editor_of_another_division_can_neither_see_nor_fix(client, seed, editor_a, editor_b):
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()
    value = _buttons(html)["文字種の混在をすべて修正（2件）"]
    before = _texts(seed)

    client.force_login(editor_b)
    assert client.get(_page(seed)).status_code == 404
    response = client.post(
        f"{_page(seed)}fix/", {**form_data(html, "proofreading-fix"), "finding": value}
    )

    assert response.status_code == 404
    assert _texts(seed) == before
    seed.refresh_from_db()
    assert seed.last_edited_by is None


def test_a_forged_fix_of_another_reports_text_is_refused(client, seed, editor_a, division_b):
    other = factories.report(division_=division_b)
    section = Section.objects.create(report=other, name="広報グループ", order=1)
    foreign = Initiative.objects.create(section=section, order=1, title="ОＣＲの導入")
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()
    shown = _one(html, "mixed-script", _ocr(), "title")
    forged = shown.replace(f":{_ocr().pk}:", f":{foreign.pk}:")

    response = _press(client, html, forged)

    assert squash("この報告書にない箇所の修正は受け付けられません") in _text(response)
    foreign.refresh_from_db()
    assert foreign.title == "ОＣＲの導入"
    assert _ocr().title == OCR_TITLE
    assert client.get(f"{_page(seed)}fix/").status_code == 405


def test_a_fix_of_a_text_changed_since_the_page_was_shown_is_refused_naming_who_saved(
    client, seed, editor_a, approver_a
):
    client.force_login(editor_a)
    html = client.get(_page(seed)).content.decode()

    other = type(client)()
    other.force_login(approver_a)
    url = f"/admin/programs/initiative/{_ocr().pk}/change/"
    data = form_data(other.get(url).content.decode(), "initiative_form")
    data["title"] = ["ＡＩ－ОＣＲの試行導入"]
    assert other.post(url, data).status_code == 302

    response = _press(client, html, _one(html, "mixed-script", _ocr(), "title"))

    saved = timezone.localtime(_ocr().history.latest().history_date)
    assert squash(
        f"修正できませんでした。この画面を開いた後にapprover_aさんが{saved:%Y-%m-%d %H:%M}に"
        f"「{OCR_PLACE.replace(OCR_TITLE, 'ＡＩ－ОＣＲの試行導入')} › 見出し」を保存しました。"
    ) in _text(response)
    assert _ocr().title == "ＡＩ－ОＣＲの試行導入"
    seed.refresh_from_db()
    assert seed.last_edited_by == approver_a


# The report editor: the panel by place with its fix buttons, and a block's findings when it is
# saved, shown where it was saved.


def _editor(report) -> str:
    return f"/admin/reports/report/{report.pk}/editor/"


def _placed(html: str) -> str:
    """The text of the messages shown at the place saved (not at the top of the page)."""
    (placed,) = re.findall(r'<ul class="messagelist editor-messages">(.*?)</ul>', html, re.S)
    return squash(visible_text(placed))


def _add_text(client, report, initiative, text):
    url = f"{_editor(report)}block/text/add/?initiative={initiative.pk}"
    data = form_data(client.get(url).content.decode())
    data.pop("csrfmiddlewaretoken", None)
    data["text"] = [text]
    return client.post(url, data)


def test_the_editor_lists_the_findings_by_place_with_fix_buttons_named_for_screen_readers(
    client, seed, editor_a
):
    client.force_login(editor_a)
    html = client.get(_editor(seed)).content.decode()

    # Folded under its counts, so the page stays short; the findings are in the page.
    panel = re.search(r'<details id="proofreading"[^>]*>\s*<summary>(.*?)</summary>', html, re.S)
    assert "open" not in panel[0]
    assert squash(visible_text(panel[1])) == squash("表記チェック：エラー2件、警告29件、ヒント4件")
    text = _text(client.get(_editor(seed)))
    assert squash(f"{OCR_PLACE} › 見出しエラー文字種の混在ＡＩ－ОＣＲを活用した") in text
    value = _one(html, "mixed-script", _ocr(), "title")
    button = re.search(f'value="{re.escape(value)}" aria-label="([^"]*)">修正</button>', html)
    assert unescape(button[1]) == (
        "修正：文字種の混在「ＡＩ－ОＣＲを活用した庁内業務の効率…」（見出し）"
    )
    labels = re.findall(r'aria-label="([^"]*)">修正</button>', html)
    assert len(labels) == len(set(labels)) == 2 + 29  # each button names its own finding
    assert "文字種の混在をすべて修正（2件）" in _buttons(html)
    assert f'<a href="{_page(seed)}">表記チェックの画面で開く</a>' in html


def test_a_fix_from_the_editor_returns_to_the_editor_with_the_text_fixed(client, seed, editor_a):
    client.force_login(editor_a)
    html = client.get(_editor(seed)).content.decode()

    response = _press(client, html, _one(html, "mixed-script", _ocr(), "title"))

    assert response.redirect_chain[-1][0] == f"{_editor(seed)}?proofreading=open#proofreading"
    assert _ocr().title == OCR_FIXED
    html = response.content.decode()
    assert squash("表記チェックの指摘を1件修正しました。") in _text(response)
    assert re.search(r'<details id="proofreading"[^>]*\bopen>', html)  # back at the panel
    assert squash("表記チェック：エラー1件、警告29件、ヒント4件") in _text(response)

    response = _press(client, html, _buttons(html)["文中の空白をすべて修正（8件）"])

    assert response.redirect_chain[-1][0].startswith(_editor(seed))
    assert squash("表記チェックの指摘を8件修正しました。") in _text(response)
    assert "文中の空白" not in visible_text(response.content.decode())
    seed.refresh_from_db()
    assert seed.last_edited_by == editor_a


def test_saving_a_block_shows_its_findings_where_it_was_saved(client, seed, editor_a):
    hanko = Initiative.objects.get(title="はんこレス")
    client.force_login(editor_a)

    response = _add_text(client, seed, hanko, "説明会を令和３年２月30日に開催した。")

    block = TextBlock.objects.get(initiative=hanko)
    assert response["Location"] == f"{_editor(seed)}#b-text-{block.pk}"
    html = client.get(response["Location"]).content.decode()
    placed = _placed(html)
    assert placed.startswith(squash("文章を追加しました。"))
    assert (
        squash(
            "表記チェック：保存した箇所に指摘が1件あります。"
            "・エラー存在しない日付：文章「説明会を令和３年２月30日に開催した。」"
            "「令和３年２月30日」という日付はありません。"
        )
        in placed
    )
    assert "表記チェックの欄で直す" in placed
    # At the block itself, and only its own findings (the seed's others stay in the panel).
    assert re.search(
        f'id="b-text-{block.pk}"[^>]*>\\s*<ul class="messagelist editor-messages">', html
    )
    assert "文字種の混在" not in placed
    assert 'class="messagelist">' not in html  # nothing left for the top of the page


def test_saving_a_heading_shows_the_findings_of_that_initiative_only(client, seed, editor_a):
    client.force_login(editor_a)
    url = f"{_editor(seed)}initiative/{_ocr().pk}/"
    data = form_data(client.get(url).content.decode())
    data.pop("csrfmiddlewaretoken", None)

    response = client.post(url, data, follow=True)

    placed = _placed(response.content.decode())
    assert squash(f"取組「{OCR_TITLE}」を保存しました。") in placed
    assert squash("・エラー文字種の混在：見出し「ＡＩ－ОＣＲを活用した庁内業務の効率…」") in placed
    assert squash("・エラー文字種の混在：本文") in placed
    assert squash("・警告文中の空白：本文") in placed
    assert "メールマガジン" not in placed  # another initiative's findings are not listed


def test_renaming_a_group_shows_its_finding_at_the_group(client, seed, editor_a):
    group = Section.objects.get(report=seed, name="企画調整グループ")
    client.force_login(editor_a)
    url = f"{_editor(seed)}section/{group.pk}/"
    data = form_data(client.get(url).content.decode())
    data.pop("csrfmiddlewaretoken", None)
    data["name"] = ["企画調整グループ　ＩＣＴ担当"]

    response = client.post(url, data)

    assert response["Location"] == f"{_editor(seed)}#s{group.pk}"
    html = client.get(response["Location"]).content.decode()
    assert squash("グループ名を「企画調整グループ　ＩＣＴ担当」にしました。") in _placed(html)
    assert squash("・警告　文中の空白：企画調整グループ　ＩＣＴ担当「企画調整グループ") in _placed(
        html
    )
    assert re.search(
        f'data-move="section.{group.pk}">.*?</div>\\s*<ul class="messagelist editor-messages">',
        html,
    )


def test_saving_a_clean_block_says_only_that_it_was_saved(client, seed, editor_a):
    hanko = Initiative.objects.get(title="はんこレス")
    client.force_login(editor_a)

    response = _add_text(client, seed, hanko, "押印を見直した。")

    assert _placed(client.get(response["Location"]).content.decode()) == squash(
        "文章を追加しました。"
    )


def test_an_editor_of_another_division_sees_only_the_panel_of_their_own_report(
    client, seed, editor_b, division_b
):
    own = factories.report(division_=division_b)
    section = Section.objects.create(report=own, name="広報グループ", order=1)
    Initiative.objects.create(section=section, order=1, title="ОＣＲの導入")
    client.force_login(editor_b)

    assert client.get(_editor(seed)).status_code == 404
    html = client.get(_editor(own)).content.decode()
    assert squash("表記チェック：エラー1件") in _text(client.get(_editor(own)))
    assert "ОＣＲの導入" in html and OCR_TITLE not in html
    assert all(f":{_ocr().pk}:" not in value for value in _fix_buttons(html))
