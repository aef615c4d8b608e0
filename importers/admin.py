"""過去の報告書を取り込む: upload a past report, check what it will create, create the draft.

Between the preview and the confirmation the file waits in ``default_storage`` (shared by
every web host) under a random name that only the uploader's session knows, so nobody else can
confirm it and no path comes from the browser. Editors' rights apply: a person imports only
for the divisions they work for, with the right to add and change reports.
"""

import secrets
from datetime import timedelta
from pathlib import PurePath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from importers.build import build_report, replace_refusal
from importers.document import ImportRefused
from importers.parser import parse
from importers.preview import preview
from importers.readers import check_name, check_size, read_document
from organisation.models import Division
from organisation.notation import fiscal_year_label
from organisation.permissions import divisions_for
from reports.conventions import DEFAULT_DOCUMENT_NAME
from reports.editing import touch_report
from reports.models import Report

SESSION_KEY = "importers_uploads"
FOLDER = "imports"
# A file previewed and never confirmed is removed after this long, at the next upload.
KEEP_FOR = timedelta(days=1)
GONE = (
    "取り込むファイルが見つかりません。すでに取り込んだか、時間がたって片付けられました。"
    "もう一度ファイルを選んでください。"
)
NOT_YOURS = "担当していない課には取り込めません。一覧にある課を選んでください。"


def may_import(user) -> bool:
    return user.has_perm("reports.add_report") and user.has_perm("reports.change_report")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="ファイル",
        allow_empty_file=True,  # refused by the reader, with the command's words
        help_text="テキスト（.txt）、Word（.docx）、文字を含むPDF（.pdf）。",
    )
    year = forms.IntegerField(
        label="年度（西暦）",
        min_value=1950,
        max_value=2100,
        help_text="年度の始まる年です。令和２年度なら 2020、平成18年度なら 2006。",
    )
    division = forms.ModelChoiceField(
        label="課",
        queryset=Division.objects.none(),
        error_messages={"invalid_choice": NOT_YOURS},
    )
    document_name = forms.CharField(
        label="文書の名称",
        required=False,
        max_length=40,
        help_text=(
            f"空欄なら文書の表紙から読み取ります（読み取れなければ「{DEFAULT_DOCUMENT_NAME}」）。"
        ),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions_for(user).select_related("department")


def read(name: str, data: bytes, document_name: str):
    parsed = parse(read_document(name, data), document_name or DEFAULT_DOCUMENT_NAME)
    parsed.document_name = document_name or parsed.document_name
    return parsed


def existing_report(year: int, division) -> Report | None:
    return (
        Report.objects.select_related("fiscal_year", "division")
        .filter(fiscal_year__year=year, division=division)
        .first()
    )


# Keeping the file between the two steps ------------------------------------------------------


def prune_stale_uploads() -> None:
    """Remove the files of previews older than ``KEEP_FOR`` that nobody confirmed."""
    if not default_storage.exists(FOLDER):
        return
    oldest = timezone.now() - KEEP_FOR
    for name in default_storage.listdir(FOLDER)[1]:
        path = f"{FOLDER}/{name}"
        if default_storage.get_modified_time(path) < oldest:
            default_storage.delete(path)


def keep(request, filename: str, data: bytes, fields: dict) -> str:
    prune_stale_uploads()
    token = secrets.token_urlsafe(24)
    suffix = PurePath(filename).suffix.lower()
    stored = default_storage.save(f"{FOLDER}/{token}{suffix}", ContentFile(data))
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {
        "stored": stored,
        "filename": PurePath(filename).name,
        "user": request.user.pk,
        **fields,
    }
    request.session[SESSION_KEY] = uploads
    return token


def kept(request, token: str) -> dict | None:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or entry["user"] != request.user.pk:
        return None
    return entry


def forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    if entry is not None:
        default_storage.delete(entry["stored"])


# Pages -----------------------------------------------------------------------------------------


def page(request, template: str, context: dict):
    return render(
        request,
        template,
        {**admin.site.each_context(request), "title": "過去の報告書を取り込む", **context},
    )


def preview_page(request, token: str, entry: dict, parsed, division, error: str = ""):
    existing = existing_report(entry["year"], division)
    shown = preview(parsed)
    return page(
        request,
        "admin/importers/preview.html",
        {
            "token": token,
            "entry": entry,
            "division": division,
            "year_label": fiscal_year_label(entry["year"]),
            "preview": shown,
            "groups": [
                (name, [node for top in nodes for node in top.walk()])
                for name, nodes in shown.groups
            ],
            "existing": existing,
            "error": error,
        },
    )


def import_view(request):
    if not may_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        year, division = form.cleaned_data["year"], form.cleaned_data["division"]
        document_name = form.cleaned_data["document_name"]
        try:
            # Before reading it: a file too big or of another kind is refused unread.
            check_name(upload.name)
            check_size(upload.size)
            data = upload.read()
            parsed = read(upload.name, data, document_name)
        except ImportRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            existing = existing_report(year, division)
            refusal = replace_refusal(existing, replace=True) if existing else None
            if refusal:
                form.add_error(None, refusal)
            else:
                fields = {"year": year, "division": division.pk, "document_name": document_name}
                token = keep(request, upload.name, data, fields)
                return preview_page(request, token, kept(request, token), parsed, division)
    return page(request, "admin/importers/upload.html", {"form": form})


@require_POST
def confirm_view(request):
    if not may_import(request.user):
        raise PermissionDenied
    start = reverse("admin:importers_import")
    token = request.POST.get("token", "")
    entry = kept(request, token)
    if entry is None:
        messages.error(request, GONE)
        return redirect(start)
    division = divisions_for(request.user).filter(pk=entry["division"]).first()
    if division is None:
        forget(request, token)
        messages.error(request, NOT_YOURS)
        return redirect(start)
    try:
        with default_storage.open(entry["stored"]) as stored:
            data = stored.read()
    except OSError:
        forget(request, token)
        messages.error(request, GONE)
        return redirect(start)
    try:
        parsed = read(entry["filename"], data, entry["document_name"])
    except ImportRefused as refusal:
        forget(request, token)
        messages.error(request, str(refusal))
        return redirect(start)
    replace = request.POST.get("replace") == "on"
    existing = existing_report(entry["year"], division)
    if existing is not None and not replace:
        error = (
            f"{existing}の下書きがすでにあります。置き換えるには「今の下書きを取り込んだ内容で"
            "置き換える」にチェックを入れてください。"
        )
        return preview_page(request, token, entry, parsed, division, error)
    try:
        with transaction.atomic():
            report = build_report(parsed, year=entry["year"], division=division, replace=replace)
            touch_report(report, request.user)
    except ImportRefused as refusal:
        return preview_page(request, token, entry, parsed, division, f"取り込めません：{refusal}")
    forget(request, token)
    fallbacks = len(preview(parsed).fallbacks)
    messages.success(
        request,
        f"下書き「{report}」を作成しました。本文の段落にした行が{fallbacks}件あります。"
        "内容を確かめて、必要なら直してください。",
    )
    return redirect(reverse("admin:reports_report_editor", args=[report.pk]))


admin.site.register_page("import-report/", import_view, "importers_import")
admin.site.register_page("import-report/confirm/", confirm_view, "importers_import_confirm")
