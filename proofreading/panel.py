"""表記チェック as staff see it: the counts on the report's page, the findings by place with
their fix buttons (templates/admin/proofreading/_panel.html), and the keys those buttons post.

A key names one finding as it was shown: its rule, the stored text, the span and a digest of
the text's value; a fix whose text changed since the page was shown is refused as stale.
"""

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby

from django.urls import reverse

from organisation.permissions import can_edit
from proofreading.document import Document, Finding, Severity, Source, excerpt_parts
from proofreading.rules import RULES
from proofreading.sources import SEPARATOR, proofread
from reports.models import Report

RULE_NAMES = {r.id: r.name for r in RULES}


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Key:
    rule: str
    source: Source
    start: int
    end: int
    digest: str

    def __str__(self) -> str:
        s = self.source
        return ":".join(
            map(str, (self.rule, s.model, s.pk, s.field, self.start, self.end, self.digest))
        )

    @classmethod
    def parse(cls, value: str) -> "Key | None":
        parts = value.split(":")
        if len(parts) != 7:
            return None
        rule, model, pk, name, start, end, text_digest = parts
        if not (pk.isdigit() and start.isdigit() and end.isdigit()):
            return None
        return cls(rule, Source(model, int(pk), name), int(start), int(end), text_digest)

    @property
    def span(self) -> tuple[str, Source, int, int]:
        return (self.rule, self.source, self.start, self.end)


def key_of(document: Document, finding: Finding) -> Key | None:
    """The key of a fixable finding (None for one without a fix)."""
    if not finding.fixable:
        return None
    text = document.texts[finding.text]
    return Key(finding.rule, text.source, finding.start, finding.end, digest(text.value))


@dataclass
class Row:
    finding: Finding
    rule_name: str
    severity_label: str
    excerpt: tuple[str, str, str]
    key: Key | None

    @property
    def where(self) -> str:
        """The last part of the place: the block within its initiative (本文, 見出し, 表「…」)."""
        return self.finding.place.rpartition(SEPARATOR)[2]

    @property
    def fix_label(self) -> str:
        """The fix button's name for screen readers: a list of thirty 「修正」 says nothing."""
        return f"修正：{self.rule_name}「{''.join(self.excerpt)}」（{self.where}）"


def row_of(document: Document, finding: Finding) -> Row:
    excerpt = ("", finding.excerpt, "")
    if finding.text is not None:
        # In parts, to mark what the finding points at: a stray space is invisible.
        excerpt = excerpt_parts(document.texts[finding.text].value, finding.start, finding.end)
    return Row(
        finding,
        RULE_NAMES[finding.rule],
        Severity.LABELS[finding.severity],
        excerpt,
        key_of(document, finding),
    )


@dataclass
class RuleFix:
    rule: str
    name: str
    keys: list[Key] = field(default_factory=list)

    @property
    def value(self) -> str:
        """Every key of the rule in one button value (keys hold no spaces)."""
        return " ".join(map(str, self.keys))


class Panel:
    """表記チェック of ``report`` for ``user``: ``severities`` chooses the findings listed (the
    counts are of all); fix buttons (unless ``fixes`` is off) only for those who may edit the
    report, returning to ``next_url`` after a fix. Findings are read when first shown, from
    ``tree`` when the page has loaded the report already."""

    def __init__(
        self,
        report: Report,
        user,
        severities=tuple(Severity.LABELS),
        fixes=True,
        next_url="",
        tree=None,
    ):
        self.report = report
        self.severities = severities
        self.can_fix = fixes and can_edit(user, report.division)
        self.next_url = next_url
        self.tree = tree

    @classmethod
    def for_workflow(cls, action: str, report: Report, user, next_url: str) -> "Panel":
        """On the 確認依頼 form, the errors that stop it, with their fixes; on the 公開 form, the
        errors and warnings, without fixes (whoever edits last may not publish)."""
        if action == "submit":
            return cls(report, user, (Severity.ERROR,), next_url=next_url)
        return cls(report, user, (Severity.ERROR, Severity.WARNING), fixes=False)

    @cached_property
    def _checked(self):
        return proofread(self.report, tree=self.tree)

    @property
    def url(self) -> str:
        return reverse("proofreading:report", args=[self.report.pk])

    @property
    def fix_url(self) -> str:
        return reverse("proofreading:fix", args=[self.report.pk])

    @cached_property
    def counts(self) -> list[tuple[str, str, int]]:
        """(severity, label, number of findings) for every severity."""
        _, findings = self._checked
        return [
            (severity, label, sum(f.severity == severity for f in findings))
            for severity, label in Severity.LABELS.items()
        ]

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.counts)

    @property
    def listed_labels(self) -> str:
        return "・".join(Severity.LABELS[s] for s in self.severities)

    @cached_property
    def rows(self) -> list[Row]:
        document, findings = self._checked
        return [row_of(document, f) for f in findings if f.severity in self.severities]

    @property
    def places(self) -> list[tuple[str, list[Row]]]:
        """The listed findings by place (group › initiative › block), in reading order."""
        return [
            (place, list(rows)) for place, rows in groupby(self.rows, lambda r: r.finding.place)
        ]

    @property
    def rule_fixes(self) -> list[RuleFix]:
        """For each rule with more than one fixable finding listed: all of them at once."""
        by_rule: dict[str, RuleFix] = {}
        for row in self.rows:
            if row.key is not None:
                by_rule.setdefault(row.finding.rule, RuleFix(row.finding.rule, row.rule_name))
                by_rule[row.finding.rule].keys.append(row.key)
        return [fix for fix in by_rule.values() if len(fix.keys) > 1]


SAVED_SHOWN = 10


def saved_rows(report: Report, saved) -> list[Row]:
    """The findings in the texts and tables stored in the rows ``saved`` (just saved in the
    editor). The whole report is checked, so that a rule across texts (表記ゆれ, 文体の混在)
    judges a block as the report reads; only the findings inside those rows are kept."""
    wanted = {(row._meta.label_lower, row.pk) for row in saved}
    document, findings = proofread(report)

    def source(f: Finding) -> Source | None:
        if f.text is not None:
            return document.texts[f.text].source
        return document.tables[f.table].source if f.table is not None else None

    rows = []
    for f in findings:
        s = source(f)
        if s is not None and (s.model, s.pk) in wanted:
            rows.append(row_of(document, f))
    return rows


def saved_message(rows: list[Row]) -> str:
    """The findings of ``saved_rows`` as a message, one line each (the editor shows it where
    the row was saved); the rest are left to the 表記チェック panel."""
    if not rows:
        return ""
    lines = [f"表記チェック：保存した箇所に指摘が{len(rows)}件あります。"]
    for row in rows[:SAVED_SHOWN]:
        f = row.finding
        fix = f"修正案「{f.suggestion}」" if f.fixable else f.suggestion
        lines.append(
            f"・{row.severity_label}　{row.rule_name}：{row.where}「{''.join(row.excerpt)}」"
            f"　{f.message}　{fix}".rstrip()
        )
    if len(rows) > SAVED_SHOWN:
        lines.append(f"ほか{len(rows) - SAVED_SHOWN}件は表記チェックの欄で確かめてください。")
    return "\n".join(lines)
