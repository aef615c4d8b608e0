"""The editorial workflow: 下書き → 確認依頼 → 公開, or 差し戻し back to 下書き."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.module_loading import import_string

from organisation.models import DivisionRole
from organisation.permissions import can_approve, can_edit, divisions_for
from reports.models import Report, ReportTransition


class WorkflowError(ValidationError):
    pass


def last_submitter(report: Report):
    transition = report.transitions.filter(action=ReportTransition.Action.SUBMIT).first()
    return transition.user if transition else None


def _record(report, action, to_status, user, comment=""):
    ReportTransition.objects.create(
        report=report,
        action=action,
        from_status=report.status,
        to_status=to_status,
        user=user,
        comment=comment,
    )
    report.status = to_status
    report.save(update_fields=["status", "updated_at"])


@transaction.atomic
def submit(report: Report, user, comment: str = "") -> None:
    if not can_edit(user, report.division):
        raise WorkflowError("この課の事務事業実績を編集する権限がありません。")
    if report.status == Report.Status.REVIEW:
        raise WorkflowError("この報告書はすでに確認依頼中です。")
    # Checks of higher layers (表記チェック) are named by the SUBMISSION_CHECKS setting.
    for path in settings.SUBMISSION_CHECKS:
        refusal = import_string(path)(report, user)
        if refusal:
            raise WorkflowError(refusal)
    _record(report, ReportTransition.Action.SUBMIT, Report.Status.REVIEW, user, comment)


@transaction.atomic
def send_back(report: Report, user, comment: str) -> None:
    if not can_approve(user, report.division):
        raise WorkflowError("差し戻すには、この課の承認者の権限が必要です。")
    if report.status != Report.Status.REVIEW:
        raise WorkflowError("差し戻せるのは「確認依頼」中の報告書だけです。")
    if not comment.strip():
        raise WorkflowError("差し戻しの理由をコメントに書いてください。")
    _record(report, ReportTransition.Action.SEND_BACK, Report.Status.DRAFT, user, comment)


def publish_refusal(report: Report, user) -> str | None:
    """Why ``user`` may not publish ``report`` now, or None when they may."""
    if not can_approve(user, report.division):
        return "公開するには、この課の承認者の権限が必要です。"
    if report.status != Report.Status.REVIEW:
        return "公開できるのは「確認依頼」中の報告書だけです。"
    if last_submitter(report) == user:
        return "自分が確認依頼を出した報告書は公開できません。別の承認者に依頼してください。"
    if report.last_edited_by_id == user.pk:
        return "自分が最後に編集した報告書は公開できません。別の承認者に依頼してください。"
    return None


@transaction.atomic
def publish(report: Report, user, change_note: str = ""):
    """Publish ``report`` as its next edition (returned). Editions are a higher layer's: the
    function that freezes one is named by the ``FREEZE_EDITION`` setting."""
    freeze_edition = import_string(settings.FREEZE_EDITION)
    report = Report.objects.select_for_update().get(pk=report.pk)
    refusal = publish_refusal(report, user)
    if refusal:
        raise WorkflowError(refusal)
    if report.editions.exists() and not change_note.strip():
        raise WorkflowError("第2版からは改訂内容（何を変えたか）の記入が必要です。")
    edition = freeze_edition(report, approver=user, change_note=change_note.strip())
    _record(report, ReportTransition.Action.PUBLISH, Report.Status.PUBLISHED, user, change_note)
    return edition


# What waits for a person: the admin index lists it.


def _with_transitions(reports):
    """``reports`` with their transitions, newest first, read in one more query."""
    transitions = ReportTransition.objects.select_related("user").order_by("-at", "-id")
    return reports.select_related("fiscal_year", "division", "last_edited_by").prefetch_related(
        Prefetch("transitions", queryset=transitions, to_attr="recent_transitions")
    )


def awaiting_approval(user) -> list[tuple[Report, ReportTransition | None]]:
    """Reports in 確認依頼 in the divisions ``user`` approves, oldest request first, each with
    the request (who submitted, when, the comment)."""
    if not user.has_perm("reports.publish_report"):
        return []
    reports = Report.objects.filter(
        status=Report.Status.REVIEW, division__in=divisions_for(user, DivisionRole.Role.APPROVER)
    )
    waiting = []
    for report in _with_transitions(reports):
        submitted = next(
            (t for t in report.recent_transitions if t.action == ReportTransition.Action.SUBMIT),
            None,
        )
        waiting.append((report, submitted))
    return sorted(waiting, key=lambda pair: pair[1].at if pair[1] else pair[0].updated_at)


def editors_work(user) -> tuple[list[tuple[Report, ReportTransition]], list[Report]]:
    """For an editor: the reports of their divisions sent back to them (with the approver's
    comment), and their other drafts."""
    reports = Report.objects.filter(
        status=Report.Status.DRAFT, division__in=divisions_for(user, DivisionRole.Role.EDITOR)
    ).order_by("-fiscal_year__year", "division__department__order", "division__order")
    sent_back, drafts = [], []
    for report in _with_transitions(reports):
        latest = report.recent_transitions[0] if report.recent_transitions else None
        if latest and latest.action == ReportTransition.Action.SEND_BACK:
            sent_back.append((report, latest))
        else:
            drafts.append(report)
    return sent_back, drafts
