from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Cast, Mod, Substr
from simple_history.models import HistoricalRecords

from organisation import notation
from organisation.models import EDIT, IMPORT, VIEW, Unit
from organisation.notation import comma
from reports.models import InitiativeContent, Report

NOT_NEGATIVE = "金額に負の数は入力できません。"


def check_digit(code5: str) -> int:
    """Check digit of a 全国地方公共団体コード: weights 6..2, modulus 11, last digit of 11 − r."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def validate_municipality_code(value: str) -> None:
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise ValidationError("団体コードは半角数字６桁で入力してください。", code="format")
    if check_digit(value[:5]) != int(value[5]):
        raise ValidationError(
            "団体コード %(code)s の検査数字が正しくありません。",
            code="check_digit",
            params={"code": value},
        )


def _digit(position: int):
    return Cast(Substr("code", position, 1), models.IntegerField())


_WEIGHTED_SUM = sum(_digit(i) * w for i, w in zip(range(1, 6), (6, 5, 4, 3, 2), strict=True))


class Municipality(models.Model):
    shown_to_public = True
    editor_access = VIEW

    class Kind(models.TextChoices):
        CITY = "city", "市"
        TOWN = "town", "町"
        VILLAGE = "village", "村"

    code = models.CharField(
        "団体コード",
        max_length=6,
        unique=True,
        validators=[validate_municipality_code],
        help_text="全国地方公共団体コード（検査数字を含む６桁）。例：大阪市 271004",
    )
    name = models.CharField("市町村名", max_length=50)
    kana = models.CharField(
        "よみがな",
        max_length=100,
        validators=[RegexValidator(r"^[ぁ-ゖー]+$", "よみがなはひらがなで入力してください。")],
    )
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "市町村"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$")
                & models.Q(models.lookups.Exact(Mod(11 - Mod(_WEIGHTED_SUM, 11), 10), _digit(6))),
                name="municipality_code_check_digit",
                violation_error_message="団体コードの検査数字が正しくありません。",
            )
        ]

    def __str__(self):
        return self.name


class Vendor(models.Model):
    shown_to_public = True
    editor_access = EDIT + IMPORT

    name = models.CharField("事業者名（現在）", max_length=200, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "事業者"

    def __str__(self):
        return self.name

    def affected_reports(self):
        return Report.objects.filter(sections__initiatives__contracts__vendor=self).distinct()


class FormerVendorName(models.Model):
    shown_to_public = True
    editor_access = EDIT

    vendor = models.ForeignKey(
        Vendor, models.CASCADE, related_name="former_names", verbose_name="事業者"
    )
    name = models.CharField("旧名称", max_length=200)
    renamed_on = models.DateField("改名日", help_text="この日から現在の名称になりました。")

    history = HistoricalRecords()

    class Meta:
        ordering = ["renamed_on", "id"]
        verbose_name = verbose_name_plural = "事業者の旧名称"

    def __str__(self):
        return self.name


class ExpenditureItem(models.Model):
    editor_access = EDIT + IMPORT
    division_path = "division"

    division = models.ForeignKey(
        "organisation.Division", models.PROTECT, related_name="expenditure_items", verbose_name="課"
    )
    code = models.SlugField(
        "費目コード", max_length=60, unique=True, help_text="半角英数字とハイフン。例：lgwan-levy"
    )
    name = models.CharField("費目名", max_length=200)
    qualifier = models.CharField(
        "区別",
        max_length=60,
        blank=True,
        help_text="同じ名前の費目を見分けるための短い言葉。例：LGWAN、公的個人認証",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["division", "code"]
        verbose_name = verbose_name_plural = "費目"

    def __str__(self):
        return f"{self.name}（{self.qualifier}）" if self.qualifier else self.name

    def affected_reports(self):
        return Report.objects.filter(sections__initiatives__settlement_tables__item=self).distinct()


class AmountKind(models.TextChoices):
    SETTLEMENT = "settlement", "決算額"
    BUDGET = "budget", "予算額"


class SettlementAmount(models.Model):
    editor_access = EDIT + IMPORT
    division_path = "item__division"

    item = models.ForeignKey(
        ExpenditureItem, models.CASCADE, related_name="amounts", verbose_name="費目"
    )
    fiscal_year = models.ForeignKey(
        "organisation.FiscalYear", models.PROTECT, related_name="amounts", verbose_name="年度"
    )
    kind = models.CharField(
        "種類", max_length=12, choices=AmountKind.choices, default=AmountKind.SETTLEMENT
    )
    amount = models.BigIntegerField(
        "金額",
        validators=[MinValueValidator(0, NOT_NEGATIVE)],
        help_text="「単位」で選んだ単位のまま保存します（5,318千円は 5318 と千円）。",
    )
    unit = models.CharField("単位", max_length=10, choices=Unit.choices, default=Unit.YEN)
    period_label = models.CharField(
        "期間の注記", max_length=30, blank=True, help_text="年度の一部だけの額のとき。例：～９月末"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "fiscal_year__year", "kind"]
        verbose_name = verbose_name_plural = "決算額・予算額"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "fiscal_year", "kind"],
                name="amount_one_per_item_year_kind",
                violation_error_message="この費目・年度・種類の金額はすでにあります。",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="amount_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.item} {self.fiscal_year.label} {self.display}"

    def affected_reports(self):
        """Reports of this year and the two after it show the amount in their tables."""
        return Report.objects.filter(
            sections__initiatives__settlement_tables__item=self.item_id,
            fiscal_year__year__gte=self.fiscal_year.year,
            fiscal_year__year__lte=self.fiscal_year.year + 2,
        ).distinct()

    @property
    def display(self) -> str:
        """The amount as typed, with its unit: 5,318千円."""
        return f"{comma(self.amount)}{Unit(self.unit).label}"

    @property
    def yen(self) -> int:
        """The amount in yen, for comparisons (ratios); never shown as if typed in yen."""
        return self.amount * 1000 if self.unit == Unit.THOUSAND_YEN else self.amount


class SettlementTable(InitiativeContent, models.Model):
    initiative = models.ForeignKey(
        "programs.Initiative",
        models.CASCADE,
        related_name="settlement_tables",
        verbose_name="取組",
    )
    item = models.ForeignKey(
        ExpenditureItem, models.PROTECT, related_name="tables", verbose_name="費目"
    )
    kind = models.CharField(
        "表示する金額",
        max_length=12,
        choices=[*AmountKind.choices, ("both", "予算額と決算額")],
        default=AmountKind.SETTLEMENT,
    )
    unit = models.CharField("単位", max_length=10, choices=Unit.choices, default=Unit.YEN)
    years = models.PositiveSmallIntegerField(
        "表示する年度数",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="報告書の年度とその前の年度を、この数だけ表示します。",
    )
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "決算額の表"

    def __str__(self):
        return str(self.item)


class Contract(InitiativeContent, models.Model):
    editor_access = EDIT + IMPORT

    initiative = models.ForeignKey(
        "programs.Initiative", models.CASCADE, related_name="contracts", verbose_name="取組"
    )
    title = models.CharField("名称", max_length=300)
    vendor = models.ForeignKey(
        Vendor, models.PROTECT, related_name="contracts", verbose_name="委託先"
    )
    starts_on = models.DateField("契約期間（開始月）", help_text="月の初日で入力します。")
    ends_on = models.DateField("契約期間（終了月）", help_text="月の初日で入力します。")
    amount = models.BigIntegerField(
        "契約金額（円）", validators=[MinValueValidator(0, NOT_NEGATIVE)]
    )
    tax_included = models.BooleanField("税込と表示する", default=False)
    notes = models.TextField("注記", blank=True, help_text="表の下に「※」つきで表示します。")
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "契約"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_not_before_start",
                violation_error_message="契約期間の終了が開始より前になっています。",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="contract_amount_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.starts_on = self.starts_on.replace(day=1)
        self.ends_on = self.ends_on.replace(day=1)
        super().save(*args, **kwargs)

    @property
    def period(self) -> str:
        return notation.japanese_month_range(
            (self.starts_on.year, self.starts_on.month), (self.ends_on.year, self.ends_on.month)
        )

    @property
    def amount_display(self) -> str:
        return notation.yen(self.amount) + ("(税込)" if self.tax_included else "")


class SubsidyProgramme(models.Model):
    shown_to_public = True
    editor_access = VIEW
    division_path = "division"

    division = models.ForeignKey(
        "organisation.Division",
        models.PROTECT,
        related_name="subsidy_programmes",
        verbose_name="課",
    )
    name = models.CharField("補助金名", max_length=200, unique=True)
    rate_numerator = models.PositiveSmallIntegerField("補助率（分子）", default=1)
    rate_denominator = models.PositiveSmallIntegerField("補助率（分母）", default=2)
    cap = models.BigIntegerField("上限額（円）", validators=[MinValueValidator(0, NOT_NEGATIVE)])
    joint_cap = models.BigIntegerField(
        "共同実施の上限額（円）",
        null=True,
        blank=True,
        validators=[MinValueValidator(0, NOT_NEGATIVE)],
        help_text="複数市町村で共同実施する場合の上限。",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "補助金"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_numerator__gt=0)
                & models.Q(rate_denominator__gte=models.F("rate_numerator")),
                name="programme_rate_valid",
                violation_error_message="補助率は 0 より大きく 1 以下にしてください。",
            ),
            models.CheckConstraint(
                condition=models.Q(cap__gte=0), name="programme_cap_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def cap_for(self, municipality_count: int) -> int:
        if municipality_count > 1 and self.joint_cap is not None:
            return self.joint_cap
        return self.cap


class SubsidyAward(models.Model):
    editor_access = EDIT + IMPORT
    division_path = "programme__division"

    programme = models.ForeignKey(
        SubsidyProgramme, models.PROTECT, related_name="awards", verbose_name="補助金"
    )
    fiscal_year = models.ForeignKey(
        "organisation.FiscalYear", models.PROTECT, related_name="awards", verbose_name="年度"
    )
    municipalities = models.ManyToManyField(
        Municipality, related_name="awards", verbose_name="市町村"
    )
    title = models.CharField("事業名称", max_length=300)
    subsidy = models.BigIntegerField(
        "補助額（円）", validators=[MinValueValidator(0, NOT_NEGATIVE)]
    )
    total_cost = models.BigIntegerField(
        "総事業費（円）", validators=[MinValueValidator(0, NOT_NEGATIVE)]
    )
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords(m2m_fields=[municipalities])

    class Meta:
        ordering = ["fiscal_year__year", "order", "id"]
        verbose_name = verbose_name_plural = "補助金採択事業"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subsidy__lte=models.F("total_cost")),
                name="award_subsidy_within_total_cost",
                violation_error_message="補助額が総事業費を超えています。",
            ),
            models.CheckConstraint(
                condition=models.Q(subsidy__gte=0) & models.Q(total_cost__gte=0),
                name="award_amounts_not_negative",
                violation_error_message=NOT_NEGATIVE,
            ),
        ]

    def __str__(self):
        return self.title

    def affected_reports(self):
        return Report.objects.filter(
            sections__initiatives__award_tables__programme=self.programme_id,
            sections__initiatives__award_tables__fiscal_year=self.fiscal_year_id,
        ).distinct()

    def check_programme_limits(self, municipality_count: int) -> None:
        """Raise ValidationError when the subsidy exceeds the programme's rate or cap."""
        programme = self.programme
        errors = []
        if self.subsidy * programme.rate_denominator > self.total_cost * programme.rate_numerator:
            errors.append(
                f"補助額が補助率（{programme.rate_numerator}/{programme.rate_denominator}）"
                "を超えています。"
            )
        cap = programme.cap_for(municipality_count)
        if self.subsidy > cap:
            errors.append(f"補助額が上限 {comma(cap)}円 を超えています。")
        if errors:
            raise ValidationError(errors)


class AwardTable(InitiativeContent, models.Model):
    initiative = models.ForeignKey(
        "programs.Initiative", models.CASCADE, related_name="award_tables", verbose_name="取組"
    )
    programme = models.ForeignKey(
        SubsidyProgramme, models.PROTECT, related_name="tables", verbose_name="補助金"
    )
    fiscal_year = models.ForeignKey(
        "organisation.FiscalYear", models.PROTECT, related_name="award_tables", verbose_name="年度"
    )
    unit = models.CharField("単位", max_length=10, choices=Unit.choices, default=Unit.THOUSAND_YEN)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "採択事業の表"

    def __str__(self):
        return f"{self.programme} {self.fiscal_year}"
