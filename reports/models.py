"""The report of a division for a fiscal year, its groups (グループ) and its workflow history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from organisation.models import EDIT, VIEW, Division, FiscalYear
from reports.conventions import DEFAULT_DOCUMENT_NAME, DEFAULT_MARKER_SET, Markers, marker_forms


class ReportQuerySet(models.QuerySet):
    def published(self):
        """Reports the public can read: those with a published edition."""
        return self.filter(editions__is_current=True)


class Report(models.Model):
    editor_access = EDIT
    division_path = "division"

    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        REVIEW = "review", "確認依頼"
        PUBLISHED = "published", "公開"

    fiscal_year = models.ForeignKey(
        FiscalYear, models.PROTECT, related_name="reports", verbose_name="年度"
    )
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="reports", verbose_name="課"
    )
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最終編集者",
    )
    last_edited_at = models.DateTimeField("最終編集日時", null=True, blank=True)
    # Document conventions: today's are the defaults; a past report keeps its own.
    document_name = models.CharField(
        "文書の名称",
        max_length=40,
        default=DEFAULT_DOCUMENT_NAME,
        help_text="表紙・見出し・PDFの表題に出る名前。昔の年度は「事務事業執行概要」などです。",
    )
    office = models.CharField(
        "室",
        max_length=100,
        blank=True,
        help_text="部と課の間に室がある文書では、その名前（例：ＩＣＴ推進室）。見出しで課の上に出ます。",
    )
    unit_below_group = models.CharField(
        "グループの下の単位",
        max_length=20,
        blank=True,
        help_text=(
            "グループの下に「担当」などの単位がある文書では、その呼び名。各グループのいちばん上の"
            "項目を記号のない担当名の見出しとして表示し、番号はその下から数えます。"
        ),
    )
    marker_set = models.CharField(
        "見出し記号",
        max_length=60,
        default=DEFAULT_MARKER_SET,
        help_text=(
            "階層ごとの見出しの最初の記号を、上の階層から空白で区切って書きます。"
            "使える記号：１ 1 (1) （１） 〇 ○ ● ① ・ ア (ア) （ア）"
        ),
    )
    original_published_on = models.DateField(
        "元の発行日",
        null=True,
        blank=True,
        help_text="取り込んだ過去の報告書が発行された日。第1版の日付として、登録した日の代わりに表示します。",
    )

    objects = ReportQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-fiscal_year__year", "division__department__order", "division__order"]
        verbose_name = verbose_name_plural = "事務事業実績"
        permissions = [
            ("submit_report", "確認依頼を出す"),
            ("publish_report", "公開する（承認）"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "fiscal_year"],
                name="report_one_per_division_and_year",
                violation_error_message="この課のこの年度の事務事業実績はすでにあります。",
            )
        ]

    def __str__(self):
        return f"{self.fiscal_year.label} {self.division.name}"

    def get_absolute_url(self):
        return reverse("reports:report", args=[self.fiscal_year.year, self.division.slug])

    def get_pdf_url(self):
        return reverse("reports:report_pdf", args=[self.fiscal_year.year, self.division.slug])

    def affected_reports(self):
        return Report.objects.filter(pk=self.pk)

    def clean(self):
        super().clean()
        try:
            marker_forms(self.marker_set)
        except ValidationError as error:
            raise ValidationError({"marker_set": error.messages}) from None

    @property
    def is_published(self) -> bool:
        """Whether the public can read an edition of this report."""
        return self.editions.filter(is_current=True).exists()

    @property
    def title(self) -> str:
        return f"{self.fiscal_year.label} {self.division.name} {self.document_name}"

    @property
    def markers(self) -> Markers:
        try:
            return Markers.of(self.marker_set)
        except ValidationError:  # saved without the form's check: print today's markers
            return Markers.of(DEFAULT_MARKER_SET)


class Section(models.Model):
    editor_access = EDIT
    division_path = "report__division"

    report = models.ForeignKey(
        Report, models.CASCADE, related_name="sections", verbose_name="事務事業実績"
    )
    name = models.CharField("グループ名", max_length=100)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "グループ"

    def __str__(self):
        return self.name

    def affected_reports(self):
        return Report.objects.filter(pk=self.report_id)


class ReportTransition(models.Model):
    editor_access = VIEW
    division_path = "report__division"

    class Action(models.TextChoices):
        SUBMIT = "submit", "確認依頼"
        PUBLISH = "publish", "公開"
        SEND_BACK = "send_back", "差し戻し"
        REOPEN = "reopen", "公開後の編集"

    report = models.ForeignKey(
        Report, models.CASCADE, related_name="transitions", verbose_name="事務事業実績"
    )
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    from_status = models.CharField("変更前", max_length=20, choices=Report.Status.choices)
    to_status = models.CharField("変更後", max_length=20, choices=Report.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="操作した人",
    )
    at = models.DateTimeField("日時", auto_now_add=True)
    comment = models.TextField("コメント", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "状態の変更履歴"

    def __str__(self):
        return f"{self.report} {self.get_action_display()}"


class InitiativeContent:
    """Mixin of the rows an initiative holds (facts, tables, contracts…): they belong to the
    initiative's division and show in its report."""

    editor_access = EDIT
    division_path = "initiative__section__report__division"

    def affected_reports(self):
        return Report.objects.filter(sections__initiatives=self.initiative_id)
