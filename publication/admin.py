from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from organisation.admin import FiscalYearAdmin
from organisation.models import FiscalYear
from organisation.permissions import DivisionScopedAdmin
from publication.models import Edition, Volume, VolumeChunk
from publication.volume import (
    VolumeError,
    can_retry,
    no_editions_message,
    plan_volume,
    retry_volume,
    start_volume,
    volume_editions,
)


class FiscalYearVolumeAdmin(FiscalYearAdmin):
    """Fiscal years, with the action that compiles a year's volume."""

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
        return request.user.has_perm("publication.add_volume")


admin.site.unregister(FiscalYear)
admin.site.register(FiscalYear, FiscalYearVolumeAdmin)


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
