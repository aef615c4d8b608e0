"""The proofreader's only contact with the models: read a report into a ``Document``, and write
fixed texts back the way the admin does (history with a reason and a user, the report marked as
edited).

A new kind of content (a text block, a free table) is one more loop in ``document_for``.
"""

from django.apps import apps
from django.conf import settings
from django.db import transaction

from proofreading.document import (
    Config,
    Document,
    Finding,
    Kind,
    Severity,
    Source,
    Table,
    Text,
    fixed_values,
)
from proofreading.document import check as run_rules
from proofreading.rules import RULES
from publication.tree import Node, ReportTree, load_report
from reports.editing import touch_report
from reports.models import Report

SEPARATOR = " › "


def _heading(node: Node) -> str:
    title = node.initiative.title or "（見出しなし）"
    return f"{node.marker}　{title}" if node.marker else title


def _source(obj, field: str) -> Source:
    return Source(obj._meta.label_lower, obj.pk, field)


def document_for(report: Report, tree: ReportTree | None = None) -> Document:
    """Every text of ``report`` an editor typed, and every table as shown, with its place.
    ``tree`` is the report as a page already loaded it (merged or not: only rows are read)."""
    document = Document()
    texts, tables = document.texts, document.tables
    tree = tree or load_report(report)
    for section_tree in tree.sections:
        section = section_tree.section
        texts.append(Text(section.name, section.name, Kind.TITLE, _source(section, "name")))
        path = {}
        for top in section_tree.nodes:
            for node in top.walk():
                item = node.initiative
                document.parents[item.pk] = item.parent_id
                path[item.pk] = [*path.get(item.parent_id, [section.name]), _heading(node)]
                here = SEPARATOR.join(path[item.pk])

                def add(block, value, kind, obj, field, here=here, item=item):
                    if not value:
                        return
                    texts.append(
                        Text(
                            f"{here}{SEPARATOR}{block}",
                            value,
                            kind,
                            _source(obj, field),
                            item.pk,
                        )
                    )

                if item.title:
                    add("見出し", item.title, Kind.TITLE, item, "title")
                if item.body:
                    add("本文", item.body, Kind.PROSE, item, "body")
                for fact in node.facts:
                    add(f"項目「{fact.label}」", fact.label, Kind.ITEM, fact, "label")
                    add(f"内容「{fact.label}」", fact.value, Kind.ITEM, fact, "value")
                for figure in node.figures:
                    block = f"実績値「{figure.label}」"
                    add(block, figure.label, Kind.ITEM, figure, "label")
                    add(block, figure.qualifier, Kind.ITEM, figure, "qualifier")
                    add(block, figure.note, Kind.ITEM, figure, "note")
                for event in node.events:
                    block = f"開催実績（{event.when}）"
                    add(block, event.title, Kind.TITLE, event, "title")
                    add(block, event.venue, Kind.ITEM, event, "venue")
                    add(block, event.cohosts, Kind.ITEM, event, "cohosts")
                    add(block, event.description, Kind.PROSE, event, "description")
                for note in node.notes:
                    add("注記", note.text, Kind.PROSE, note, "text")
                for block in node.text_blocks:
                    add("文章", block.text, Kind.PROSE, block, "text")
                for table in node.free_tables:
                    add(
                        f"表「{table.caption}」（表題）",
                        table.caption,
                        Kind.TITLE,
                        table,
                        "caption",
                    )
                    tables.append(
                        Table(
                            f"{here}{SEPARATOR}表「{table.caption}」",
                            table.caption,
                            table.unit,
                            [str(c.get("label", "")) for c in table.columns],
                            [
                                ["" if cell is None else str(cell) for cell in row]
                                for row in table.rows
                            ],
                            node=item.pk,
                            source=_source(table, "rows"),
                        )
                    )
                for contract, _notes in node.contract_rows:
                    add("契約（名称）", contract.title, Kind.NAME, contract, "title")
                    add("契約（注記）", contract.notes, Kind.PROSE, contract, "notes")
                for stored, table in zip(node.tables, node.settlement_tables, strict=True):
                    tables.append(
                        Table(
                            f"{here}{SEPARATOR}表「{table.caption}」",
                            table.caption,
                            table.unit_label,
                            ["", *table.headers],
                            [[label, *cells] for label, cells in table.rows],
                            by_row=True,
                            node=item.pk,
                            source=_source(stored, "amounts"),
                        )
                    )
                for award_table in node.award_tables:
                    for award in award_table.awards:
                        add("採択事業（事業名称）", award.title, Kind.NAME, award, "title")
                    tables.append(
                        Table(
                            f"{here}{SEPARATOR}採択事業の表",
                            award_table.table.programme.name,
                            award_table.unit_label,
                            ["市町村名", "事業名称", "補助額", "総事業費"],
                            [list(row) for row in award_table.rows]
                            + [["合計", "", *award_table.total]],
                            node=item.pk,
                            source=_source(award_table.table, "awards"),
                        )
                    )
    return document


