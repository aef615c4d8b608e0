import json
import random
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
from programs.models import Event, Fact, Figure, Initiative, MarkerStyle, Note
from publication.publishing import freeze_edition
from reports.models import Report, Section

DEMO = "demo-"
SUBJECTS = [
    "庁内ＩＣＴ化",
    "働き方改革",
    "業務改革",
    "情報セキュリティ",
    "電子申請",
    "オープンデータ",
    "防災情報",
    "地域福祉",
    "子育て支援",
    "観光振興",
    "中小企業支援",
    "環境保全",
    "道路維持",
    "河川整備",
    "公共交通",
    "健康づくり",
    "文化振興",
    "スポーツ推進",
    "国際交流",
    "人材育成",
]
ACTIONS = [
    "を推進した",
    "の充実を図った",
    "の検討を進めた",
    "に取り組んだ",
    "の運用を行った",
    "の見直しを行った",
    "を実施した",
    "の普及啓発を行った",
]
PURPOSES = [
    "府民サービスの向上を目的として",
    "業務の効率化を図るため",
    "市町村との連携を強化するため",
    "安全・安心なまちづくりのため",
    "生活の質（QoL）の向上をめざし",
    "行政運営の透明性を高めるため",
]
VENUES = ["Web配信", "オンライン開催", "大阪府庁本館", "府民センター", "咲洲庁舎"]


