"""Editions: what was published, frozen (HTML, data, PDF), the rows public pages read, and
compiled volumes."""

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.urls import reverse

from organisation.models import VIEW, Department, FiscalYear
from reports.models import Report

# The order of the site: departments in their order, then their divisions in theirs.
SITE_ORDER = (
    "report__division__department__order",
    "report__division__department_id",
    "report__division__order",
    "report__division_id",
)


class EditionQuerySet(models.QuerySet):
    def current(self):
        """The editions the public sees: the latest one of each published report."""
        return self.filter(is_current=True)

    def of_report(self, year: int, slug: str):
        return self.filter(report__fiscal_year__year=year, report__division__slug=slug)

    def in_site_order(self):
        return self.order_by(*SITE_ORDER)


class PublishedRowQuerySet(models.QuerySet):
    """Rows frozen with an edition (amounts, contracts, awards, events, search passages)."""

    def current(self):
        """The rows of the editions the public sees."""
        return self.filter(edition__is_current=True)


def published_years():
    """Fiscal years with a report the public can read, newest first, with how many."""
    current = models.Q(reports__editions__is_current=True)
    return (
        FiscalYear.objects.annotate(report_count=models.Count("reports", filter=current))
        .filter(report_count__gt=0)
        .order_by("-year")
    )


# Sent when what the public sees changed outside a model save (an edition's PDF or a compiled
# volume finished): the public site's page cache listens.
public_content_changed = Signal()


class Edition(models.Model):
    shown_to_public = True
    editor_access = VIEW
    division_path = "report__division"

    class PdfStatus(models.TextChoices):
        PENDING = "pending", "待機中"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    report = models.ForeignKey(
        Report, models.PROTECT, related_name="editions", verbose_name="事務事業実績"
    )
    number = models.PositiveIntegerField("版")
    is_current = models.BooleanField("公開中の版", default=True)
    published_at = models.DateTimeField("公開日時")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認者",
    )
    change_note = models.TextField("改訂内容", blank=True)
    html = models.TextField("本文HTML")
    data = models.JSONField("データ")
    pdf = models.FileField("PDF", upload_to="editions/", blank=True)
    pdf_size = models.PositiveIntegerField("PDFのバイト数", null=True, blank=True)
    pdf_status = models.CharField(
        "PDFの状態", max_length=10, choices=PdfStatus.choices, default=PdfStatus.PENDING
    )
    pdf_error = models.TextField("PDF作成の失敗理由", blank=True)
    pdf_seconds = models.FloatField("PDF作成にかかった秒数", null=True, blank=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        db_table = "reports_edition"
        ordering = ["report", "-number"]
        verbose_name = verbose_name_plural = "版"
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="edition_number_unique"),
            models.UniqueConstraint(
                fields=["report"],
                condition=models.Q(is_current=True),
                name="edition_one_current_per_report",
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(change_note=""),
                name="edition_change_note_from_second",
                violation_error_message="第2版からは改訂内容の記入が必要です。",
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.label}"

    @property
    def label(self) -> str:
        return f"第{self.number}版"

    @property
    def pdf_ready(self) -> bool:
        return self.pdf_status == self.PdfStatus.DONE and bool(self.pdf)


