from datetime import date

from django.db import models
from django.urls import reverse

from reports.notation import fiscal_year_label


class FiscalYear(models.Model):
    year = models.PositiveSmallIntegerField(
        "年度（西暦）", unique=True, help_text="年度の始まる年を西暦で。令和２年度なら 2020。"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "年度"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=1868, year__lte=2200), name="fiscal_year_in_range"
            )
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("reports:year", args=[self.year])

    @property
    def label(self) -> str:
        return fiscal_year_label(self.year)

    @property
    def starts_on(self) -> date:
        return date(self.year, 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.year + 1, 3, 31)


class Department(models.Model):
    name = models.CharField("部局名", max_length=100, unique=True)
    slug = models.SlugField("URL名", max_length=60, unique=True)
    order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "部局"

    def __str__(self):
        return self.name


class Division(models.Model):
    department = models.ForeignKey(
        Department, models.PROTECT, related_name="divisions", verbose_name="部局"
    )
    name = models.CharField("課名", max_length=100)
    slug = models.SlugField("URL名", max_length=60, unique=True)
    order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        ordering = ["department__order", "order", "id"]
        verbose_name = verbose_name_plural = "課"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="division_name_unique_in_department"
            )
        ]

    def __str__(self):
        return self.name


class ReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Report.Status.PUBLISHED)


class Report(models.Model):
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

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year__year", "division__department__order", "division__order"]
        verbose_name = verbose_name_plural = "事務事業実績"
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

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def title(self) -> str:
        return f"{self.fiscal_year.label} {self.division.name} 事務事業実績"


class Section(models.Model):
    report = models.ForeignKey(
        Report, models.CASCADE, related_name="sections", verbose_name="事務事業実績"
    )
    name = models.CharField("グループ名", max_length=100)
    order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "グループ"

    def __str__(self):
        return self.name