class Command(BaseCommand):
    help = "大量の見本データ（年度×課の報告書、公開版つき）を作ります。再現可能な乱数を使います。"

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=30, help="年度の数（既定 30）")
        parser.add_argument("--divisions", type=int, default=100, help="課の数（既定 100）")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種（既定 1）")
        parser.add_argument("--last-year", type=int, default=2025, help="最後の年度（西暦）")
        parser.add_argument(
            "--force", action="store_true", help="実データがあるデータベースでも作る"
        )

    def handle(self, *args, years, divisions, seed, last_year, force, **options):
        real = Report.objects.exclude(division__slug__startswith=DEMO)
        if real.exists() and not force:
            raise CommandError(
                f"このデータベースには実データの報告書が{real.count()}件あります。"
                "見本データを混ぜてよい場合だけ --force をつけて実行してください。"
            )
        if Division.objects.filter(slug__startswith=DEMO).exists():
            raise CommandError("見本データはすでにあります。作り直すには新しいデータベースで。")
        rng = random.Random(seed)
        started = time.perf_counter()
        year_list = list(range(last_year - years + 1, last_year + 1))
        with transaction.atomic():
            fiscal_years = {
                y: FiscalYear.objects.get_or_create(year=y)[0]
                for y in range(year_list[0] - 2, last_year + 1)
            }
            division_list = self._organisation(divisions, rng)
        municipalities = self._municipalities()
        vendors = Vendor.objects.bulk_create(
            [Vendor(name=f"（株）見本システム{n:03d}") for n in range(1, 51)]
        )
        total = len(division_list) * len(year_list)
        done = 0
        for division in division_list:
            with transaction.atomic():
                items = self._items(division, rng, fiscal_years, year_list)
                programme = SubsidyProgramme.objects.create(
                    division=division,
                    name=f"{division.name}補助金",
                    cap=5_000_000,
                    joint_cap=10_000_000,
                )
                for year in year_list:
                    report = Report.objects.create(
                        fiscal_year=fiscal_years[year],
                        division=division,
                        status=Report.Status.PUBLISHED,
                    )
                    self._content(
                        report, rng, items, programme, vendors, municipalities, fiscal_years
                    )
                    freeze_edition(report, change_note="")
                    done += 1
            elapsed = time.perf_counter() - started
            self.stdout.write(f"\r{done}/{total} 件の報告書を作成（{elapsed:.0f}秒）", ending="")
            self.stdout.flush()
        self.stdout.write(f"\n完了：{total} 件、{time.perf_counter() - started:.0f}秒")

    def _municipalities(self):
        """The 43 municipalities of the seed fixture (those missing are added), so that awards
        and events spread over them as in real reports."""
        fixture = settings.FIXTURE_DIRS[0] / "fy2020.json"
        rows = [
            o["fields"]
            for o in json.loads(fixture.read_text(encoding="utf-8"))
            if o["model"] == "budgets.municipality"
        ]
        Municipality.objects.bulk_create(
            [Municipality(**fields) for fields in rows], ignore_conflicts=True
        )
        return list(Municipality.objects.order_by("code"))

    def _organisation(self, count, rng):
        departments = Department.objects.bulk_create(
            [
                Department(name=f"見本第{n}部", slug=f"{DEMO}dept-{n}", order=100 + n)
                for n in range(1, (count + 9) // 10 + 1)
            ]
        )
        return Division.objects.bulk_create(
            [
                Division(
                    department=departments[n // 10],
                    name=f"{rng.choice(SUBJECTS)}推進第{n + 1}課",
                    slug=f"{DEMO}division-{n + 1}",
                    order=n,
                )
                for n in range(count)
            ]
        )

    def _items(self, division, rng, fiscal_years, year_list):
        items = ExpenditureItem.objects.bulk_create(
            [
                ExpenditureItem(
                    division=division,
                    code=f"{division.slug}-item-{n}",
                    name=f"{rng.choice(SUBJECTS)}事業費",
                )
                for n in range(1, 7)
            ]
        )
        amounts = []
        for item in items:
            base = rng.randrange(1_000_000, 200_000_000)
            for year in range(year_list[0] - 2, year_list[-1] + 1):
                amounts.append(
                    SettlementAmount(
                        item=item,
                        fiscal_year=fiscal_years[year],
                        amount=int(base * rng.uniform(0.7, 1.3)),
                    )
                )
        SettlementAmount.objects.bulk_create(amounts)
        return items

    def _content(self, report, rng, items, programme, vendors, municipalities, fiscal_years):
        year = report.fiscal_year.year

        def sentence():
            return f"{rng.choice(PURPOSES)}、{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}。"

        sections = Section.objects.bulk_create(
            [
                Section(report=report, name=name, order=n)
                for n, name in enumerate(["企画調整グループ", "事業推進グループ"], 1)
            ]
        )
        leaves, tops = [], []
        for section in sections:
            level0 = Initiative.objects.bulk_create(
                [
                    Initiative(
                        section=section,
                        order=n,
                        title=f"{rng.choice(SUBJECTS)}の推進",
                        body=sentence(),
                    )
                    for n in range(1, 5)
                ]
            )
            tops += level0
            level1 = Initiative.objects.bulk_create(
                [
                    Initiative(
                        section=section,
                        parent=parent,
                        order=n,
                        title=f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)[1:3]}",
                        body=sentence() + sentence(),
                    )
                    for parent in level0
                    for n in range(1, 3)
                ]
            )
            level2 = Initiative.objects.bulk_create(
                [
                    Initiative(
                        section=section,
                        parent=parent,
                        order=n,
                        marker_style=MarkerStyle.AUTO,
                        title=f"{rng.choice(SUBJECTS)}",
                        body=f"{sentence()}\n・{sentence()}",
                    )
                    for parent in level1
                    for n in range(1, 3)
                ]
            )
            leaves += level2
        Fact.objects.bulk_create(
            [
                Fact(initiative=leaf, label="実施回数", value=f"{rng.randrange(1, 40)}回")
                for leaf in leaves[::4]
            ]
        )
        Figure.objects.bulk_create(
            [
                Figure(
                    initiative=leaf,
                    label="削減時間",
                    qualifier="年間推計",
                    value=rng.randrange(100, 5000),
                    unit="時間",
                    is_approximate=True,
                )
                for leaf in leaves[1::8]
            ]
        )
        Event.objects.bulk_create(
            [
                Event(
                    initiative=leaf,
                    title=f"{rng.choice(SUBJECTS)}セミナー",
                    starts_on=date(year + (m < 4), m, rng.randrange(1, 28)),
                    venue=rng.choice(VENUES),
                    organisations=rng.randrange(5, 44),
                    participants=rng.randrange(10, 300),
                    cohosts=rng.choice(municipalities).name if rng.random() < 0.3 else "",
                    description=sentence(),
                )
                for leaf, m in zip(leaves[2::6], [5, 7, 9, 11, 1, 2], strict=False)
            ]
        )
        Note.objects.bulk_create([Note(initiative=top, text="金額は決算額。") for top in tops[::4]])
        SettlementTable.objects.bulk_create(
            [
                SettlementTable(initiative=top, item=item, order=1)
                for top, item in zip(tops[1:], items, strict=False)
            ]
        )
        Contract.objects.bulk_create(
            [
                Contract(
                    initiative=tops[2],
                    title=f"{rng.choice(SUBJECTS)}システム運用保守業務",
                    vendor=rng.choice(vendors),
                    starts_on=date(year, 4, 1),
                    ends_on=date(year + 3, 3, 1),
                    amount=rng.randrange(1_000_000, 90_000_000),
                )
                for _ in range(2)
            ]
        )
        awards = SubsidyAward.objects.bulk_create(
            [
                SubsidyAward(
                    programme=programme,
                    fiscal_year=fiscal_years[year],
                    title=f"{rng.choice(SUBJECTS)}モデル事業",
                    subsidy=s,
                    total_cost=s * 2,
                    order=n,
                )
                for n, s in enumerate(rng.randrange(1, 50) * 100_000 for _ in range(6))
            ]
        )
        through = SubsidyAward.municipalities.through
        # One award in six is a joint project of two municipalities, as in the seed.
        through.objects.bulk_create(
            [
                through(subsidyaward_id=a.pk, municipality_id=m.pk)
                for a in awards
                for m in rng.sample(municipalities, 2 if rng.random() < 1 / 6 else 1)
            ]
        )
        AwardTable.objects.create(
            initiative=tops[-1], programme=programme, fiscal_year=fiscal_years[year]
        )
