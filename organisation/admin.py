from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from organisation.models import Department, Division, DivisionRole, FiscalYear
from organisation.permissions import DivisionScopedAdmin, ParentScopedInline


@admin.register(FiscalYear)
class FiscalYearAdmin(SimpleHistoryAdmin):
    list_display = ["label", "year"]
    search_fields = ["year"]


class DivisionInline(ParentScopedInline, admin.TabularInline):
    model = Division
    extra = 0


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name"]
    inlines = [DivisionInline]


class DivisionRoleInline(ParentScopedInline, admin.TabularInline):
    model = DivisionRole
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Division)
class DivisionAdmin(DivisionScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "department", "slug"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["name", "slug"]
    inlines = [DivisionRoleInline]


@admin.register(DivisionRole)
class DivisionRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "division", "role"]
    list_filter = ["role", "division"]
    list_select_related = ["user", "division"]
    autocomplete_fields = ["user", "division"]
    search_fields = ["user__username", "user__last_name", "division__name"]
