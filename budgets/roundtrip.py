"""「Excelで編集」: one workbook with a division's figures for a report's year, and back.

The workbook has the sheets 決算額, 契約 and 補助金採択事業 in the columns of the admin's
import of each, so a sheet also imports on its own. Uploading it shows what would change
(a dry run); confirming applies all three sheets in one transaction, or nothing.
"""

from dataclasses import dataclass

import tablib
from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from import_export.results import RowResult
from import_export.tmp_storages import MediaStorage

from budgets.models import AmountKind, Contract, SettlementAmount, SettlementTable, SubsidyAward
from budgets.resources import ContractResource, SettlementAmountResource, SubsidyAwardResource
from organisation.models import Division
from spreadsheets.admin import UploadField
from spreadsheets.importing import ImportFileError, max_bytes, megabytes, read_xlsx, write_xlsx
from spreadsheets.resources import ImportResult

SHEETS = [
    ("決算額", SettlementAmountResource),
    ("契約", ContractResource),
    ("補助金採択事業", SubsidyAwardResource),
]
PERMISSIONS = [f"budgets.import_{r._meta.model._meta.model_name}" for _, r in SHEETS]
# Settlement amounts of the report's year and the years before it that its tables show.
YEARS = 3

INSTRUCTIONS = [
    "このブックは「Excelで編集」でダウンロードしたものです。",
    "シート「決算額」「契約」「補助金採択事業」の値を直して保存し、同じ画面からアップロードします。",
    "アップロードすると変更点が表示されます。確定するまでデータは変わりません。",
    "1行目（列の名前）は変えないでください。行を足すと新しい記録になります。",
    "行を消しても記録は消えません。記録を消すときは管理画面で削除してください。",
    "決算額の金額が空欄の行は取り込みません（まだ金額のない年度の行です）。",
    "数式は使えますが、Excel で保存したときの計算結果を読みます。",
    "先頭が「'=」「'+」「'-」「'@」のセルは、表計算ソフトで数式として動かないよう「'」をつけています。",
]


def _querysets(report) -> dict:
    year = report.fiscal_year.year
    return {
        "決算額": SettlementAmount.objects.filter(
            item__division=report.division_id,
            fiscal_year__year__gt=year - YEARS,
            fiscal_year__year__lte=year,
        ).order_by("item__code", "fiscal_year__year", "kind"),
        "契約": Contract.objects.filter(initiative__section__report=report).order_by(
            "initiative__section__order", "initiative__order", "order", "id"
        ),
        "補助金採択事業": SubsidyAward.objects.filter(
            programme__division=report.division_id, fiscal_year=report.fiscal_year
        ).order_by("programme__name", "order", "id"),
    }


def _blank_amounts(report, existing) -> list[SettlementAmount]:
    """Amounts that the report's tables show for its year and that are still missing."""
    have = {(a.item_id, a.kind) for a in existing if a.fiscal_year_id == report.fiscal_year_id}
    blanks = []
    tables = SettlementTable.objects.filter(initiative__section__report=report).select_related(
        "item__division"
    )
    for table in tables.order_by("item__code"):
        kinds = [AmountKind.BUDGET, AmountKind.SETTLEMENT] if table.kind == "both" else [table.kind]
        for kind in kinds:
            if (table.item_id, kind) not in have:
                have.add((table.item_id, kind))
                blanks.append(
                    SettlementAmount(item=table.item, fiscal_year=report.fiscal_year, kind=kind)
                )
    return blanks


def build_workbook(report) -> bytes:
    divisions = Division.objects.filter(pk=report.division_id)
    querysets = _querysets(report)
    sheets = []
    for title, resource_class in SHEETS:
        resource = resource_class(divisions=divisions)
        queryset = resource.filter_export(querysets[title])
        dataset = resource.export(queryset)
        if resource_class is SettlementAmountResource:
            rows = list(dataset) + [
                tuple(resource.export_resource(blank)) for blank in _blank_amounts(report, queryset)
            ]
            headers = dataset.headers
            code, year, kind = (headers.index(h) for h in ("費目コード", "年度", "種類"))
            rows.sort(key=lambda r: (r[code], r[year], r[kind]))
            dataset = tablib.Dataset(*rows, headers=headers)
        sheets.append((title, dataset))
    sheets.append(("説明", tablib.Dataset(*[(line,) for line in INSTRUCTIONS], headers=["説明"])))
    return write_xlsx(sheets)


@dataclass
class SheetOutcome:
    title: str
    result: ImportResult | None  # None: the sheet is missing or has no rows

    @property
    def ok(self) -> bool:
        return self.result is None or self.result.is_ok()


