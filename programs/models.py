import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from organisation import notation
from organisation.models import EDIT, IMPORT
from reports.models import InitiativeContent, Report


class MarkerStyle(models.TextChoices):
    AUTO = "auto", "自動（階層に合わせる）"
    NUMERAL = "numeral", "１　２　３"
    PAREN = "paren", "(1)　(2)　(3)"
    CIRCLE = "circle", "〇"
    ENCLOSED = "enclosed", "①　②　③"
    BULLET = "bullet", "・"
    NONE = "none", "なし（段落のみ）"


# The style a node takes when it asks for none in particular, by depth (0 = top).
DEFAULT_STYLES = (
    MarkerStyle.NUMERAL,
    MarkerStyle.PAREN,
    MarkerStyle.CIRCLE,
    MarkerStyle.ENCLOSED,
    MarkerStyle.BULLET,
)


# A title that starts with what the renderer generates: １　, (1), （１）, 〇, ○, ①, ・
MARKER_TYPED = re.compile(
    r"^\s*([０-９0-9]+[\s　.．、]|[(（][０-９0-9]+[)）]|[〇○●◯・·]|[\u2460-\u2473])"
)


class Initiative(models.Model):
    editor_access = EDIT
    division_path = "section__report__division"

    section = models.ForeignKey(
        "reports.Section", models.CASCADE, related_name="initiatives", verbose_name="グループ"
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上位の項目",
    )
    order = models.PositiveIntegerField("表示順", default=0)
    marker_style = models.CharField(
        "見出し記号",
        max_length=10,
        choices=MarkerStyle.choices,
        default=MarkerStyle.AUTO,
        help_text="通常は「自動」。番号や記号は並び順から自動でつきます。",
    )
    is_new = models.BooleanField("【新規】", default=False)
    title = models.CharField("見出し", max_length=200, blank=True)
    body = models.TextField(
        "本文",
        blank=True,
        help_text=(
            "Wordと同じように入力します。空行で段落を分け、「・」で始まる行は箇条書き、"
            "「※」で始まる行は注記になります。"
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "取組"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="initiative_not_own_parent"
            )
        ]

    def __str__(self):
        return self.title or (self.body[:30] if self.body else f"取組 {self.pk}")

    def save(self, *args, **kwargs):
        if self.parent_id:
            self.section_id = self.parent.section_id
        super().save(*args, **kwargs)

    def affected_reports(self):
        return Report.objects.filter(sections=self.section_id)

    def clean(self):
        if MARKER_TYPED.match(self.title):
            raise ValidationError(
                {"title": "見出しの先頭に番号や記号は入力しません（自動でつきます）。"}
            )
        if not self.title and not self.body and self.marker_style != MarkerStyle.NONE:
            raise ValidationError({"title": "見出しか本文のどちらかを入力してください。"})


class Fact(InitiativeContent, models.Model):
    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="facts", verbose_name="取組"
    )
    label = models.CharField("項目", max_length=100)
    value = models.CharField("内容", max_length=500)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "項目と内容"

    def __str__(self):
        return f"{self.label}：{self.value}"


class Figure(InitiativeContent, models.Model):
    editor_access = EDIT + IMPORT

    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="figures", verbose_name="取組"
    )
    label = models.CharField("指標", max_length=100)
    qualifier = models.CharField("補足（前）", max_length=100, blank=True, help_text="例：年間推計")
    value = models.DecimalField(
        "値", max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField("単位", max_length=20, blank=True, help_text="例：時間、件、％")
    is_approximate = models.BooleanField("「約」をつける", default=False)
    note = models.CharField("補足（後）", max_length=200, blank=True)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "実績値"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0),
                name="figure_value_not_negative",
                violation_error_message="値に負の数は入力できません。",
            )
        ]

    def __str__(self):
        return self.display

    @property
    def display(self) -> str:
        """削減時間　年間推計　約2,000時間（利用申請のあった10業務の合計）"""
        value = self.value
        number = notation.comma(int(value) if value == value.to_integral_value() else value)
        amount = f"{'約' if self.is_approximate else ''}{number}{self.unit}"
        note = f"（{self.note}）" if self.note else ""
        return "　".join(p for p in (self.label, self.qualifier, amount) if p) + note


