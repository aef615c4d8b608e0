import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from budgets.roundtrip import ExcelRoundTripMixin
from editorial.copying import copy_forward
from editorial.editor import editor_url, editor_urls
from organisation.models import Division, FiscalYear
from organisation.permissions import (
    DivisionScopedAdmin,
    StaleFormGuard,
    can_approve,
    can_edit,
    scope,
)
from proofreading.panel import Panel
from publication import redline
from publication.models import Edition
from publication.pdf import PdfError, pdf_for, pdf_response, retry_pdf
from publication.serializers import report_data
from publication.tree import load_report
from reports import workflow
from reports.editing import touch_report
from reports.history_admin import SimpleHistoryAdmin
from reports.models import Report, ReportTransition


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="コメント", widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), required=False
    )


DRAFT = "draft"


def _draft_data(report):
    """A report's current content in the form editions keep their data."""
    return report_data(load_report(report))


class CompareForm(forms.Form):
    old = forms.ChoiceField(label="比べる元")
    new = forms.ChoiceField(label="比べる先")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].choices = self.fields["new"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("old") and cleaned.get("old") == cleaned.get("new"):
            raise forms.ValidationError("違う版を選んでください。")
        return cleaned


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
    fieldsets = [
        (None, {"fields": ["fiscal_year", "division", "status_display"]}),
        (
            "文書の体裁（過去の報告書で違うときだけ変えます）",
            {
                "classes": ["collapse"],
                "fields": [
                    "document_name",
                    "office",
                    "unit_below_group",
                    "marker_set",
                    "original_published_on",
                ],
            },
        ),
    ]
    readonly_fields = ["status_display"]
    actions = ["copy_forward_action"]
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

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"{obj}を作りました。グループと取組を追加してください。")
        return HttpResponseRedirect(editor_url(obj))

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
                "<int:pk>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="reports_report_compare",
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
        return editor_urls(self) + urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The report's content is edited in its editor, node by node.
        report = self.get_object(request, object_id)
        if report is None or not self.has_view_permission(request, report):
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(editor_url(report))

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
            "proofreading": Panel(report, user),
        }

    def workflow_view(self, request, pk, action):
        report = get_object_or_404(scope(Report.objects.all(), request.user), pk=pk)
        if action not in WORKFLOW_ACTIONS:
            return HttpResponseRedirect(editor_url(report))
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
                return HttpResponseRedirect(editor_url(report))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report}：{title}",
            "opts": self.model._meta,
            "original": report,
            "form": form,
            "action_title": title,
        }
        if action in ("submit", "publish"):
            context["proofreading"] = Panel.for_workflow(
                action, report, request.user, request.get_full_path()
            )
        if action == "publish":
            # The approver sees what this edition will change before publishing it.
            current = report.editions.filter(is_current=True).defer("html").first()
            if current is not None:
                context["current"] = current
                context["changes"] = redline.compare(current.data, _draft_data(report))
        return render(request, "admin/reports/report/workflow.html", context)

    def compare_view(self, request, pk):
        """The redline between any two editions of a report, or an edition and the current
        content (下書き)."""
        report = get_object_or_404(
            scope(
                Report.objects.select_related("fiscal_year", "division__department"), request.user
            ),
            pk=pk,
        )
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        editions = {e.number: e for e in report.editions.defer("html").order_by("number")}
        choices = [(str(n), f"{e.label}（{e.published_at:%Y-%m-%d}）") for n, e in editions.items()]
        choices.append((DRAFT, "今の原稿（下書き）"))
        latest = max(editions, default=None)
        default_new = str(latest) if latest and latest > 1 else DRAFT
        default_old = str(latest - 1) if latest and latest > 1 else str(latest or "")
        form = CompareForm(request.GET or {"old": default_old, "new": default_new}, choices=choices)
        changes = None
        if form.is_valid():
            versions = [form.cleaned_data["old"], form.cleaned_data["new"]]
            data = [_draft_data(report) if v == DRAFT else editions[int(v)].data for v in versions]
            changes = redline.compare(*data)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report}：版の比較",
            "opts": self.model._meta,
            "original": report,
            "form": form,
            "changes": changes,
        }
        return render(request, "admin/reports/report/compare.html", context)

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
            name, edition = pdf_for(report)
        except PdfError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(editor_url(report))
        return pdf_response(default_storage.open(name), report, edition)

    def retry_pdf_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:index"))
        edition = get_object_or_404(scope(Edition.objects.all(), request.user), pk=pk)
        if edition.pdf_status == Edition.PdfStatus.FAILED:
            retry_pdf(edition)
            messages.success(request, f"{edition.label}のPDFを作り直します。")
        return HttpResponseRedirect(editor_url(edition.report))

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
