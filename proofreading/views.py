"""The admin's 表記チェック page of a report and its fix buttons (URLs in proofreading/urls.py,
under the report's admin URL)."""

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from organisation.permissions import can_edit, latest_change, scope
from proofreading.panel import Key, Panel, digest
from proofreading.sources import apply_fixes, proofread
from reports.models import Report


def _report(request, pk) -> Report:
    """The report, for those who may edit it: editors (and approvers) of its division."""
    report = get_object_or_404(
        scope(Report.objects.select_related("fiscal_year", "division"), request.user), pk=pk
    )
    if not can_edit(request.user, report.division):
        raise PermissionDenied
    return report


def report_check(request, pk):
    report = _report(request, pk)
    context = {
        **admin.site.each_context(request),
        "title": f"{report}：表記チェック",
        "opts": Report._meta,
        "original": report,
        "proofreading": Panel(report, request.user, next_url=request.get_full_path()),
    }
    return render(request, "admin/proofreading/report.html", context)


class Refused(Exception):
    pass


def _saved_by(source, place: str) -> str:
    obj = apps.get_model(source.model)._default_manager.filter(pk=source.pk).first()
    record = latest_change(obj) if obj is not None else None
    if record is None:
        return f"この画面を開いた後に「{place}」が変更されました。"
    who = f"{record.history_user}さん" if record.history_user else "別の人"
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    return f"この画面を開いた後に{who}が{when}に「{place}」を保存しました。"


def _chosen(report, posted: list[str]):
    """The document and the current findings the posted keys name. A key must name a text of
    this report (a forged one is refused) unchanged since the page showed it (else stale)."""
    keys = [Key.parse(token) for value in posted for token in value.split()]
    if not keys:
        raise Refused("修正する指摘を選んでください。")
    if None in keys:
        raise Refused("修正する指摘が読み取れませんでした。画面を開き直してください。")
    document, findings = proofread(report)
    texts = {}
    for text in document.texts:
        texts.setdefault(text.source, text)
    for key in keys:
        text = texts.get(key.source)
        if text is None:
            raise Refused(
                "この報告書にない箇所の修正は受け付けられません。画面を開き直してください。"
            )
        if digest(text.value) != key.digest:
            raise Refused(
                f"修正できませんでした。{_saved_by(key.source, text.place)}"
                "今の指摘を確かめてから、もう一度修正してください。"
            )
    current = {}
    for f in findings:
        if f.fixable:
            source = document.texts[f.text].source
            current.setdefault((f.rule, source, f.start, f.end), f)
    chosen = [current[key.span] for key in dict.fromkeys(keys) if key.span in current]
    return document, chosen, len(set(keys)) - len(chosen)


@require_POST
def fix(request, pk):
    """Apply the fixes of the findings the button names (one, or all of a rule as shown)."""
    report = _report(request, pk)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = Panel(report, request.user).url
    try:
        document, chosen, gone = _chosen(report, request.POST.getlist("finding"))
    except Refused as refusal:
        messages.error(request, str(refusal))
        return HttpResponseRedirect(target)
    changed = apply_fixes(report, document, chosen, user=request.user) if chosen else []
    if changed:
        messages.success(request, f"表記チェックの指摘を{len(chosen)}件修正しました。")
    if gone:
        messages.warning(
            request,
            f"{gone}件はもう指摘されていないため、修正しませんでした（ほかの箇所の変更で"
            "修正案が変わったか、すでに直っています）。",
        )
    elif not changed:
        messages.error(request, "修正できませんでした。画面を開き直してください。")
    return HttpResponseRedirect(target)
