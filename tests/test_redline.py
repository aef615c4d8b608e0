"""The redline: what changed between two versions of a report, by character, amount and place."""

import re

import pytest

from programs.models import Initiative
from publication import redline
from publication.publishing import freeze_edition
from publication.serializers import report_data
from publication.tree import load_report
from reports import workflow
from reports.editing import touch_report
from tests import factories
from tests.text import squash, visible_text


def node(title="", body="", children=(), **blocks):
    return {
        "marker": "",
        "title": title,
        "is_new": False,
        "body": body,
        "facts": blocks.get("facts", []),
        "figures": [],
        "events": [],
        "settlement_tables": blocks.get("settlement_tables", []),
        "contracts": [],
        "subsidy_awards": [],
        "notes": [],
        "children": list(children),
    }


def report(*initiatives, section="企画調整グループ"):
    return {"sections": [{"name": section, "initiatives": list(initiatives)}]}


def levy(amount):
    return {
        "item_code": "lgwan-levy",
        "item_name": "負担金",
        "amounts": [
            {
                "fiscal_year": {"year": 2020, "label": "令和２年度"},
                "kind": "settlement",
                "amount_yen": amount,
                "period_label": "",
            }
        ],
    }


def test_text_is_compared_by_character_within_its_sentence():
    old = "庁内会議を推進した。端末機を調達し、一時貸出を行った。最後の文。"
    new = "庁内会議を推進した。端末機を調達し、一時貸出を拡充した。最後の文。"

    (sentence,) = redline.changed_sentences(old, new)

    assert "".join(t for op, t in sentence if op != "+") == "端末機を調達し、一時貸出を行った。"
    assert "".join(t for op, t in sentence if op != "-") == "端末機を調達し、一時貸出を拡充した。"
    assert ("-", "行っ") in sentence and ("+", "拡充し") in sentence


def test_an_amount_is_shown_old_to_new():
    old = report(node("負担金", settlement_tables=[levy(37_245_320)]))
    new = report(node("負担金", settlement_tables=[levy(38_000_000)]))

    (change,) = redline.compare(old, new)

    assert (change.kind, change.old, change.new) == ("amount", "37,245,320円", "38,000,000円")
    assert change.label == "負担金 決算額 令和２年度"


def test_initiatives_added_removed_and_moved_are_named_once():
    old = report(
        node("はんこレス"),
        node("ペーパーレス", children=[node("会議")]),
        node("キャッシュレス"),
        node("廃止した取組", children=[node("その中身")]),
    )
    new = report(
        node("キャッシュレス"),
        node("はんこレス"),
        node("ペーパーレス"),
        node("新しい取組", children=[node("会議"), node("新しい中身")]),
    )

    changes = [(c.kind, c.where.split(" ＞ ")[-1]) for c in redline.compare(old, new)]

    assert changes == [
        ("moved", "キャッシュレス"),
        ("added", "新しい取組"),
        ("moved", "会議"),  # into the new initiative
        ("removed", "廃止した取組"),
    ]


def test_an_untitled_passage_is_matched_by_its_text():
    old = report(node("", "一時貸出を行った。その他の長い説明の文。"))
    new = report(node("", "一時貸出を拡充した。その他の長い説明の文。"))

    (change,) = redline.compare(old, new)

    assert change.kind == "text" and change.label == "本文"


def test_same_content_has_no_change(seed):
    data = seed.editions.get().data

    assert redline.compare(data, data) == []
    assert redline.compare(data, report_data(load_report(seed))) == []


def test_second_edition_with_three_changes_shows_exactly_those_three(seed):
    factories.three_changes(seed)
    second = freeze_edition(seed, change_note="三か所を訂正")

    changes = redline.compare(seed.editions.get(number=1).data, second.data)

    assert [(c.kind, c.where.split(" ＞ ")[-1]) for c in changes] == [
        ("moved", "〇\u3000キャッシュレス"),
        ("text", "〇\u3000ペーパーレス"),
        ("amount", "〇\u3000令和２年度の主な活動"),
    ]
    moved, text, amount = changes
    assert moved.old.endswith("〇\u3000キャッシュレス") and "(1)" in moved.new
    assert text.label == "本文"
    assert [[p for p in s if p[0] != "="] for s in text.sentences] == [
        [("-", "行っ"), ("+", "拡充し")]
    ]
    assert "２\u3000総合行政ネットワーク（ＬＧＷＡＮ）の運営" in amount.where
    assert (amount.old, amount.new) == ("37,245,320円", "38,000,000円")
    assert "令和２年度" in amount.label


# Where the redline is shown

CHANGES_URL = "/reports/2020/digital-administration/editions/2/"


def changes_shown(html: str) -> list[str]:
    """The kinds of the changes a page lists, in order."""
    return re.findall(r'<li class="redline-change redline-(\w+)">', html)


@pytest.fixture
def second_edition(seed):
    factories.three_changes(seed)
    return freeze_edition(seed, change_note="三か所を訂正")


def test_public_revision_history_links_each_edition_to_its_changes(client, second_edition):
    report_page = client.get("/reports/2020/digital-administration/").content.decode()
    assert f'href="{CHANGES_URL}"' in report_page

    response = client.get(CHANGES_URL)
    html = response.content.decode()
    text = squash(visible_text(html))

    assert response.status_code == 200
    assert changes_shown(html) == ["moved", "text", "amount"]
    assert squash("第1版") in text and squash("三か所を訂正") in text
    assert '<del><span class="redline-sr">［削除：</span>行っ' in html
    assert '<ins><span class="redline-sr">［追加：</span>拡充し' in html
    assert squash("37,245,320円→") in text and squash("38,000,000円") in text


def test_public_changes_show_published_editions_only(client, second_edition):
    Initiative.objects.filter(title="はんこレス").update(body="公開前の下書きの文。")

    html = client.get(CHANGES_URL).content.decode()

    assert "公開前の下書き" not in html
    assert changes_shown(html) == ["moved", "text", "amount"]
    assert client.get("/reports/2020/digital-administration/editions/1/").status_code == 404
    assert client.get("/reports/2020/digital-administration/editions/3/").status_code == 404


def test_approver_sees_what_publishing_will_change(client, seed, editor_a, approver_a):
    factories.three_changes(seed)
    touch_report(seed, editor_a)
    workflow.submit(seed, editor_a, "三か所を直しました")
    client.force_login(approver_a)

    html = client.get(f"/admin/reports/report/{seed.pk}/workflow/publish/").content.decode()

    assert "公開中の第1版からの変更" in html
    assert changes_shown(html) == ["moved", "text", "amount"]


def test_staff_compare_any_two_editions_of_their_divisions(
    client, second_edition, editor_a, editor_b
):
    url = f"/admin/reports/report/{second_edition.report_id}/compare/"
    client.force_login(editor_a)

    between_editions = client.get(url, {"old": "1", "new": "2"}).content.decode()
    default = client.get(url).content.decode()
    with_draft = client.get(url, {"old": "2", "new": "draft"}).content.decode()

    assert changes_shown(between_editions) == ["moved", "text", "amount"]
    assert changes_shown(default) == ["moved", "text", "amount"]
    assert changes_shown(with_draft) == [] and "変更はありません。" in with_draft
    client.force_login(editor_b)
    assert client.get(url, {"old": "1", "new": "2"}).status_code == 404
