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
from proofreading.sources import proofread
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
    report, returning to ``next_url`` after a fix. Findings are read when first shown."""

    def __init__(
        self, report: Report, user, severities=tuple(Severity.LABELS), fixes=True, next_url=""
    ):
        self.report = report
        self.severities = severities
        self.can_fix = fixes and can_edit(user, report.division)
        self.next_url = next_url

    @classmethod
    def for_workflow(cls, action: str, report: Report, user, next_url: str) -> "Panel":
        """On the 確認依頼 form, the errors that stop it, with their fixes; on the 公開 form, the
        errors and warnings, without fixes (whoever edits last may not publish)."""
        if action == "submit":
            return cls(report, user, (Severity.ERROR,), next_url=next_url)
        return cls(report, user, (Severity.ERROR, Severity.WARNING), fixes=False)

    @cached_property
    def _checked(self):
        return proofread(self.report)

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
        rows = []
        for f in findings:
            if f.severity not in self.severities:
                continue
            excerpt = ("", f.excerpt, "")
            if f.text is not None:
                # In parts, to mark what the finding points at: a stray space is invisible.
                excerpt = excerpt_parts(document.texts[f.text].value, f.start, f.end)
            rows.append(
                Row(
                    f,
                    RULE_NAMES[f.rule],
                    Severity.LABELS[f.severity],
                    excerpt,
                    key_of(document, f),
                )
            )
        return rows

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
