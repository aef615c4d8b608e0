import nested_admin
from django.contrib import admin

from budgets.admin import AwardTableInline, ContractInline, SettlementTableInline
from programs.models import Event, Fact, Figure, Initiative, Note

# Deep enough for the seed (１ → (1) → 〇 → ① → ・) and one level more.
MAX_DEPTH = 6


class FactInline(nested_admin.NestedTabularInline):
    model = Fact
    extra = 0
    sortable_field_name = "order"


class FigureInline(nested_admin.NestedTabularInline):
    model = Figure
    extra = 0
    sortable_field_name = "order"


class EventInline(nested_admin.NestedStackedInline):
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


class NoteInline(nested_admin.NestedTabularInline):
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


def _initiative_inline(depth: int) -> type[nested_admin.NestedStackedInline]:
    """The inline for initiatives at ``depth``; each level holds the next one."""
    children = [_initiative_inline(depth + 1)] if depth + 1 < MAX_DEPTH else []
    attrs = {
        "model": Initiative,
        "extra": 0,
        "sortable_field_name": "order",
        "fields": [("marker_style", "is_new"), "title", "body", "order"],
        "inlines": [*CONTENT_INLINES, *children],
        "classes": ["initiative-level", f"initiative-level-{depth}"],
        "verbose_name": "取組" if depth == 0 else f"下位の取組（第{depth + 1}階層）",
        "verbose_name_plural": "取組" if depth == 0 else f"下位の取組（第{depth + 1}階層）",
    }
    if depth == 0:
        attrs["fk_name"] = "section"
        attrs["get_queryset"] = lambda self, request: Initiative.objects.filter(parent__isnull=True)
    else:
        attrs["fk_name"] = "parent"
    return type(f"InitiativeInlineLevel{depth}", (nested_admin.NestedStackedInline,), attrs)


TopInitiativeInline = _initiative_inline(0)


@admin.register(Initiative)
class InitiativeAdmin(nested_admin.NestedModelAdmin):
    list_display = ["__str__", "section", "report"]
    list_select_related = ["section__report__fiscal_year", "section__report__division"]
    list_filter = ["section__report__fiscal_year", "section__report__division"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["parent"]
    raw_id_fields = ["section"]
    inlines = CONTENT_INLINES

    @admin.display(description="事務事業実績")
    def report(self, obj):
        return obj.section.report
