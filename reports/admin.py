import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from budgets.roundtrip import ExcelRoundTripMixin
from programs.admin import TopInitiativeInline
from reports import workflow
from reports.copying import copy_forward
from reports.history_admin import SimpleHistoryAdmin
from reports.models import (
    Department,
    Division,
    DivisionRole,
    Edition,
    FiscalYear,
    Report,
    ReportTransition,
    Section,
    Volume,
    VolumeChunk,
)
from reports.pdf import PdfError, pdf_for
from reports.permissions import (
    DivisionScopedAdmin,
    ParentScopedInline,
    StaleFormGuard,
    can_approve,
    can_edit,
    scope,
    touch_report,
)
from reports.tasks import retry_pdf
from reports.views import pdf_response
from reports.volume import (
    VolumeError,
    can_retry,
    no_editions_message,
    plan_volume,
    retry_volume,
    start_volume,
    volume_editions,
)


@admin.register(FiscalYear)
class FiscalYearAdmin(SimpleHistoryAdmin):
    list_display = ["label", "year"]
    search_fields = ["year"]
    actions = ["start_volume_action"]

    @admin.action(description="合冊PDF（全部局）を作る", permissions=["add_volume"])
    def start_volume_action(self, request, queryset):
        for fiscal_year in queryset:
            try:
                volume = start_volume(fiscal_year, user=request.user)
            except VolumeError as error:
                messages.warning(request, str(error))
            else:
                messages.success(
                    request,
                    f"{volume}の作成を始めました（{volume.chunks.count()}分割）。"
                    "進み具合は「合冊」の一覧で見られます。",
                )

    def has_add_volume_permission(self, request):
        return request.user.has_perm("reports.add_volume")


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


class SectionInline(ParentScopedInline, DivisionScopedAdmin, nested_admin.NestedStackedInline):
    model = Section
    extra = 0
    sortable_field_name = "order"
    fields = ["name", "order"]
    inlines = [TopInitiativeInline]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="コメント", widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), required=False
    )


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label="改訂内容",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        required=False,
        help_text="第2版からは必須です。公開ページの「改訂履歴」に表示されます。",
    )


WORKFLOW_ACTIONS = {
    "submit": ("確認依頼を出す", CommentForm),
    "publish": ("公開する", PublishForm),
    "send_back": ("差し戻す", CommentForm),
}


