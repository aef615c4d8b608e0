import nested_admin
from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from budgets.admin import AwardTableInline, ContractInline, SettlementTableInline
from budgets.models import AwardTable, Contract, SettlementTable
from programs.models import Event, Fact, Figure, Initiative, Note
from reports.history_admin import SimpleHistoryAdmin
from reports.permissions import (
    DivisionScopedAdmin,
    ParentScopedInline,
    StaleFormGuard,
    TouchesReports,
)

# Deep enough for the seed: １ → (1) → 〇 → ① → ・
MAX_DEPTH = 5


class FactInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedTabularInline):
    model = Fact
    extra = 0
    sortable_field_name = "order"


class FigureInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedTabularInline):
    model = Figure
    extra = 0
    sortable_field_name = "order"


class EventInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedStackedInline):
    model = Event
    extra = 0
    sortable_field_name = "order"
    fields = [
        "title",
        ("starts_on", "ends_on"),
        "venue",
        ("organisations", "participants"),
        "cohosts",
        "description",
        "order",
    ]


class NoteInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedTabularInline):
    model = Note
    extra = 0
    sortable_field_name = "order"


CONTENT_INLINES = [
    FactInline,
    FigureInline,
    EventInline,
    SettlementTableInline,
    ContractInline,
    AwardTableInline,
    NoteInline,
]


ATTACHMENTS = [
    ("facts", Fact, "項目"),
    ("figures", Figure, "実績値"),
    ("events", Event, "開催実績"),
    ("settlement_tables", SettlementTable, "決算額の表"),
    ("contracts", Contract, "契約"),
    ("award_tables", AwardTable, "採択事業の表"),
    ("notes", Note, "注記"),
]


def with_attachment_counts(queryset):
    """One query for all rows: how many facts, figures, tables… each initiative has."""
    counts = {}
    for name, model, _ in ATTACHMENTS:
        rows = model.objects.filter(initiative=OuterRef("pk")).order_by().values("initiative")
        counts[f"n_{name}"] = Subquery(rows.annotate(n=Count("pk")).values("n")[:1])
    return queryset.annotate(**counts)


class InitiativeInlineBase(
    ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedStackedInline
):
    """An initiative in the report's tree. Its tables, events and other attachments are edited
    on the initiative's own page, which keeps the report page light enough to open quickly."""

    model = Initiative
    extra = 0
    sortable_field_name = "order"
    fields = [("marker_style", "is_new"), "title", "body", "attachments", "order"]
    readonly_fields = ["attachments"]

    @admin.display(description="表・開催実績など")
    def attachments(self, obj):
        if obj is None or obj.pk is None:
            return "保存すると、表や開催実績などを追加できます。"
        parts = [
            f"{label} {getattr(obj, f'n_{name}', 0) or 0}件"
            for name, _, label in ATTACHMENTS
            if getattr(obj, f"n_{name}", 0)
        ]
        return format_html(
            '{}　<a href="{}">この取組の表・開催実績などを編集</a>',
            "、".join(parts) or "なし",
            reverse("admin:programs_initiative_change", args=[obj.pk]),
        )


def _initiative_inline(depth: int) -> type[InitiativeInlineBase]:
    """The inline for initiatives at ``depth``; each level holds the next one."""
    children = [_initiative_inline(depth + 1)] if depth + 1 < MAX_DEPTH else []
    name = "取組" if depth == 0 else f"下位の取組（第{depth + 1}階層）"
    attrs = {
        "inlines": children,
        "classes": ["initiative-level", f"initiative-level-{depth}"],
        "verbose_name": name,
        "verbose_name_plural": name,
        "fk_name": "section" if depth == 0 else "parent",
    }

    def get_queryset(self, request):
        queryset = with_attachment_counts(super(inline, self).get_queryset(request))
        return queryset.filter(parent__isnull=True) if depth == 0 else queryset

    attrs["get_queryset"] = get_queryset
    inline = type(f"InitiativeInlineLevel{depth}", (InitiativeInlineBase,), attrs)
    return inline


TopInitiativeInline = _initiative_inline(0)


@admin.register(Initiative)
class InitiativeAdmin(
    TouchesReports,
    StaleFormGuard,
    DivisionScopedAdmin,
    SimpleHistoryAdmin,
    nested_admin.NestedModelAdmin,
):
    list_display = ["__str__", "section", "report"]
    list_select_related = ["section__report__fiscal_year", "section__report__division"]
    list_filter = ["section__report__fiscal_year", "section__report__division"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["parent"]
    inlines = CONTENT_INLINES

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "section" and field is not None:
            # A scoped choice named by its report: group names repeat every year.
            field.queryset = field.queryset.select_related(
                "report__fiscal_year", "report__division"
            )
            field.label_from_instance = lambda section: f"{section.report} {section.name}"
        return field

    @admin.display(description="事務事業実績")
    def report(self, obj):
        return obj.section.report