def import_workbook(data: bytes, report, user, *, dry_run: bool) -> list[SheetOutcome]:
    """Import the workbook's sheets into ``report``'s division: all of them, or nothing."""
    sheets = read_xlsx(data, [title for title, _ in SHEETS])
    if not sheets:
        raise ImportFileError(
            "シート「決算額」「契約」「補助金採択事業」のどれもありません。"
            "「Excelで編集」でダウンロードしたブックを使ってください。"
        )
    divisions = Division.objects.filter(pk=report.division_id)
    outcomes = []
    with transaction.atomic():
        for title, resource_class in SHEETS:
            sheet = sheets.get(title)
            if sheet is None or not sheet.rows:
                outcomes.append(SheetOutcome(title, None))
                continue
            result = resource_class(divisions=divisions).import_data(
                sheet.dataset(),
                dry_run=dry_run,
                use_transactions=True,
                rollback_on_validation_errors=True,
                retain_instance_in_row_result=True,
                user=user,
            )
            outcomes.append(SheetOutcome(title, result))
        if dry_run or not all(o.ok for o in outcomes):
            transaction.set_rollback(True)
    return outcomes


def log_outcomes(outcomes: list[SheetOutcome], user) -> None:
    flags = {RowResult.IMPORT_TYPE_NEW: ADDITION, RowResult.IMPORT_TYPE_UPDATE: CHANGE}
    for outcome in outcomes:
        if outcome.result is None:
            continue
        for import_type, flag in flags.items():
            instances = [r.instance for r in outcome.result.rows if r.import_type == import_type]
            if instances:
                LogEntry.objects.log_actions(
                    user.pk, instances, flag, change_message="「Excelで編集」で取り込み"
                )


def summary(outcomes: list[SheetOutcome]) -> str:
    return "、".join(
        f"{o.title}：{o.result.summary() if o.result else '変更なし'}" for o in outcomes
    )


class WorkbookForm(forms.Form):
    workbook = UploadField(label="編集したブック（XLSX）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "workbook"
        ].help_text = (
            f"「Excelで編集」でダウンロードしたブック（.xlsx）。{megabytes(max_bytes())}まで。"
        )


class ConfirmWorkbookForm(forms.Form):
    stored = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


class ExcelRoundTripMixin:
    """ReportAdmin mixin: the 「Excelで編集」 pages of a report (download, upload, confirm)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/excel/", view(self.excel_view), name="reports_report_excel"),
            path(
                "<int:pk>/excel/download/",
                view(self.excel_download_view),
                name="reports_report_excel_download",
            ),
            path(
                "<int:pk>/excel/confirm/",
                view(require_POST(self.excel_confirm_view)),
                name="reports_report_excel_confirm",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_edit_in_excel": self.can_edit_in_excel(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def can_edit_in_excel(self, request) -> bool:
        return all(request.user.has_perm(p) for p in PERMISSIONS)

    def _excel_report(self, request, pk):
        report = self.get_object(request, str(pk))
        if report is None:
            raise Http404
        if not self.has_change_permission(request, report) or not self.can_edit_in_excel(request):
            raise PermissionDenied
        return report

    def _excel_page(self, request, report, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": report,
            "title": f"{report}をExcelで編集",
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/reports/report/excel.html", context)

    def excel_download_view(self, request, pk):
        report = self._excel_report(request, pk)
        response = HttpResponse(
            build_workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"{report.fiscal_year.year}-{report.division.slug}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def excel_view(self, request, pk):
        """Upload: show what the workbook would change, without changing anything."""
        report = self._excel_report(request, pk)
        form = WorkbookForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._excel_page(request, report, form=form)
        data = form.cleaned_data["workbook"].read()
        try:
            outcomes = import_workbook(data, report, request.user, dry_run=True)
        except ImportFileError as error:
            form.add_error("workbook", error.message)
            return self._excel_page(request, report, form=form)
        confirm = None
        if all(o.ok for o in outcomes):
            storage = MediaStorage(read_mode="rb")
            storage.save(data)
            confirm = ConfirmWorkbookForm(initial={"stored": storage.name})
        return self._excel_page(
            request, report, form=WorkbookForm(), outcomes=outcomes, confirm_form=confirm
        )

    def excel_confirm_view(self, request, pk):
        """Confirm: apply the stored workbook, all sheets in one transaction."""
        report = self._excel_report(request, pk)
        here = reverse("admin:reports_report_excel", args=[report.pk])
        form = ConfirmWorkbookForm(request.POST)
        if not form.is_valid():
            return HttpResponseRedirect(here)
        storage = MediaStorage(name=form.cleaned_data["stored"], read_mode="rb")
        try:
            data = storage.read()
        except FileNotFoundError:
            messages.error(
                request,
                "アップロードしたファイルが見つかりません。もう一度アップロードしてください。",
            )
            return HttpResponseRedirect(here)
        try:
            outcomes = import_workbook(data, report, request.user, dry_run=False)
        except ImportFileError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(here)
        if not all(o.ok for o in outcomes):
            return self._excel_page(
                request, report, form=WorkbookForm(), outcomes=outcomes, aborted=True
            )
        storage.remove()
        log_outcomes(outcomes, request.user)
        messages.success(request, f"Excel の内容を取り込みました（{summary(outcomes)}）。")
        return HttpResponseRedirect(reverse("admin:reports_report_editor", args=[report.pk]))
