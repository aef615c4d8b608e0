"""年度更新: next year's draft report, started from a division's latest report."""

from django.db import transaction

from budgets.models import Contract, SettlementTable
from organisation.models import FiscalYear
from programs.models import Fact, FreeTable, Initiative, Note, TextBlock
from reports.models import Report, Section

# What next year's report starts from. Events, figures and subsidy awards belong to their year.
CARRIED = (Fact, Note, TextBlock, FreeTable, SettlementTable, Contract)


def _copy(row, initiative):
    """An unsaved copy of ``row`` under ``initiative``: every stored value but its id."""
    values = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.name not in ("id", "initiative")
    }
    return type(row)(initiative=initiative, **values)


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
        fiscal_year=next_year,
        division=report.division,
        last_edited_by=user,
        # Next year's report is written the way this one was; only its date is its own.
        document_name=report.document_name,
        office=report.office,
        unit_below_group=report.unit_below_group,
        marker_set=report.marker_set,
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
    for model in CARRIED:
        rows = model.objects.filter(initiative_id__in=old_ids)
        if model is Contract:  # only contracts still running next year
            rows = rows.filter(ends_on__gte=next_year.starts_on)
        model.objects.bulk_create(_copy(row, new_ids[row.initiative_id]) for row in rows)
    return new
