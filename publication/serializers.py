"""The machine-readable form of a report: ISO dates, half-width digits, 西暦 beside 和暦."""

from decimal import Decimal

from organisation import notation
from organisation.models import Unit
from publication.tree import Node, ReportTree


def _year(year: int) -> dict:
    return {"year": year, "label": notation.fiscal_year_label(year)}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _node(node: Node) -> dict:
    i = node.initiative
    return {
        "marker": node.marker,
        "title": i.title,
        "is_new": i.is_new,
        "body": i.body,
        "facts": [{"label": f.label, "value": f.value} for f in node.facts],
        "figures": [
            {
                "label": f.label,
                "qualifier": f.qualifier,
                "value": _number(f.value),
                "unit": f.unit,
                "approximate": f.is_approximate,
                "note": f.note,
            }
            for f in node.figures
        ],
        "events": [
            {
                "title": e.title,
                "starts_on": e.starts_on.isoformat(),
                "ends_on": e.ends_on.isoformat() if e.ends_on else None,
                "venue": e.venue,
                "organisations": e.organisations,
                "participants": e.participants,
                "cohosts": e.cohosts,
                "description": e.description,
            }
            for e in node.events
        ],
        "settlement_tables": [
            {
                "item_code": t.item.code,
                "item_name": t.item.name,
                "item_qualifier": t.item.qualifier,
                "amounts": [
                    {
                        "fiscal_year": _year(a.fiscal_year.year),
                        "kind": a.kind,
                        # As typed: 5,318 in 千円 is not 5,318,000 yen.
                        "amount": a.amount,
                        "unit": Unit(a.unit).label,
                        "amount_yen": a.amount if a.unit == Unit.YEN else None,
                        "period_label": a.period_label,
                    }
                    for a in sorted(t.amount_list, key=lambda a: (a.fiscal_year.year, a.kind))
                ],
            }
            for t in node.tables
        ],
        "contracts": [
            {
                "title": c.title,
                "vendor": c.vendor.name,
                "vendor_former_names": [
                    {"name": f.name, "renamed_on": f.renamed_on.isoformat()}
                    for f in c.vendor.former_name_list
                ],
                "starts": c.starts_on.strftime("%Y-%m"),
                "ends": c.ends_on.strftime("%Y-%m"),
                "amount_yen": c.amount,
                "tax_included": c.tax_included,
                "notes": c.notes,
            }
            for c, _ in node.contract_rows
        ],
        "subsidy_awards": [
            {
                "programme": rows.table.programme.name,
                "fiscal_year": _year(rows.table.fiscal_year.year),
                "awards": [
                    {
                        "municipalities": [
                            {"code": m.code, "name": m.name} for m in award.municipality_list
                        ],
                        "title": award.title,
                        "subsidy_yen": award.subsidy,
                        "total_cost_yen": award.total_cost,
                    }
                    for award in rows.awards
                ],
            }
            for rows in node.award_tables
        ],
        "notes": [n.text for n in node.notes],
        "text_blocks": [t.text for t in node.text_blocks],
        "free_tables": [
            {"caption": t.caption, "unit": t.unit, "columns": t.columns, "rows": t.rows}
            for t in node.free_tables
        ],
        "block_order": [piece.kind for piece in node.pieces],
        "children": [_node(child) for child in node.children],
    }


def report_data(tree: ReportTree) -> dict:
    report = tree.report
    return {
        "fiscal_year": _year(report.fiscal_year.year),
        "department": {
            "name": report.division.department.name,
            "slug": report.division.department.slug,
        },
        "division": {"name": report.division.name, "slug": report.division.slug},
        "title": report.title,
        "sections": [
            {"name": s.section.name, "initiatives": [_node(n) for n in s.nodes]}
            for s in tree.sections
        ],
    }
