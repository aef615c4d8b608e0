"""What the proofreader reads and what it reports, independent of the models.

A report is read as a ``Document``: every text an editor typed (with the place it shows at and
where it is stored) and every table as the reader sees it. Rules are pure functions of a
document; a new source of text (a free table, a text block) only has to add ``Text`` or
``Table`` objects in ``proofreading.sources``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


class Severity:
    ERROR = "error"
    WARNING = "warning"
    HINT = "hint"

    LABELS = {ERROR: "エラー", WARNING: "警告", HINT: "ヒント"}
    ORDER = {ERROR: 0, WARNING: 1, HINT: 2}


class Kind:
    """What sort of text a ``Text`` holds; rules choose the kinds they read."""

    PROSE = "prose"  # sentences: bodies, descriptions, notes
    TITLE = "title"  # headings and group names
    ITEM = "item"  # short values: 項目と内容, 実績値, 場所
    NAME = "name"  # names of others' projects and contracts: checked for characters only

    WRITTEN = (PROSE, TITLE, ITEM)
    ALL = (PROSE, TITLE, ITEM, NAME)


@dataclass(frozen=True)
class Source:
    """Where a text is stored: ``model`` is an app label and model name."""

    model: str
    pk: int
    field: str


@dataclass
class Text:
    place: str
    value: str
    kind: str = Kind.PROSE
    source: Source | None = None
    node: int | None = None  # the initiative it belongs to, to find the tables beside it


@dataclass
class Table:
    """A table as shown: ``rows`` of cells, the first cell of a row its label.

    ``by_row`` says that a row holds one series (決算額 by year) and a column mixes series
    (決算額 above 前年度比); otherwise a column holds one kind of value (補助額)."""

    place: str
    caption: str
    unit: str
    headers: list[str]
    rows: list[list[str]]
    by_row: bool = False
    node: int | None = None
    source: Source | None = None  # the row the table is stored in (cells are not texts)


@dataclass
class Document:
    texts: list[Text] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # initiative → its parent, to relate a text to the tables near it
    parents: dict[int, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    text: int  # index into Document.texts
    start: int
    end: int
    replacement: str


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    place: str
    excerpt: str
    suggestion: str
    edits: tuple[Edit, ...] = ()
    text: int | None = None  # index into Document.texts
    start: int = 0
    end: int = 0
    table: int | None = None  # index into Document.tables
    cell: tuple[int, int] | None = None

    @property
    def fixable(self) -> bool:
        return bool(self.edits)

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "place": self.place,
            "excerpt": self.excerpt,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class Config:
    max_sentence_length: int = 120


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    check: Callable[["Document", Config], Iterable[Finding]]
    description: str = ""


EXCERPT_CONTEXT = 12


EXCERPT_LONGEST = 40


def excerpt_parts(
    value: str, start: int, end: int, context: int = EXCERPT_CONTEXT
) -> tuple[str, str, str]:
    """The text around ``value[start:end]`` on one line, cut with …, in three parts: before,
    the span (a long one, a sentence, shows its beginning), after."""
    if end - start > EXCERPT_LONGEST:
        context, end = 0, start + EXCERPT_LONGEST
    left = max(0, start - context)
    right = min(len(value), end + context)

    def line(part: str) -> str:
        return part.replace("\r", "").replace("\n", "⏎")

    return (
        ("…" if left else "") + line(value[left:start]),
        line(value[start:end]),
        line(value[end:right]) + ("…" if right < len(value) else ""),
    )


def excerpt(value: str, start: int, end: int, context: int = EXCERPT_CONTEXT) -> str:
    """``excerpt_parts`` in one string."""
    return "".join(excerpt_parts(value, start, end, context))


def replaced(value: str, start: int, end: int, replacement: str) -> str:
    """The excerpt of ``value`` as it would read with ``replacement`` in ``start:end``."""
    changed = value[:start] + replacement + value[end:]
    return excerpt(changed, start, start + len(replacement))


def check(document: Document, rules: Iterable[Rule], config: Config | None = None):
    """Every finding of ``rules`` on ``document``, in reading order, errors first per place."""
    config = config or Config()
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.check(document, config))

    def key(f: Finding):
        where = (0, f.text, f.start) if f.text is not None else (1, f.table or 0, f.cell or (0, 0))
        return (where, Severity.ORDER[f.severity], f.rule)

    return sorted(findings, key=key)


def fixed_values(document: Document, findings: Iterable[Finding]) -> dict[int, str]:
    """The new value of each text the fixes of ``findings`` change, keyed by text index.

    Edits are applied left to right; an edit overlapping one already taken is left for the
    next check (two rules proposing different fixes for the same characters)."""
    by_text: dict[int, list[Edit]] = {}
    for finding in findings:
        for edit in finding.edits:
            by_text.setdefault(edit.text, []).append(edit)
    changed = {}
    for index, edits in by_text.items():
        value = document.texts[index].value
        taken: list[Edit] = []
        for edit in sorted(edits, key=lambda e: (e.start, e.end)):
            if taken and (edit == taken[-1] or edit.start < taken[-1].end):
                continue
            taken.append(edit)
        for edit in reversed(taken):
            value = value[: edit.start] + edit.replacement + value[edit.end :]
        if value != document.texts[index].value:
            changed[index] = value
    return changed
