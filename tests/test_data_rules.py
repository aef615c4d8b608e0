"""Bad data is refused with a clear Japanese message, by the admin and by the database."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from budgets.models import (
    Contract,
    ExpenditureItem,
    Municipality,
    SettlementAmount,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
    check_digit,
)
from programs.models import Initiative
from reports.models import Report, Section
from tests import factories


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser("admin", "admin@example.invalid", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def item(db):
    return ExpenditureItem.objects.create(
        division=factories.division(), code="lgwan-levy", name="負担金"
    )


def test_check_digit_matches_known_osaka_codes():
    assert check_digit("27100") == 4  # 大阪市
    assert check_digit("27140") == 3  # 堺市
    assert check_digit("27383") == 0  # 千早赤阪村


def test_admin_refuses_negative_settlement_amount(admin_client, item):
    year = factories.fiscal_year(2020)
    response = admin_client.post(
        "/admin/budgets/settlementamount/add/",
        {"item": item.pk, "fiscal_year": year.pk, "kind": "settlement", "amount": "-1"},
    )

    assert response.status_code == 200
    assert "金額に負の数は入力できません。" in response.content.decode()
    assert not SettlementAmount.objects.exists()


def test_database_refuses_negative_amount(item):
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementAmount.objects.create(item=item, fiscal_year=factories.fiscal_year(), amount=-100)


def _award_post(programme, city, subsidy, total_cost):
    return {
        "programme": programme.pk,
        "fiscal_year": factories.fiscal_year(2020).pk,
        "municipalities": [city.pk],
        "title": "自動運転実装事業",
        "subsidy": subsidy,
        "total_cost": total_cost,
        "order": 0,
    }


@pytest.fixture
def programme(db):
    return SubsidyProgramme.objects.create(
        division=factories.division(), name="補助金", cap=5_000_000, joint_cap=10_000_000
    )


def test_admin_refuses_subsidy_above_total_cost(admin_client, programme):
    data = _award_post(programme, factories.municipality(), 3_000_000, 2_000_000)
    response = admin_client.post("/admin/budgets/subsidyaward/add/", data)

    assert "補助額が総事業費を超えています。" in response.content.decode()
    assert not SubsidyAward.objects.exists()


def test_admin_refuses_subsidy_above_rate_and_cap(admin_client, programme):
    data = _award_post(programme, factories.municipality(), 6_000_000, 40_000_000)
    html = admin_client.post("/admin/budgets/subsidyaward/add/", data).content.decode()

    assert "補助額が上限 5,000,000円 を超えています。" in html
    data = _award_post(programme, factories.municipality(), 3_000_000, 4_000_000)
    html = admin_client.post("/admin/budgets/subsidyaward/add/", data).content.decode()
    assert "補助額が補助率（1/2）を超えています。" in html
    assert not SubsidyAward.objects.exists()


def test_admin_accepts_a_valid_award(admin_client, programme):
    data = _award_post(programme, factories.municipality(), 2_132_000, 4_264_000)
    response = admin_client.post("/admin/budgets/subsidyaward/add/", data)

    assert response.status_code == 302
    assert SubsidyAward.objects.get().subsidy == 2_132_000


def test_database_refuses_subsidy_above_total_cost(programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyAward.objects.create(
            programme=programme,
            fiscal_year=factories.fiscal_year(),
            title="x",
            subsidy=2,
            total_cost=1,
        )


def test_admin_refuses_municipality_code_with_wrong_check_digit(admin_client):
    response = admin_client.post(
        "/admin/budgets/municipality/add/",
        {"code": "271005", "name": "大阪市", "kana": "おおさかし", "kind": "city"},
    )

    assert "団体コード 271005 の検査数字が正しくありません。" in response.content.decode()
    assert not Municipality.objects.exists()


@pytest.mark.parametrize("code", ["271005", "123456"])
def test_database_refuses_municipality_code_with_wrong_check_digit(db, code):
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(code=code, name="x", kana="えっくす", kind="city")


def test_database_accepts_valid_municipality_code(db):
    Municipality.objects.create(code="273830", name="千早赤阪村", kana="ちはやあかさかむら")
    assert Municipality.objects.count() == 1


def test_admin_refuses_second_report_for_same_division_and_year(admin_client):
    existing = factories.report(2020)
    response = admin_client.post(
        "/admin/reports/report/add/",
        {
            "fiscal_year": existing.fiscal_year.pk,
            "division": existing.division.pk,
            "status": "draft",
            "sections-TOTAL_FORMS": "0",
            "sections-INITIAL_FORMS": "0",
        },
    )

    assert "この課のこの年度の事務事業実績はすでにあります。" in response.content.decode()
    assert Report.objects.count() == 1


def test_database_refuses_second_report(db):
    existing = factories.report(2020)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(fiscal_year=existing.fiscal_year, division=existing.division)


def test_database_refuses_contract_ending_before_it_starts(db):
    initiative = Initiative.objects.create(
        section=Section.objects.create(report=factories.report(), name="G"), title="t"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            initiative=initiative,
            title="x",
            vendor=Vendor.objects.create(name="v"),
            starts_on=date(2021, 4, 1),
            ends_on=date(2021, 3, 1),
            amount=1,
        )


def test_admin_refuses_a_typed_marker_in_a_title(admin_client):
    report = factories.report()
    section = Section.objects.create(report=report, name="企画調整グループ")
    initiative = Initiative.objects.create(section=section, title="庁内ＩＣＴ化の推進")
    response = admin_client.post(
        f"/admin/programs/initiative/{initiative.pk}/change/",
        {
            "section": section.pk,
            "title": "１　庁内ＩＣＴ化の推進",
            "marker_style": "auto",
            "order": 0,
            **_empty_inlines(),
        },
    )

    assert "見出しの先頭に番号や記号は入力しません（自動でつきます）。" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title == "庁内ＩＣＴ化の推進"


def _empty_inlines():
    prefixes = [
        "facts",
        "figures",
        "events",
        "settlement_tables",
        "contracts",
        "award_tables",
        "notes",
    ]
    data = {}
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data
