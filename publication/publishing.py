"""Freezing a published edition: its HTML, its data, and the rows public pages read."""

from django.db import transaction
from django.utils import timezone

from publication.models import (
    Edition,
    PublishedAmount,
    PublishedAward,
    PublishedContract,
    PublishedEvent,
    SearchEntry,
)
from publication.pdf import render_edition_pdf
from publication.rendering import body_html, normalize
from publication.serializers import report_data
from publication.tree import ReportTree, load_report
from reports.models import Report


def _node_text(node) -> str:
    parts = [node.initiative.body]
    parts += [f"{f.label}：{f.value}" for f in node.facts]
    parts += [f.display for f in node.figures]
    parts += [
        " ".join(filter(None, [e.title, e.venue, e.cohosts, e.description])) for e in node.events
    ]
    parts += [t.caption for t in node.settlement_tables]
    parts += [f"{c.title} {c.vendor.name}" for c, _ in node.contract_rows]
    parts += [row[0] + " " + row[1] for table in node.award_tables for row in table.rows]
    parts += [n.text for n in node.notes]
    parts += [t.text for t in node.text_blocks]
    parts += [t.caption for t in node.free_tables]
    return "\n".join(p for p in parts if p)


def _snapshot(edition: Edition, tree: ReportTree) -> None:
    amounts, contracts, events, entries = [], [], [], []
    awards, seen = [], set()
    for order, node in enumerate(tree.nodes()):
        i = node.initiative
        for table in node.tables:
            amounts += [
                PublishedAmount(
                    edition=edition,
                    item_code=table.item.code,
                    item_name=table.item.name,
                    item_qualifier=table.item.qualifier,
                    fiscal_year=a.fiscal_year.year,
                    kind=a.kind,
                    amount=a.amount,
                    unit=a.unit,
                    period_label=a.period_label,
                    anchor=node.anchor,
                )
                for a in table.amount_list
                if a.fiscal_year.year > tree.report.fiscal_year.year - table.years
            ]
        contracts += [
            PublishedContract(
                edition=edition,
                vendor=c.vendor,
                title=c.title,
                vendor_name=c.vendor.name,
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                amount=c.amount,
                tax_included=c.tax_included,
                anchor=node.anchor,
            )
            for c, _ in node.contract_rows
        ]
        events += [
            PublishedEvent(
                edition=edition,
                heading=i.title,
                title=e.title,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                venue=e.venue,
                organisations=e.organisations,
                participants=e.participants,
                cohosts=e.cohosts,
                anchor=node.anchor,
            )
            for e in node.events
        ]
        for table in node.award_tables:
            # An award shown in two tables of the report is still one award.
            awards += [(node.anchor, table.table, a) for a in table.awards if a.pk not in seen]
            seen.update(a.pk for a in table.awards)
        text = _node_text(node)
        if i.title or text:
            entries.append(
                SearchEntry(
                    edition=edition,
                    anchor=node.anchor,
                    heading=node.heading,
                    text=text,
                    normalized=normalize(f"{node.heading}\n{text}"),
                    order=order,
                )
            )
    PublishedAmount.objects.bulk_create(amounts)
    PublishedContract.objects.bulk_create(contracts)
    PublishedEvent.objects.bulk_create(events)
    SearchEntry.objects.bulk_create(entries)
    created = PublishedAward.objects.bulk_create(
        [
            PublishedAward(
                edition=edition,
                programme=table.programme,
                programme_name=table.programme.name,
                fiscal_year=table.fiscal_year.year,
                title=award.title,
                subsidy=award.subsidy,
                total_cost=award.total_cost,
                order=n,
                anchor=anchor,
            )
            for n, (anchor, table, award) in enumerate(awards)
        ]
    )
    through = PublishedAward.municipalities.through
    through.objects.bulk_create(
        [
            through(publishedaward_id=published.pk, municipality_id=m.pk)
            for published, (_, _, award) in zip(created, awards, strict=True)
            for m in award.municipality_list
        ]
    )


@transaction.atomic
def freeze_edition(report: Report, approver=None, change_note: str = "") -> Edition:
    """Publish the report's current content as its next edition and queue its PDF."""
    tree = load_report(report)
    previous = report.editions.order_by("-number").first()
    report.editions.filter(is_current=True).update(is_current=False)
    edition = Edition.objects.create(
        report=report,
        number=(previous.number + 1) if previous else 1,
        published_at=timezone.now(),
        approver=approver,
        change_note=change_note,
        html=body_html(report, tree),
        data=report_data(tree),
    )
    _snapshot(edition, tree)
    render_edition_pdf.enqueue(edition.pk)
    return edition
