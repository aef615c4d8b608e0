import pytest
from django.contrib.auth.models import User

from budgets.models import Municipality
from organisation.models import FiscalYear
from programs.models import Initiative


@pytest.fixture
def staff(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.invalid", "pw"))
    return client


def test_report_opens_in_its_editor_with_its_groups_and_initiative_tree(client, seed, editor_a):
    client.force_login(editor_a)
    response = client.get(f"/admin/reports/report/{seed.pk}/change/", follow=True)
    html = response.content.decode()

    assert response.redirect_chain == [(f"/admin/reports/report/{seed.pk}/editor/", 302)]
    assert "企画調整グループ" in html and "市町村連携グループ" in html
    for text in [
        "庁内ＩＣＴ化の推進",
        "はんこレス",
        "情報セキュリティ技術セミナーの開催",
        "大阪府スマートシティ戦略推進補助金",
        "ｉＰａｄ",  # タブレット端末機: facts are shown where they are
        "近畿管区警察局及び大阪府警察本部",  # and events
        "地方公共団体情報システム機構への負担金",  # and tables
    ]:
        assert text in html
    assert "上へ" in html and "下へ" in html  # moves, without JavaScript


def test_initiative_page_edits_its_facts_events_and_tables(staff, seed):
    tablet = Initiative.objects.get(title="タブレット端末機の本格導入")
    seminar = Initiative.objects.get(title="情報セキュリティ技術セミナーの開催")
    lgwan = Initiative.objects.get(
        title="令和２年度の主な活動",
        section__name="市町村連携グループ",
        parent__title__contains="ＬＧＷＡＮ",
    )

    assert (
        "ｉＰａｄ" in staff.get(f"/admin/programs/initiative/{tablet.pk}/change/").content.decode()
    )
    html = staff.get(f"/admin/programs/initiative/{seminar.pk}/change/").content.decode()
    assert "近畿管区警察局及び大阪府警察本部" in html
    html = staff.get(f"/admin/programs/initiative/{lgwan.pk}/change/").content.decode()
    assert "地方公共団体情報システム機構への負担金" in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/budgets/settlementamount/?q=負担金", "地方公共団体情報システム機構への負担金"),
        (
            "/admin/budgets/contract/?q=ケイ・オプティコム",
            "大阪版自治体情報セキュリティクラウド構築等業務",
        ),
        ("/admin/budgets/subsidyaward/?q=かわちながの", "自動運転実装事業"),
        ("/admin/budgets/municipality/?q=ちはや", "千早赤阪村"),
    ],
)
def test_budget_records_are_searchable(staff, seed, url, expected):
    assert expected in staff.get(url).content.decode()


def test_budget_autocomplete_finds_municipalities_by_kana(staff, seed):
    response = staff.get(
        "/admin/autocomplete/",
        {
            "app_label": "budgets",
            "model_name": "subsidyaward",
            "field_name": "municipalities",
            "term": "いけだ",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["池田市"]


def test_fixture_holds_the_organisation_years_and_municipalities(seed):
    assert list(FiscalYear.objects.order_by("year").values_list("year", flat=True)) == list(
        range(2016, 2028)
    )
    assert Municipality.objects.count() == 43
    assert Municipality.objects.filter(kind="village").get().name == "千早赤阪村"
