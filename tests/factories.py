"""Small hand-written builders for test data; each returns a saved object."""

from datetime import date
from itertools import count

from budgets.models import (
    AwardTable,
    Contract,
    ExpenditureItem,
    Municipality,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
)
from organisation.models import Department, Division, FiscalYear
from programs.models import Event, Fact, Figure, Initiative, Note
from publication.publishing import freeze_edition
from reports.models import Report, Section

_serial = count(1)


def fiscal_year(year: int = 2020) -> FiscalYear:
    return FiscalYear.objects.get_or_create(year=year)[0]


def division(name: str | None = None) -> Division:
    n = next(_serial)
    department = Department.objects.create(name=f"テスト部{n}", slug=f"dept-{n}", order=n)
    return Division.objects.create(
        department=department, name=name or f"テスト課{n}", slug=f"division-{n}", order=n
    )


def report(year: int = 2020, division_=None, status=Report.Status.DRAFT) -> Report:
    return Report.objects.create(
        fiscal_year=fiscal_year(year), division=division_ or division(), status=status
    )


def municipality(code: str = "271004", name: str = "大阪市") -> Municipality:
    return Municipality.objects.get_or_create(
        code=code, defaults={"name": name, "kana": "おおさかし", "kind": "city"}
    )[0]


def filled_report(size: int = 1, year: int = 2020, status=Report.Status.PUBLISHED) -> Report:
    """A report shaped like the seed, with ``size`` times its groups of initiatives; published
    (as its first edition) unless ``status`` says otherwise."""
    r = report(year, status=status)
    vendor = Vendor.objects.create(name=f"（株）テスト{next(_serial)}")
    programme = SubsidyProgramme.objects.create(
        division=r.division, name=f"テスト補助金{next(_serial)}", cap=5_000_000
    )
    city = municipality()
    for s in range(size * 2):
        section = Section.objects.create(report=r, name=f"第{s + 1}グループ", order=s)
        for t in range(4):
            top = Initiative.objects.create(section=section, order=t, title=f"取組{s}-{t}")
            sub = Initiative.objects.create(
                section=section, parent=top, order=1, title="小項目", body="本文。\n・箇条書き"
            )
            leaf = Initiative.objects.create(section=section, parent=sub, order=1, title="細目")
            Fact.objects.create(initiative=leaf, label="機種", value="ｉＰａｄ")
            Figure.objects.create(initiative=leaf, label="削減時間", value=2000, unit="時間")
            Event.objects.create(
                initiative=leaf, starts_on=date(year + 1, 1, 28), venue="Web配信", organisations=3
            )
            Note.objects.create(initiative=leaf, text="注記")
            item = ExpenditureItem.objects.create(
                division=r.division, code=f"item-{next(_serial)}", name="負担金"
            )
            for y in range(year - 2, year + 1):
                SettlementAmount.objects.create(
                    item=item, fiscal_year=fiscal_year(y), amount=1_000_000 + y
                )
            SettlementTable.objects.create(initiative=sub, item=item)
            Contract.objects.create(
                initiative=sub,
                title="業務委託",
                vendor=vendor,
                starts_on=date(year, 4, 1),
                ends_on=date(year + 1, 3, 1),
                amount=100_000,
            )
            award = SubsidyAward.objects.create(
                programme=programme,
                fiscal_year=r.fiscal_year,
                title=f"事業{s}-{t}",
                subsidy=1_000_000,
                total_cost=2_000_000,
            )
            award.municipalities.add(city)
        AwardTable.objects.create(initiative=top, programme=programme, fiscal_year=r.fiscal_year)
    if status == Report.Status.PUBLISHED:
        freeze_edition(r)
    return r


def three_changes(seed: Report) -> None:
    """Change the seed in three ways a redline must show, and nothing else: one sentence of
    ペーパーレス, the LGWAN levy of 令和２年度, and キャッシュレス moved before はんこレス."""
    paperless = Initiative.objects.get(title="ペーパーレス", section__report=seed)
    paperless.body = paperless.body.replace("一時貸出を行った。", "一時貸出を拡充した。")
    paperless.save()
    SettlementAmount.objects.filter(item__code="lgwan-levy", fiscal_year__year=2020).update(
        amount=38_000_000
    )
    cashless = Initiative.objects.get(title="キャッシュレス", section__report=seed)
    siblings = list(cashless.parent.children.exclude(pk=cashless.pk).order_by("order", "id"))
    for order, initiative in enumerate([cashless, *siblings]):
        Initiative.objects.filter(pk=initiative.pk).update(order=order)
