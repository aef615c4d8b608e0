"""The organisation: fiscal years, departments (部), divisions (課) and who works for which."""

from datetime import date

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from organisation.notation import fiscal_year_label

# What the staff of a division may do with a model: its ``editor_access`` (none when absent).
# A model that belongs to a division also says how it reaches it: ``division_path``.
VIEW = ("view",)
EDIT = ("view", "add", "change", "delete")
IMPORT = ("import",)


class Unit(models.TextChoices):
    """The unit an amount is stated in."""

    YEN = "yen", "円"
    THOUSAND_YEN = "thousand", "千円"


class FiscalYear(models.Model):
    shown_to_public = True
    editor_access = VIEW

    year = models.PositiveSmallIntegerField(
        "年度（西暦）", unique=True, help_text="年度の始まる年を西暦で。令和２年度なら 2020。"
    )

    history = HistoricalRecords(table_name="reports_historicalfiscalyear")

    class Meta:
        db_table = "reports_fiscalyear"
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
    shown_to_public = True
    editor_access = VIEW

    name = models.CharField("部局名", max_length=100, unique=True)
    slug = models.SlugField("URL名", max_length=60, unique=True)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords(table_name="reports_historicaldepartment")

    class Meta:
        db_table = "reports_department"
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = "部局"

    def __str__(self):
        return self.name


class Division(models.Model):
    shown_to_public = True
    editor_access = VIEW
    division_path = ""

    department = models.ForeignKey(
        Department, models.PROTECT, related_name="divisions", verbose_name="部局"
    )
    name = models.CharField("課名", max_length=100)
    slug = models.SlugField("URL名", max_length=60, unique=True)
    order = models.PositiveIntegerField("表示順", default=0)

    history = HistoricalRecords(table_name="reports_historicaldivision")

    class Meta:
        db_table = "reports_division"
        ordering = ["department__order", "order", "id"]
        verbose_name = verbose_name_plural = "課"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="division_name_unique_in_department"
            )
        ]

    def __str__(self):
        return self.name


class DivisionRole(models.Model):
    class Role(models.TextChoices):
        EDITOR = "editor", "編集者"
        APPROVER = "approver", "承認者"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="division_roles",
        verbose_name="ユーザー",
    )
    division = models.ForeignKey(Division, models.CASCADE, related_name="roles", verbose_name="課")
    role = models.CharField("役割", max_length=10, choices=Role.choices)

    class Meta:
        db_table = "reports_divisionrole"
        ordering = ["division", "role", "user"]
        verbose_name = verbose_name_plural = "担当（課と役割）"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "division", "role"], name="division_role_unique"
            )
        ]

    def __str__(self):
        return f"{self.division} {self.get_role_display()} {self.user}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.user.__dict__.pop("_division_roles", None)
        self.user.groups.add(role_group(self.role))
        if not self.user.is_staff:
            self.user.is_staff = True
            self.user.save(update_fields=["is_staff"])


ROLE_GROUPS = {DivisionRole.Role.EDITOR: "編集者", DivisionRole.Role.APPROVER: "承認者"}


def role_group(role: str) -> Group:
    """The auth group of a role, with the permissions its models grant (``editor_access``)."""
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    wanted = Q(codename="submit_report")
    if role == DivisionRole.Role.APPROVER:
        wanted |= Q(codename="publish_report")
    for model in apps.get_models():
        actions = getattr(model, "editor_access", ())
        if actions:
            wanted |= Q(
                content_type__app_label=model._meta.app_label,
                codename__in=[f"{action}_{model._meta.model_name}" for action in actions],
            )
    group.permissions.set(Permission.objects.filter(wanted))
    return group
