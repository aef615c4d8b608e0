import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from organisation.permissions import can_edit
from proofreading.document import Severity
from proofreading.rules import RULE_IDS, RULES
from proofreading.sources import apply_fixes, proofread
from publication.tree import get_report
from reports.models import Report


class Command(BaseCommand):
    help = (
        "報告書の表記をチェックします。例：proofread 2020 digital-administration "
        "[--format json] [--fix spacing variants [--user USERNAME]]。エラーがあれば終了コード 1。"
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年度（西暦）。令和２年度なら 2020")
        parser.add_argument("division", help="課のURL名。例：digital-administration")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--fix",
            nargs="+",
            metavar="RULE",
            default=[],
            help=f"この規則の修正案を適用してから表示します（all ですべて）：{' '.join(RULE_IDS)}",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="--fix の修正をした人として記録するユーザー（報告書の最終編集者になります）",
        )

    def handle(self, *args, year, division, format, fix, user, **options):
        unknown = set(fix) - set(RULE_IDS) - {"all"}
        if unknown:
            raise CommandError(f"規則がありません：{' '.join(sorted(unknown))}")
        try:
            report = get_report(year, division)
        except Report.DoesNotExist:
            raise CommandError(f"{year}年度の {division} の報告書はありません。") from None
        if user and not fix:
            raise CommandError("--user は --fix と一緒に指定します。")
        if fix:
            editor = self._editor(user, report)
            document, findings = proofread(report)
            chosen = [f for f in findings if f.fixable and ("all" in fix or f.rule in fix)]
            changed = apply_fixes(report, document, chosen, user=editor)
            self.stderr.write(f"{len(chosen)}件の指摘を修正しました（{len(changed)}か所）。")
        document, findings = proofread(report)
        if format == "json":
            self.stdout.write(json.dumps([f.as_json() for f in findings], ensure_ascii=False))
        else:
            self.stdout.write(self._text(findings))
        if any(f.severity == Severity.ERROR for f in findings):
            raise SystemExit(1)

    def _editor(self, username, report):
        """The user a fix is recorded as, and the report's last editor from then on (the
        four-eyes rule keeps them from publishing it). Without one, the fix is recorded with no
        person and the report keeps its last editor."""
        if not username:
            return None
        editor = get_user_model().objects.filter(username=username, is_active=True).first()
        if editor is None:
            raise CommandError(f"ユーザー「{username}」はいません。")
        if not can_edit(editor, report.division):
            raise CommandError(
                f"ユーザー「{username}」には{report.division}の報告書を編集する権限がありません。"
            )
        return editor

    def _text(self, findings) -> str:
        names = {r.id: r.name for r in RULES}
        lines = []
        for f in findings:
            lines.append(f"[{Severity.LABELS[f.severity]}] {names[f.rule]}（{f.rule}）　{f.place}")
            lines.append(f"    {f.excerpt}")
            lines.append(f"    {f.message}")
            if f.suggestion:
                lines.append(f"    → {f.suggestion}")
        counts = {s: sum(f.severity == s for f in findings) for s in Severity.LABELS}
        lines.append(
            "、".join(f"{label} {counts[s]}件" for s, label in Severity.LABELS.items())
            if findings
            else "指摘はありません。"
        )
        return "\n".join(lines)