def config() -> Config:
    return Config(
        max_sentence_length=getattr(settings, "PROOFREADING_MAX_SENTENCE_LENGTH", 120),
    )


def proofread(report: Report, rules=None, tree=None) -> tuple[Document, list[Finding]]:
    document = document_for(report, tree)
    return document, run_rules(document, RULES if rules is None else rules, config())


@transaction.atomic
def apply_fixes(
    report: Report, document: Document, findings: list[Finding], user=None
) -> list[Source]:
    """Write the fixes of ``findings`` to the texts they change, one save per record.

    A text whose stored value is no longer the one checked is left alone (someone saved it in
    between); the fixes of the other texts, even of the same record, are applied. Returns the
    changed sources."""
    changes = fixed_values(document, findings)
    rules_by_text: dict[int, set[str]] = {}
    for finding in findings:
        for edit in finding.edits:
            rules_by_text.setdefault(edit.text, set()).add(finding.rule)
    by_record: dict[tuple[str, int], dict[str, tuple[str, str, set[str]]]] = {}
    for index, value in changes.items():
        text = document.texts[index]
        source = text.source
        by_record.setdefault((source.model, source.pk), {})[source.field] = (
            text.value,
            value,
            rules_by_text[index],
        )
    changed = []
    for (label, pk), fields in by_record.items():
        model = apps.get_model(label)
        obj = model.objects.select_for_update().get(pk=pk)
        fields = {name: f for name, f in fields.items() if getattr(obj, name) == f[0]}
        if not fields:
            continue
        for name, (_, new, _) in fields.items():
            setattr(obj, name, new)
        rule_ids = sorted(set().union(*(r for _, _, r in fields.values())))
        obj._change_reason = f"表記チェックの修正（{'、'.join(rule_ids)}）"[:100]
        if user is not None:
            obj._history_user = user
        obj.save(update_fields=list(fields))
        changed += [Source(label, pk, name) for name in fields]
    if changed:
        touch_report(report, user)
    return changed


SUBMISSION_SHOWN = 5


def submission_refusal(report: Report, user) -> list[str]:
    """Why ``report`` may not go to 確認依頼: its error-level findings, each with its place, what
    is wrong and the fix (the ``SUBMISSION_CHECKS`` setting names this function)."""
    _, findings = proofread(report)
    errors = [f for f in findings if f.severity == Severity.ERROR]
    if not errors:
        return []
    names = {r.id: r.name for r in RULES}
    fixable = sum(f.fixable for f in errors)
    how = "報告書の「表記チェック」の画面で確かめてください。"
    if fixable:
        how = (
            "報告書の「表記チェック」の画面で、修正案のあるもの"
            f"（{fixable}件）はボタンひとつで直せます。"
        )
    reasons = [
        f"表記チェックでエラーが{len(errors)}件あります。直してから確認依頼を出してください。{how}"
    ]
    for f in errors[:SUBMISSION_SHOWN]:
        fix = f"修正案「{f.suggestion}」" if f.fixable else f.suggestion
        reasons.append(f"{names[f.rule]}：{f.place}「{f.excerpt}」　{f.message}　{fix}".rstrip())
    if len(errors) > SUBMISSION_SHOWN:
        reasons.append(f"ほか{len(errors) - SUBMISSION_SHOWN}件のエラーがあります。")
    return reasons