@admin.register(Report)
class ReportAdmin(
    ExcelRoundTripMixin,
    StaleFormGuard,
    DivisionScopedAdmin,
    SimpleHistoryAdmin,
    nested_admin.NestedModelAdmin,
):
    list_display = [
        "__str__",
        "fiscal_year",
        "division",
        "status",
        "last_edited_by",
        "last_edited_at",
    ]
    list_filter = ["status", "fiscal_year", "division__department"]
    list_select_related = ["fiscal_year", "division", "last_edited_by"]
    search_fields = ["division__name"]
    autocomplete_fields = ["division"]
    fieldsets = [(None, {"fields": ["fiscal_year", "division", "status_display"]})]
    readonly_fields = ["status_display"]
    inlines = [SectionInline]
    actions = ["copy_forward_action"]
    save_on_top = True
    change_form_template = "admin/reports/report/change_form.html"

    @admin.display(description="状態")
    def status_display(self, obj):
        return obj.get_status_display() if obj else Report.Status.DRAFT.label

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["fiscal_year", "division"]
        return readonly

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        touch_report(form.instance, request.user)

    def get_urls(self):
        urls = [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="reports_report_dashboard",
            ),
            path(
                "<int:pk>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="reports_report_workflow",
            ),
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_preview_view),
                name="reports_report_pdf_preview",
            ),
            path(
                "editions/<int:pk>/retry/",
                self.admin_site.admin_view(self.retry_pdf_view),
                name="reports_edition_retry",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        report = self.get_object(request, object_id)
        if report is not None:
            extra_context.update(self._workflow_context(request, report))
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, report):
        user = request.user
        return {
            "transitions": report.transitions.select_related("user")[:20],
            "editions": report.editions.select_related("approver"),
            "can_submit": report.status != Report.Status.REVIEW and can_edit(user, report.division),
            "can_review": report.status == Report.Status.REVIEW
            and can_approve(user, report.division),
            "publish_refusal": workflow.publish_refusal(report, user)
            if report.status == Report.Status.REVIEW
            else None,
        }

    def workflow_view(self, request, pk, action):
        report = get_object_or_404(scope(Report.objects.all(), request.user), pk=pk)
        if action not in WORKFLOW_ACTIONS:
            return HttpResponseRedirect(reverse("admin:reports_report_change", args=[pk]))
        title, form_class = WORKFLOW_ACTIONS[action]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if action == "submit":
                    workflow.submit(report, request.user, form.cleaned_data["comment"])
                    messages.success(request, "確認依頼を出しました。")
                elif action == "send_back":
                    workflow.send_back(report, request.user, form.cleaned_data["comment"])
                    messages.success(request, "差し戻しました。")
                else:
                    edition = workflow.publish(
                        report, request.user, form.cleaned_data["change_note"]
                    )
                    messages.success(
                        request, f"{edition.label}を公開しました。PDFは順に作成されます。"
                    )
            except workflow.WorkflowError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(reverse("admin:reports_report_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report}：{title}",
            "opts": self.model._meta,
            "original": report,
            "form": form,
            "action_title": title,
        }
        return render(request, "admin/reports/report/workflow.html", context)

    def pdf_preview_view(self, request, pk):
        """The PDF of the report as it is now, in any state, for staff who may see it."""
        report = get_object_or_404(
            scope(
                Report.objects.select_related("fiscal_year", "division__department"), request.user
            ),
            pk=pk,
        )
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        try:
            name = pdf_for(report)
        except PdfError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:reports_report_change", args=[pk]))
        return pdf_response(default_storage.open(name), report)

    def retry_pdf_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:index"))
        edition = get_object_or_404(scope(Edition.objects.all(), request.user), pk=pk)
        if edition.pdf_status == Edition.PdfStatus.FAILED:
            retry_pdf(edition)
            messages.success(request, f"{edition.label}のPDFを作り直します。")
        return HttpResponseRedirect(
            reverse("admin:reports_report_change", args=[edition.report_id])
        )

    def dashboard_view(self, request):
        years = FiscalYear.objects.order_by("-year")
        year = request.GET.get("year")
        fiscal_year = years.filter(year=year).first() if year and year.isdigit() else None
        fiscal_year = fiscal_year or years.filter(reports__isnull=False).first() or years.first()
        latest = Edition.objects.filter(report=OuterRef("pk")).order_by("-number")
        reports = {
            r.division_id: r
            for r in scope(Report.objects.all(), request.user)
            .filter(fiscal_year=fiscal_year)
            .select_related("last_edited_by")
            .annotate(
                edition_number=Max("editions__number"),
                pdf_status=Subquery(latest.values("pdf_status")[:1]),
            )
        }
        status = request.GET.get("status", "")
        rows = []
        for division in scope(Division.objects.select_related("department"), request.user):
            report = reports.get(division.pk)
            state = report.status if report else "none"
            if status and status != state:
                continue
            rows.append({"division": division, "report": report, "state": state})
        context = {
            **self.admin_site.each_context(request),
            "title": "収集状況",
            "opts": self.model._meta,
            "years": years,
            "fiscal_year": fiscal_year,
            "rows": rows,
            "status": status,
            "statuses": [("none", "未作成"), *Report.Status.choices],
            "pdf_done": Edition.PdfStatus.DONE,
        }
        return render(request, "admin/reports/report/dashboard.html", context)

    @admin.action(description="年度更新：選んだ報告書から翌年度の下書きを作る")
    def copy_forward_action(self, request, queryset):
        for report in queryset.select_related("fiscal_year", "division"):
            if not can_edit(request.user, report.division):
                continue
            created = copy_forward(report, request.user)
            if created is None:
                messages.warning(
                    request,
                    f"{report.division}の翌年度の報告書はすでにあります。",
                )
            else:
                messages.success(request, f"{created}の下書きを作りました。")


@admin.register(Edition)
class EditionAdmin(DivisionScopedAdmin, admin.ModelAdmin):
    list_display = ["report", "label", "published_at", "approver", "pdf_status", "pdf_size"]
    list_filter = ["pdf_status", "report__fiscal_year"]
    list_select_related = ["report__fiscal_year", "report__division", "approver"]
    readonly_fields = [f.name for f in Edition._meta.fields if f.name not in {"html", "data"}]
    exclude = ["html", "data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportTransition)
class ReportTransitionAdmin(DivisionScopedAdmin, admin.ModelAdmin):
    list_display = ["report", "action", "user", "at", "comment"]
    list_filter = ["action"]
    list_select_related = ["report__fiscal_year", "report__division", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VolumeChunkInline(admin.TabularInline):
    model = VolumeChunk
    fields = [
        "number",
        "division_count",
        "status",
        "pages",
        "attempts",
        "worker",
        "seconds",
        "peak_mb",
        "error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="課の数")
    def division_count(self, chunk):
        return len(chunk.editions)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VolumeForm(forms.ModelForm):
    class Meta:
        model = Volume
        fields = ["fiscal_year", "department", "chunk_size"]

    def clean(self):
        cleaned = super().clean()
        fiscal_year, department = cleaned.get("fiscal_year"), cleaned.get("department")
        if fiscal_year and not volume_editions(fiscal_year, department).exists():
            raise forms.ValidationError(no_editions_message(fiscal_year, department))
        return cleaned


@admin.register(Volume)
class VolumeAdmin(admin.ModelAdmin):
    """Compiled volumes: start one (add), follow its chunks, retry a failed one."""

    form = VolumeForm
    list_display = [
        "__str__",
        "status",
        "progress",
        "pages",
        "size",
        "requested_at",
        "finished_at",
        "peak_mb",
        "download",
    ]
    list_filter = ["status", "fiscal_year"]
    list_select_related = ["fiscal_year", "department"]
    autocomplete_fields = ["department"]
    actions = ["retry_action"]
    inlines = [VolumeChunkInline]
    readonly_fields = [
        "fiscal_year",
        "department",
        "chunk_size",
        "status",
        "progress",
        "divisions",
        "pages",
        "size",
        "download",
        "error",
        "requested_by",
        "requested_at",
        "finished_at",
        "seconds",
        "peak_mb",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                chunks_total=Count("chunks"),
                chunks_done=Count("chunks", filter=Q(chunks__status=VolumeChunk.Status.DONE)),
            )
        )

    def get_fields(self, request, obj=None):
        return self.form.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="進み具合")
    def progress(self, volume):
        total = getattr(volume, "chunks_total", None)
        if total is None:
            return "－"
        return f"{volume.chunks_done} / {total} 分割"

    @admin.display(description="大きさ")
    def size(self, volume):
        return filesizeformat(volume.pdf_size) if volume.pdf_size else "－"

    @admin.display(description="ダウンロード")
    def download(self, volume):
        if not volume.is_ready:
            return "－"
        return format_html('<a href="{}">PDF</a>', volume.get_absolute_url())

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        plan_volume(obj)
        messages.info(request, "作成を始めました。分割ごとに順に作成され、最後に結合されます。")

    @admin.action(description="失敗した合冊を、終わっていない分割から作り直す", permissions=["add"])
    def retry_action(self, request, queryset):
        for volume in queryset:
            if not can_retry(volume):
                messages.warning(
                    request,
                    f"{volume}は失敗していないので、作り直しません"
                    "（作成中のまま1時間たったものは作り直せます）。",
                )
                continue
            queued = retry_volume(volume)
            messages.success(request, f"{volume}を作り直します（{queued}分割）。")
