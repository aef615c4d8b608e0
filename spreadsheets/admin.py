"""Import and export in the admin: forms, the mixin every importing admin uses, permissions.

Each model has its own import permission, ``<app>.import_<model>`` (the import-export setting
``IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"``); :func:`create_import_permissions` makes
them after ``migrate``, so that models in other apps need no migration of ours.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export import forms as ie_forms
from import_export.admin import ImportExportMixin
from import_export.tmp_storages import MediaStorage

from organisation.models import Unit
from organisation.permissions import divisions_for
from spreadsheets.importing import EXPORT_FORMATS, IMPORT_FORMATS, XLSX, CSVAuto
from spreadsheets.limits import ImportFileError, check_size, max_bytes, max_rows, megabytes
from spreadsheets.stale_imports import revision_mark


def importable_models() -> list:
    """The models whose admin imports spreadsheets."""
    return [
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SpreadsheetAdminMixin)
    ]


def create_import_permissions(using=DEFAULT_DB_ALIAS, **kwargs):
    """Make ``import_<model>`` for every importable model (a ``post_migrate`` receiver)."""
    for model in importable_models():
        opts = model._meta
        content_type = ContentType.objects.db_manager(using).get_for_model(model)
        Permission.objects.using(using).get_or_create(
            content_type=content_type,
            codename=f"import_{opts.model_name}",
            defaults={"name": f"{opts.verbose_name}を取り込める"},
        )


def upload_help() -> str:
    return (
        f"CSV（UTF-8 または Shift_JIS）か XLSX。{megabytes(max_bytes())}・"
        f"{max_rows():,}行まで。1行目に列の名前を書きます。"
    )


class UploadField(forms.FileField):
    """A file refused when over the size limit, before anything reads it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "取り込むファイル")
        # An empty file gets our message from check_size rather than Django's.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is not None:
            try:
                check_size(upload.size)
            except ImportFileError as error:
                raise forms.ValidationError(error.message, code="size") from None
        return upload


class ImportForm(ie_forms.ImportForm):
    import_file = UploadField()
    unit = forms.ChoiceField(
        label="金額の単位",
        choices=Unit.choices,
        initial=Unit.YEN,
        required=False,
        help_text=(
            "列名に単位のない金額の列（例：「金額」）をどちらで読むか。"
            "「金額（千円）」のように列名に単位があれば、列名に従います。"
        ),
    )
    field_order = ["resource", "import_file", "format", "unit"]

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["import_file"].help_text = upload_help()
        self.fields["format"].label = "形式"
        self.fields["format"].required = False
        self.fields["format"].choices = [("", "ファイルから判定する")] + [
            c for c in self.fields["format"].choices if c[0] != ""
        ]
        self.fields["resource"].label = "取り込むもの"

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None and not cleaned.get("format"):
            # No format chosen: an XLSX is a zip file; anything else is read as CSV.
            head = upload.read(4)
            upload.seek(0)
            wanted = XLSX if head == b"PK\x03\x04" else CSVAuto
            cleaned["format"] = str(self.formats.index(wanted))
        return cleaned


class ConfirmImportForm(ie_forms.ConfirmImportForm):
    unit = forms.ChoiceField(choices=Unit.choices, required=False, widget=forms.HiddenInput)
    since = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ExportForm(ie_forms.ExportForm):
    """Every column, in the order an import reads them back; UTF-8 CSV unless chosen."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = "形式"
        self.fields["format"].choices = [c for c in self.fields["format"].choices if c[0] != ""]
        self.fields["format"].initial = "0"
        self.fields["resource"].label = "出力するもの"


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import (dry run, then confirm) and export of one model's records in the admin."""

    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = ImportForm
    confirm_form_class = ConfirmImportForm
    export_form_class = ExportForm
    import_template_name = "admin/budgets/import.html"
    tmp_storage_class = MediaStorage

    def get_import_divisions(self, request):
        """The divisions whose records ``request.user`` may import and export."""
        return divisions_for(request.user)

    def get_resource_kwargs(self, request, *args, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", {}) if form is not None else {}
        return {
            "divisions": self.get_import_divisions(request),
            "unit": cleaned.get("unit") or Unit.YEN,
            "since": cleaned.get("since"),
        }

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_columns"] = [
            (c.column_name, c.required, c.help_text) for c in self.resource_classes[0].columns()
        ]
        return context

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["unit"] = import_form.cleaned_data.get("unit") or Unit.YEN
            initial["since"] = getattr(request, "import_mark", None)
        return initial

    def import_action(self, request, **kwargs):
        if request.method == "POST":
            # Taken before the preview reads the rows: a change after it refuses the confirm.
            request.import_mark = revision_mark(self.model)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        upload = getattr(form, "cleaned_data", {}).get("import_file")
        stored = getattr(upload, "tmp_storage_name", None)
        if stored and not context.get("confirm_form"):
            # Nothing to confirm: the stored copy of the upload is not needed.
            self.get_tmp_storage_class()(
                name=stored, **self.get_tmp_storage_class_kwargs()
            ).remove()
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The stored upload is removed by the confirm that used it (or a resubmit of it).
            messages.error(
                request,
                "この取り込みはすでに確定したか、ファイルの保存期間が過ぎています。"
                "一覧で結果を確かめ、必要ならファイルをもう一度アップロードしてください。",
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", e.message)
        else:
            form.add_error(
                "import_file",
                f"ファイルを読めませんでした（{type(e).__name__}）。"
                "CSV か XLSX か、形式の選択が正しいか確かめてください。",
            )

    def process_dataset(self, dataset, form, request, **kwargs):
        # A row that fails now (the data changed since the preview) undoes the whole file.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().process_dataset(dataset, form, request, **kwargs)

    def process_result(self, result, request):
        if not result.is_ok():
            context = {
                **self.admin_site.each_context(request),
                **self.get_import_context_data(),
                "title": f"{self.opts.verbose_name_plural}の取り込み",
                "opts": self.opts,
                "result": result,
                "form": self.get_import_form_class(request)(
                    self.get_import_formats(), self.get_import_resource_classes(request)
                ),
                "aborted": True,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(
            request, f"{self.opts.verbose_name_plural}を取り込みました（{result.summary()}）。"
        )
