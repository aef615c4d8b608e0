"""A change to a report's content, by any path, counts as an edit of the reports that show it:
their last editor is recorded (nobody publishes their own edit) and a published one reopens."""

from django.db.models import QuerySet
from django.utils import timezone

from reports.models import Report, ReportTransition


def touch_report(report: Report, user) -> None:
    """Record that ``user`` changed ``report``'s content; a published report becomes a draft.
    A change made by no person (a command run without ``--user``) keeps the last editor."""
    if user is not None:
        report.last_edited_by = user
    report.last_edited_at = timezone.now()
    if report.status == Report.Status.PUBLISHED:
        ReportTransition.objects.create(
            report=report,
            action=ReportTransition.Action.REOPEN,
            from_status=report.status,
            to_status=Report.Status.DRAFT,
            user=user,
        )
        report.status = Report.Status.DRAFT
    report.save(update_fields=["last_edited_by", "last_edited_at", "status", "updated_at"])


def affected_reports(obj) -> QuerySet[Report]:
    """The reports whose content shows ``obj`` (the model's ``affected_reports()``)."""
    method = getattr(obj, "affected_reports", None)
    return method() if method is not None else Report.objects.none()


class TouchesReports:
    """Admin mixin: saving or deleting a record marks the reports that show it as edited."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for report in affected_reports(form.instance):
            touch_report(report, request.user)

    def delete_model(self, request, obj):
        reports = list(affected_reports(obj))
        super().delete_model(request, obj)
        for report in reports:
            touch_report(report, request.user)

    def delete_queryset(self, request, queryset):
        reports = {r.pk: r for obj in queryset for r in affected_reports(obj)}
        super().delete_queryset(request, queryset)
        for report in reports.values():
            touch_report(report, request.user)