class Event(InitiativeContent, models.Model):
    editor_access = EDIT + IMPORT

    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="events", verbose_name="取組"
    )
    title = models.CharField("名称", max_length=200, blank=True)
    starts_on = models.DateField("開催日（開始）")
    ends_on = models.DateField("開催日（終了）", null=True, blank=True)
    venue = models.CharField("場所", max_length=200, blank=True, help_text="例：Web配信")
    organisations = models.PositiveIntegerField("参加団体数", null=True, blank=True)
    participants = models.PositiveIntegerField("参加者数", null=True, blank=True)
    cohosts = models.CharField("共催", max_length=200, blank=True)
    description = models.TextField("内容", blank=True)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "starts_on", "id"]
        verbose_name = verbose_name_plural = "開催実績"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_not_before_start",
                violation_error_message="終了日が開始日より前になっています。",
            )
        ]

    def __str__(self):
        return self.title or f"開催実績 {self.starts_on:%Y-%m-%d}"

    @property
    def when(self) -> str:
        return notation.japanese_date_range(self.starts_on, self.ends_on)

    @property
    def attendance(self) -> str:
        """31団体49名; either part may be missing."""
        parts = []
        if self.organisations is not None:
            parts.append(f"{notation.jnum(self.organisations)}団体")
        if self.participants is not None:
            parts.append(f"{notation.jnum(self.participants)}名")
        return "".join(parts)


class Note(InitiativeContent, models.Model):
    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="notes", verbose_name="取組"
    )
    text = models.TextField("注記", help_text="先頭の「※」は自動でつきます。")
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "注記"

    def __str__(self):
        return self.text[:40]


class TextBlock(InitiativeContent, models.Model):
    """Text between other blocks of an initiative: a paragraph after a table, a list…"""

    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="text_blocks", verbose_name="取組"
    )
    text = models.TextField(
        "文章",
        help_text=(
            "Wordと同じように入力します。空行で段落を分け、「・」で始まる行は箇条書き、"
            "「※」で始まる行は注記になります。"
        ),
    )
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "文章"

    def __str__(self):
        return self.text[:30]


class ColumnType(models.TextChoices):
    TEXT = "text", "文字"
    NUMBER = "number", "数値"
    AMOUNT = "amount", "金額"
    DATE = "date", "日付"


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_cell(kind: str, raw: str):
    """The value of a typed cell as the renderer needs it, or ValueError with a Japanese reason.
    Cells are stored as typed; this only reads them. Full-width digits are accepted."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text or kind == ColumnType.TEXT:
        return raw.strip()
    if kind in (ColumnType.NUMBER, ColumnType.AMOUNT):
        digits = text.replace(",", "").removesuffix("円")
        try:
            value = Decimal(digits)
        except InvalidOperation:
            raise ValueError(f"「{raw}」は{ColumnType(kind).label}として読めません") from None
        if kind == ColumnType.AMOUNT and value != value.to_integral_value():
            raise ValueError(f"「{raw}」：金額は整数で入力してください")
        return value
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"「{raw}」は日付として読めません（例：2021-01-28）")
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"「{raw}」という日付はありません") from None


class FreeTable(InitiativeContent, models.Model):
    """A small table with no typed home of its own (purchases: 品名・数量・金額)."""

    initiative = models.ForeignKey(
        Initiative, models.CASCADE, related_name="free_tables", verbose_name="取組"
    )
    caption = models.CharField("表題", max_length=200)
    unit = models.CharField("単位", max_length=20, blank=True, help_text="例：千円、台")
    columns = models.JSONField(
        "列", default=list, help_text="列ごとの見出しと種類（文字・数値・金額・日付）"
    )
    rows = models.JSONField("行", default=list, help_text="行ごとのセルの一覧（入力したまま）")
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "表"

    def __str__(self):
        return self.caption

    def clean(self):
        errors = self.cell_errors()
        if errors:
            raise ValidationError({"rows": errors})

    def column_errors(self) -> list[str]:
        if not isinstance(self.columns, list) or not self.columns:
            return ["列を１つ以上入力してください。"]
        errors = []
        for n, column in enumerate(self.columns, 1):
            if not isinstance(column, dict) or not str(column.get("label", "")).strip():
                errors.append(f"{n}列目の見出しがありません。")
            elif column.get("type") not in ColumnType.values:
                errors.append(f"{n}列目「{column.get('label')}」の種類が正しくありません。")
        return errors

    def cell_errors(self) -> list[str]:
        """Every bad cell, named by row and column, in Japanese."""
        errors = self.column_errors()
        if errors:
            return errors
        if not isinstance(self.rows, list):
            return ["行の形式が正しくありません。"]
        width = len(self.columns)
        for r, row in enumerate(self.rows, 1):
            if not isinstance(row, list):
                errors.append(f"{r}行目の形式が正しくありません。")
                continue
            if len(row) > width:
                errors.append(f"{r}行目：列が{width}列より多くあります（{len(row)}列）。")
                continue
            for column, cell in zip(self.columns, row, strict=False):
                try:
                    parse_cell(column["type"], str(cell))
                except ValueError as error:
                    errors.append(f"{r}行目「{column['label']}」列：{error}。")
        return errors