class PublishedAmount(models.Model):
    """A settlement amount as an edition published it; public pages and data read these."""

    edition = models.ForeignKey(Edition, models.CASCADE, related_name="amounts")
    item_code = models.CharField(max_length=60, db_index=True)
    item_name = models.CharField(max_length=200)
    item_qualifier = models.CharField(max_length=60, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(db_index=True)
    kind = models.CharField(max_length=12)
    amount = models.BigIntegerField()
    unit = models.CharField(max_length=10, default="yen", help_text="yen（円）か thousand（千円）")
    period_label = models.CharField(max_length=30, blank=True)
    anchor = models.CharField(max_length=20)

    objects = PublishedRowQuerySet.as_manager()

    class Meta:
        db_table = "reports_publishedamount"
        ordering = ["item_code", "fiscal_year", "kind"]
        verbose_name = verbose_name_plural = "公開済みの決算額"

    def __str__(self):
        return f"{self.item_name} {self.fiscal_year} {self.amount}"


class PublishedContract(models.Model):
    edition = models.ForeignKey(Edition, models.CASCADE, related_name="contracts")
    vendor = models.ForeignKey(
        "budgets.Vendor", models.SET_NULL, null=True, related_name="published_contracts"
    )
    title = models.CharField(max_length=300)
    vendor_name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    amount = models.BigIntegerField()
    tax_included = models.BooleanField(default=False)
    anchor = models.CharField(max_length=20)

    objects = PublishedRowQuerySet.as_manager()

    class Meta:
        db_table = "reports_publishedcontract"
        ordering = ["starts_on", "id"]
        verbose_name = verbose_name_plural = "公開済みの契約"

    def __str__(self):
        return self.title


class PublishedAward(models.Model):
    edition = models.ForeignKey(Edition, models.CASCADE, related_name="awards")
    programme = models.ForeignKey(
        "budgets.SubsidyProgramme", models.SET_NULL, null=True, related_name="+"
    )
    programme_name = models.CharField(max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(db_index=True)
    municipalities = models.ManyToManyField("budgets.Municipality", related_name="+")
    title = models.CharField(max_length=300)
    subsidy = models.BigIntegerField()
    total_cost = models.BigIntegerField()
    order = models.PositiveIntegerField(default=0)
    anchor = models.CharField(max_length=20)

    objects = PublishedRowQuerySet.as_manager()

    class Meta:
        db_table = "reports_publishedaward"
        ordering = ["fiscal_year", "order", "id"]
        verbose_name = verbose_name_plural = "公開済みの補助金採択事業"

    def __str__(self):
        return self.title


class PublishedEvent(models.Model):
    edition = models.ForeignKey(Edition, models.CASCADE, related_name="events")
    heading = models.CharField(max_length=300)
    title = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    organisations = models.PositiveIntegerField(null=True, blank=True)
    participants = models.PositiveIntegerField(null=True, blank=True)
    cohosts = models.CharField(max_length=200, blank=True)
    anchor = models.CharField(max_length=20)

    objects = PublishedRowQuerySet.as_manager()

    class Meta:
        db_table = "reports_publishedevent"
        ordering = ["starts_on", "id"]
        verbose_name = verbose_name_plural = "公開済みの開催実績"

    def __str__(self):
        return self.title or self.heading


class SearchEntry(models.Model):
    """One searchable passage (a heading and its text) of a published edition."""

    edition = models.ForeignKey(Edition, models.CASCADE, related_name="search_entries")
    anchor = models.CharField(max_length=20)
    heading = models.CharField(max_length=300)
    text = models.TextField()
    normalized = models.TextField(help_text="NFKC で正規化し小文字にした見出しと本文")
    order = models.PositiveIntegerField(default=0)

    objects = PublishedRowQuerySet.as_manager()

    class Meta:
        db_table = "reports_searchentry"
        ordering = ["edition", "order"]
        verbose_name = verbose_name_plural = "検索用の文"

    def __str__(self):
        return self.heading


class VolumeQuerySet(models.QuerySet):
    def ready(self):
        """Volumes whose PDF the public can download."""
        return self.filter(status=Volume.Status.DONE).exclude(pdf="")


class Volume(models.Model):
    shown_to_public = True

    """A compiled volume (合冊): the current editions of a fiscal year, or of one department in
    it, in one PDF. Rendered in chunks by background tasks (reports/volume.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待機中"
        RUNNING = "running", "作成中"
        ASSEMBLING = "assembling", "結合中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    fiscal_year = models.ForeignKey(
        FiscalYear, models.PROTECT, related_name="volumes", verbose_name="年度"
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volumes",
        verbose_name="部局",
        help_text="空欄なら、その年度のすべての部局をまとめます。",
    )
    status = models.CharField("状態", max_length=12, choices=Status.choices, default=Status.PENDING)
    chunk_size = models.PositiveSmallIntegerField(
        "1回に組む課の数",
        default=10,
        help_text="この数の課ごとに分けて作成します。小さいほど使うメモリが少なくなります。",
    )
    divisions = models.PositiveIntegerField("課の数", default=0)
    pages = models.PositiveIntegerField("ページ数", null=True, blank=True)
    pdf = models.FileField("PDF", upload_to="volumes/", blank=True)
    pdf_size = models.PositiveIntegerField("PDFのバイト数", null=True, blank=True)
    error = models.TextField("失敗理由", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="依頼した人",
    )
    requested_at = models.DateTimeField("依頼日時", auto_now_add=True)
    finished_at = models.DateTimeField("完成日時", null=True, blank=True)
    seconds = models.FloatField("作成にかかった秒数", null=True, blank=True)
    peak_mb = models.FloatField(
        "最大メモリ（MB）",
        null=True,
        blank=True,
        help_text="分割の作成と結合で、一つのプロセスが使ったメモリの最大値。",
    )

    objects = VolumeQuerySet.as_manager()

    class Meta:
        db_table = "reports_volume"
        ordering = ["-requested_at", "-id"]
        verbose_name = verbose_name_plural = "合冊"
        indexes = [
            models.Index(
                fields=["fiscal_year", "department", "status", "-finished_at"],
                name="volume_year_status_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chunk_size__gte=1, chunk_size__lte=100),
                name="volume_chunk_size_range",
                violation_error_message="1回に組む課の数は1から100までです。",
            )
        ]

    def __str__(self):
        return f"{self.fiscal_year.label} {self.scope_label} 合冊"

    def get_absolute_url(self):
        if self.department_id:
            return reverse(
                "volume_department_pdf", args=[self.fiscal_year.year, self.department.slug]
            )
        return reverse("volume_pdf", args=[self.fiscal_year.year])

    @property
    def scope_label(self) -> str:
        return self.department.name if self.department_id else "全部局"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.pdf)


class VolumeChunk(models.Model):
    """A run of consecutive divisions of a volume, rendered by one background task."""

    class Status(models.TextChoices):
        PENDING = "pending", "待機中"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    volume = models.ForeignKey(Volume, models.CASCADE, related_name="chunks", verbose_name="合冊")
    number = models.PositiveIntegerField("番号")
    editions = models.JSONField("版のID（掲載順）")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PENDING)
    pages = models.PositiveIntegerField("ページ数", null=True, blank=True)
    outline = models.JSONField(
        "しおり", default=list, blank=True, help_text="[見出し, ページ, [子…]] の一覧"
    )
    starts = models.JSONField("各課の開始ページ", default=dict, blank=True)
    pdf = models.FileField("PDF", upload_to="volumes/chunks/", blank=True)
    error = models.TextField("失敗理由", blank=True)
    attempts = models.PositiveSmallIntegerField("実行回数", default=0)
    worker = models.CharField("実行したワーカー", max_length=100, blank=True)
    seconds = models.FloatField("秒数", null=True, blank=True)
    peak_mb = models.FloatField("最大メモリ（MB）", null=True, blank=True)

    class Meta:
        db_table = "reports_volumechunk"
        ordering = ["volume", "number"]
        verbose_name = verbose_name_plural = "合冊の分割"
        constraints = [
            models.UniqueConstraint(fields=["volume", "number"], name="volume_chunk_number_unique")
        ]

    def __str__(self):
        return f"{self.volume} 分割{self.number}"
