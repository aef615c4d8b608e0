import nested_admin
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from budgets.admin import AwardTableInline, ContractInline, SettlementTableInline
from organisation.permissions import DivisionScopedAdmin, ParentScopedInline, StaleFormGuard
from programs.models import Event, Fact, Figure, Initiative, Note
from programs.resources import EventResource, FigureResource
from reports.editing import TouchesReports
from spreadsheets.admin import SpreadsheetAdminMixin


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
    raw_id_fields = ["section"]
    inlines = CONTENT_INLINES

    @admin.display(description="事務事業実績")
    def report(self, obj):
        return obj.section.report

    def response_change(self, request, obj):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_change(request, obj)
        return self._back_to_editor(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return self._back_to_editor(request, obj)

    def _back_to_editor(self, request, obj):
        """Back to where the user came from (``?next=``, an admin URL of this site only), or to
        the initiative in its report's editor."""
        messages.success(request, f"取組「{obj}」を保存しました。")
        target = request.GET.get("next", "")
        if not (
            target.startswith(reverse("admin:index"))
            and url_has_allowed_host_and_scheme(target, {request.get_host()})
        ):
            target = reverse("admin:reports_report_editor", args=[obj.section.report_id])
        return HttpResponseRedirect(f"{target.split('#')[0]}#i{obj.pk}")


# Events and figures are edited inline on the report's page; these pages exist for their
# spreadsheet import and export (programs has no admin page of its own for them).
@admin.register(Event)
class EventAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [EventResource]
    list_display = ["__str__", "starts_on", "venue", "initiative"]
    list_filter = ["initiative__section__report__fiscal_year"]
    list_select_related = ["initiative"]
    search_fields = ["title", "venue", "initiative__title"]
    autocomplete_fields = ["initiative"]


@admin.register(Figure)
class FigureAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [FigureResource]
    list_display = ["__str__", "initiative"]
    list_filter = ["initiative__section__report__fiscal_year"]
    list_select_related = ["initiative"]
    search_fields = ["label", "initiative__title"]
    autocomplete_fields = ["initiative"]
