"""年度更新: next year's draft report, started from a division's latest report."""

from django.db import transaction

from budgets.models import Contract, SettlementTable
from organisation.models import FiscalYear
from programs.models import Fact, FreeTable, Initiative, Note, TextBlock
from reports.models import Report, Section


@transaction.atomic
def copy_forward(report: Report, user) -> Report | None:
    """Copy groups, the initiative tree, texts (bodies and text blocks), facts, notes, free
    tables, running contracts and settlement tables (still linked to the same expenditure items)
    into a draft for the next fiscal year.
    Events, figures and subsidy awards belong to their year and are not copied.
    Returns None when the division already has a report for that year."""
    next_year, _ = FiscalYear.objects.get_or_create(year=report.fiscal_year.year + 1)
    if Report.objects.filter(division=report.division, fiscal_year=next_year).exists():
        return None
    new = Report.objects.create(
        fiscal_year=next_year, division=report.division, last_edited_by=user
    )
    initiatives = list(
        Initiative.objects.filter(section__report=report).order_by("parent_id", "order", "id")
    )
    new_ids: dict[int, Initiative] = {}
    for section in report.sections.all():
        copy = Section.objects.create(report=new, name=section.name, order=section.order)
        pending = [i for i in initiatives if i.section_id == section.pk]
        # Parents before children: repeat until every node found its parent's copy.
        while pending:
            waiting = []
            for item in pending:
                if item.parent_id and item.parent_id not in new_ids:
                    waiting.append(item)
                    continue
                new_ids[item.pk] = Initiative.objects.create(
                    section=copy,
                    parent=new_ids.get(item.parent_id),
                    order=item.order,
                    marker_style=item.marker_style,
                    is_new=False,
                    title=item.title,
                    body=item.body,
                )
            if len(waiting) == len(pending):
                break
            pending = waiting
    old_ids = list(new_ids)
    Fact.objects.bulk_create(
        Fact(initiative=new_ids[f.initiative_id], label=f.label, value=f.value, order=f.order)
        for f in Fact.objects.filter(initiative_id__in=old_ids)
    )
    Note.objects.bulk_create(
        Note(initiative=new_ids[n.initiative_id], text=n.text, order=n.order)
        for n in Note.objects.filter(initiative_id__in=old_ids)
    )
    TextBlock.objects.bulk_create(
        TextBlock(initiative=new_ids[t.initiative_id], text=t.text, order=t.order)
        for t in TextBlock.objects.filter(initiative_id__in=old_ids)
    )
    FreeTable.objects.bulk_create(
        FreeTable(
            initiative=new_ids[t.initiative_id],
            caption=t.caption,
            unit=t.unit,
            columns=t.columns,
            rows=t.rows,
            order=t.order,
        )
        for t in FreeTable.objects.filter(initiative_id__in=old_ids)
    )
    SettlementTable.objects.bulk_create(
        SettlementTable(
            initiative=new_ids[t.initiative_id],
            item_id=t.item_id,
            kind=t.kind,
            unit=t.unit,
            years=t.years,
            order=t.order,
        )
        for t in SettlementTable.objects.filter(initiative_id__in=old_ids)
    )
    Contract.objects.bulk_create(
        Contract(
            initiative=new_ids[c.initiative_id],
            title=c.title,
            vendor_id=c.vendor_id,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            amount=c.amount,
            tax_included=c.tax_included,
            notes=c.notes,
            order=c.order,
        )
        for c in Contract.objects.filter(
            initiative_id__in=old_ids, ends_on__gte=next_year.starts_on
        )
    )
    return new
