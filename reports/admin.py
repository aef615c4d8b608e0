import nested_admin
from django.contrib import admin

from programs.admin import TopInitiativeInline
from reports.models import Department, Division, FiscalYear, Report, Section


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ["label", "year"]
    search_fields = ["year"]


class DivisionInline(admin.TabularInline):
    model = Division
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name"]
    inlines = [DivisionInline]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "slug"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["name", "slug"]


class SectionInline(nested_admin.NestedStackedInline):
    model = Section
    extra = 0
    sortable_field_name = "order"
    fields = ["name", "order"]
    inlines = [TopInitiativeInline]


@admin.register(Report)
class ReportAdmin(nested_admin.NestedModelAdmin):
    list_display = ["__str__", "fiscal_year", "division", "status", "updated_at"]
    list_filter = ["status", "fiscal_year", "division__department"]
    list_select_related = ["fiscal_year", "division"]
    search_fields = ["division__name"]
    autocomplete_fields = ["division"]
    fieldsets = [(None, {"fields": ["fiscal_year", "division", "status"]})]
    inlines = [SectionInline]
    save_on_top = True
