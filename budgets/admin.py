import nested_admin
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import (
    AwardTable,
    Contract,
    ExpenditureItem,
    FormerVendorName,
    Municipality,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
)
from budgets.resources import (
    ContractResource,
    ExpenditureItemResource,
    MunicipalityResource,
    SettlementAmountResource,
    SubsidyAwardResource,
    VendorResource,
)
from organisation.notation import comma
from organisation.permissions import DivisionScopedAdmin, ParentScopedInline, StaleFormGuard
from reports.editing import TouchesReports
from spreadsheets.admin import SpreadsheetAdminMixin


class SettlementTableInline(
    ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedTabularInline
):
    model = SettlementTable
    extra = 0
    autocomplete_fields = ["item"]
    sortable_field_name = "order"
    fields = ["item", "kind", "unit", "years", "order"]


class ContractInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedStackedInline):
    model = Contract
    extra = 0
    autocomplete_fields = ["vendor"]
    sortable_field_name = "order"
    fields = [
        "title",
        "vendor",
        ("starts_on", "ends_on"),
        ("amount", "tax_included"),
        "notes",
        "order",
    ]


class AwardTableInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedTabularInline):
    model = AwardTable
    extra = 0
    autocomplete_fields = ["programme"]
    sortable_field_name = "order"
    fields = ["programme", "fiscal_year", "unit", "order"]


@admin.register(Municipality)
class MunicipalityAdmin(SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, SimpleHistoryAdmin):
    resource_classes = [MunicipalityResource]
    list_display = ["code", "name", "kana", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "kana", "code"]


class FormerVendorNameInline(ParentScopedInline, admin.TabularInline):
    model = FormerVendorName
    extra = 0


@admin.register(Vendor)
class VendorAdmin(SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, SimpleHistoryAdmin):
    resource_classes = [VendorResource]
    list_display = ["name", "former_name_list"]
    search_fields = ["name", "former_names__name"]
    inlines = [FormerVendorNameInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("former_names")

    @admin.display(description="旧名称")
    def former_name_list(self, obj):
        return "、".join(f.name for f in obj.former_names.all())


class SettlementAmountInline(ParentScopedInline, DivisionScopedAdmin, admin.TabularInline):
    model = SettlementAmount
    extra = 0
    fields = ["fiscal_year", "kind", "amount", "unit", "period_label"]


@admin.register(ExpenditureItem)
class ExpenditureItemAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [ExpenditureItemResource]
    list_display = ["name", "qualifier", "code", "division"]
    list_filter = ["division__department", "division"]
    list_select_related = ["division"]
    search_fields = ["name", "qualifier", "code"]
    inlines = [SettlementAmountInline]


@admin.register(SettlementAmount)
class SettlementAmountAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [SettlementAmountResource]
    list_display = ["item", "fiscal_year", "kind", "amount_shown", "period_label"]
    list_filter = ["fiscal_year", "kind", "item__division"]
    list_select_related = ["item", "fiscal_year"]
    search_fields = ["item__name", "item__qualifier", "item__code"]
    autocomplete_fields = ["item"]
    list_per_page = 50

    @admin.display(description="金額", ordering="amount")
    def amount_shown(self, obj):
        return obj.display


@admin.register(Contract)
class ContractAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [ContractResource]
    list_display = ["title", "vendor", "period", "amount_display"]
    list_select_related = ["vendor"]
    search_fields = ["title", "vendor__name", "vendor__former_names__name"]
    autocomplete_fields = ["vendor", "initiative"]
    list_per_page = 50

    @admin.display(description="契約期間")
    def period(self, obj):
        return obj.period

    @admin.display(description="契約金額", ordering="amount")
    def amount_display(self, obj):
        return obj.amount_display


@admin.register(SubsidyProgramme)
class SubsidyProgrammeAdmin(
    TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    list_display = ["name", "division", "rate", "cap_yen"]
    list_select_related = ["division"]
    search_fields = ["name"]

    @admin.display(description="補助率")
    def rate(self, obj):
        return f"{obj.rate_numerator}/{obj.rate_denominator}"

    @admin.display(description="上限額")
    def cap_yen(self, obj):
        return f"{comma(obj.cap)}円"


class SubsidyAwardForm(forms.ModelForm):
    class Meta:
        model = SubsidyAward
        fields = [
            "programme",
            "fiscal_year",
            "municipalities",
            "title",
            "subsidy",
            "total_cost",
            "order",
        ]

    def clean(self):
        cleaned = super().clean()
        municipalities = cleaned.get("municipalities")
        if (
            municipalities is not None
            and cleaned.get("programme")
            and cleaned.get("subsidy") is not None
            and cleaned.get("total_cost") is not None
        ):
            candidate = SubsidyAward(
                programme=cleaned["programme"],
                subsidy=cleaned["subsidy"],
                total_cost=cleaned["total_cost"],
            )
            try:
                candidate.check_programme_limits(len(municipalities))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(SubsidyAward)
class SubsidyAwardAdmin(
    SpreadsheetAdminMixin, TouchesReports, StaleFormGuard, DivisionScopedAdmin, SimpleHistoryAdmin
):
    resource_classes = [SubsidyAwardResource]
    form = SubsidyAwardForm
    list_display = ["title", "municipality_names", "fiscal_year", "subsidy_yen", "total_yen"]
    list_filter = ["fiscal_year", "programme"]
    list_select_related = ["fiscal_year", "programme"]
    search_fields = ["title", "municipalities__name", "municipalities__kana"]
    autocomplete_fields = ["programme", "municipalities"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("municipalities")

    @admin.display(description="市町村")
    def municipality_names(self, obj):
        return "・".join(m.name for m in obj.municipalities.all())

    @admin.display(description="補助額", ordering="subsidy")
    def subsidy_yen(self, obj):
        return f"{comma(obj.subsidy)}円"

    @admin.display(description="総事業費", ordering="total_cost")
    def total_yen(self, obj):
        return f"{comma(obj.total_cost)}円"
