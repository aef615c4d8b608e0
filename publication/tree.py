"""Load a whole report for rendering in a fixed number of queries, and shape it for templates."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from budgets.models import (
    AmountKind,
    AwardTable,
    Contract,
    FormerVendorName,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
)
from organisation import notation
from organisation.models import Unit
from programs.models import (
    DEFAULT_STYLES,
    ColumnType,
    Event,
    Fact,
    Figure,
    FreeTable,
    Initiative,
    MarkerStyle,
    Note,
    TextBlock,
    parse_cell,
)
from reports.models import Report, Section

ENCLOSED_DIGITS = "".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(
    chr(c) for c in range(0x3251, 0x3260)
)


def marker_for(style: str, number: int) -> str:
    """The generated marker of the ``number``-th sibling of a style: １, (1), 〇, ①, ・."""
    if style == MarkerStyle.NUMERAL:
        return notation.jnum(number)
    if style == MarkerStyle.PAREN:
        return f"({number})"
    if style == MarkerStyle.CIRCLE:
        return "〇"
    if style == MarkerStyle.ENCLOSED:
        return ENCLOSED_DIGITS[number - 1] if number <= len(ENCLOSED_DIGITS) else f"({number})"
    if style == MarkerStyle.BULLET:
        return "・"
    return ""


@dataclass
class Block:
    kind: str  # "p", "list" or "note"
    lines: list[str]


def text_blocks(text: str) -> list[Block]:
    """Split plain text as editors type it: blank line = paragraph, ・ = list item, ※ = note."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush():
        if paragraph:
            blocks.append(Block("p", paragraph.copy()))
            paragraph.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip(" \t")
        if not line.strip():
            flush()
        elif line.startswith("・"):
            flush()
            item = line[1:].strip(" \u3000")
            if blocks and blocks[-1].kind == "list":
                blocks[-1].lines.append(item)
            else:
                blocks.append(Block("list", [item]))
        elif line.startswith("※"):
            flush()
            blocks.append(Block("note", [line[1:]]))
        else:
            paragraph.append(line)
    flush()
    return blocks


def plain_number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return notation.comma(int(value))
    return notation.comma(value.normalize())


@dataclass
class Column:
    header: str
    cells: list[str]


@dataclass
class AmountTable:
    caption: str
    unit_label: str
    headers: list[str]
    rows: list[tuple[str, list[str]]]
    note: str = ""


def settlement_table(table: SettlementTable, report_year: int) -> AmountTable:
    """Columns: the report's year and the years before it that have an amount; 前年度比 below."""
    by_key = {(a.fiscal_year.year, a.kind): a for a in table.amount_list}
    kinds = [AmountKind.BUDGET, AmountKind.SETTLEMENT] if table.kind == "both" else [table.kind]
    years = [
        y
        for y in range(report_year - table.years + 1, report_year + 1)
        if any((y, k) in by_key for k in kinds)
    ]
    headers = []
    for year in years:
        labels = {by_key[(year, k)].period_label for k in kinds if (year, k) in by_key}
        period = next(iter(labels - {""}), "")
        headers.append(notation.fiscal_year_label(year) + (f"（{period}）" if period else ""))
    rows = []
    typed_in_other_unit = False
    for kind in kinds:
        cells = []
        for y in years:
            amount = by_key.get((y, kind))
            if amount is None:
                cells.append("－")
                continue
            cell, exact = _amount_in(amount, table.unit)
            typed_in_other_unit |= not exact
            cells.append(cell)
        rows.append((AmountKind(kind).label, cells))
    settlement_kind = AmountKind.SETTLEMENT if AmountKind.SETTLEMENT in kinds else kinds[0]
    ratios = []
    for year in years:
        current, previous = (
            by_key.get((year, settlement_kind)),
            by_key.get((year - 1, settlement_kind)),
        )
        ratios.append(
            notation.year_on_year(current.yen, previous.yen)
            if current and previous and not current.period_label and not previous.period_label
            else notation.NO_VALUE
        )
    if any(r != notation.NO_VALUE for r in ratios):
        rows.append(("前年度比", ratios))
    unit_label = "千円" if table.unit == Unit.THOUSAND_YEN else "円"
    note = "単位の違う金額は、入力された単位のまま表示しています。" if typed_in_other_unit else ""
    return AmountTable(table.item.name, unit_label, headers, rows, note)


def _amount_in(amount: SettlementAmount, unit: str) -> tuple[str, bool]:
    """An amount in the table's ``unit`` when that is exact; otherwise as it was typed, with its
    own unit (5,318千円 is never shown as 5,318,000円, nor 1,500円 as 2千円)."""
    if amount.unit == unit == Unit.YEN:
        return notation.yen(amount.amount), True
    if amount.unit == unit:
        return notation.comma(amount.amount), True
    if unit == Unit.YEN:
        return amount.display, False
    if amount.amount % 1000 == 0:
        return notation.comma(amount.amount // 1000), True
    return amount.display, False


@dataclass
class AwardRows:
    table: AwardTable
    awards: list[SubsidyAward]
    unit_label: str
    rows: list[tuple[str, str, str, str]]
    total: tuple[str, str]


def award_rows(table: AwardTable, awards: list[SubsidyAward]) -> AwardRows:
    rows = [
        (
            "・".join(m.name for m in award.municipality_list),
            award.title,
            _plain_money(award.subsidy, table.unit),
            _plain_money(award.total_cost, table.unit),
        )
        for award in awards
    ]
    total = (
        _plain_money(sum(a.subsidy for a in awards), table.unit),
        _plain_money(sum(a.total_cost for a in awards), table.unit),
    )
    unit_label = "千円" if table.unit == Unit.THOUSAND_YEN else "円"
    return AwardRows(table, awards, unit_label, rows, total)


def _plain_money(amount: int, unit: str) -> str:
    return notation.thousand_yen(amount) if unit == Unit.THOUSAND_YEN else notation.comma(amount)


def contract_notes(contract: Contract) -> list[str]:
    """Notes under a contract table: the vendor's renames during the contract, then its notes."""
    notes = [
        f"「{former.name}」は{notation.japanese_date(former.renamed_on)}より"
        f"「{contract.vendor.name}」へ改名"
        for former in contract.vendor.former_name_list
        if former.renamed_on > contract.starts_on
    ]
    notes += [line.lstrip("※") for line in contract.notes.splitlines() if line.strip()]
    return notes


@dataclass
class FreeTableView:
    table: FreeTable
    headers: list[tuple[str, str]]  # (label, type)
    rows: list[list[tuple[str, bool]]]  # (cell text, is numeric)


def free_table(table: FreeTable) -> FreeTableView:
    """Cells as the reader sees them: amounts and numbers with separators, dates in 和暦."""
    columns = [(c.get("label", ""), c.get("type", ColumnType.TEXT)) for c in table.columns]
    rows = []
    for raw_row in table.rows:
        cells = []
        for (_, kind), raw in zip(columns, [*raw_row, *[""] * len(columns)], strict=False):
            raw = str(raw)
            try:
                value = parse_cell(kind, raw)
            except ValueError:
                cells.append((raw, False))
                continue
            if kind == ColumnType.DATE and value:
                cells.append((notation.japanese_date(value), False))
            elif kind in (ColumnType.NUMBER, ColumnType.AMOUNT) and value != "":
                cells.append((plain_number(value), True))
            else:
                cells.append((value, False))
        rows.append(cells)
    return FreeTableView(table, columns, rows)


# The kinds of blocks, in the order the renderer showed them before blocks had one order:
# rows with the same order keep that order between kinds.
BLOCK_KINDS = (
    "text",
    "facts",
    "figures",
    "events",
    "settlement",
    "contracts",
    "awards",
    "notes",
    "free",
)


@dataclass
class Piece:
    """Consecutive blocks of one kind, shown together (facts as one list, contracts as one
    table); ``shown`` holds what the template renders for each row of ``rows``."""

    kind: str
    rows: list
    shown: list

    @property
    def contract_notes(self) -> list[str]:
        return (
            [note for _, notes in self.shown for note in notes] if self.kind == "contracts" else []
        )


def merge_blocks(entries: list[tuple[str, object, object]], merge: bool = True) -> list[Piece]:
    """``entries`` are (kind, row, shown); one sequence by (order, kind, id), consecutive rows of
    a kind in one piece (each row its own piece when ``merge`` is False, as the editor wants)."""
    entries = sorted(entries, key=lambda e: (e[1].order, BLOCK_KINDS.index(e[0]), e[1].pk))
    pieces: list[Piece] = []
    for kind, row, shown in entries:
        if merge and pieces and pieces[-1].kind == kind:
            pieces[-1].rows.append(row)
            pieces[-1].shown.append(shown)
        else:
            pieces.append(Piece(kind, [row], [shown]))
    return pieces


@dataclass
class Node:
    initiative: Initiative
    depth: int
    style: str
    marker: str
    blocks: list[Block]
    pieces: list[Piece] = field(default_factory=list)
    text_blocks: list[TextBlock] = field(default_factory=list)
    free_tables: list[FreeTable] = field(default_factory=list)
    tables: list[SettlementTable] = field(default_factory=list)
    settlement_tables: list[AmountTable] = field(default_factory=list)
    award_tables: list[AwardRows] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)
    facts: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    events: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    contract_rows: list = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"i{self.initiative.pk}"

    @property
    def heading_level(self) -> int:
        return min(3 + self.depth, 6)

    @property
    def heading(self) -> str:
        i = self.initiative
        return "　".join(p for p in (self.marker, ("【新規】" if i.is_new else "") + i.title) if p)

    @property
    def has_heading(self) -> bool:
        return bool(self.initiative.title)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class SectionTree:
    section: Section
    nodes: list[Node]

    @property
    def anchor(self) -> str:
        return f"s{self.section.pk}"


@dataclass
class ReportTree:
    report: Report
    sections: list[SectionTree]

    def nodes(self):
        for section in self.sections:
            for node in section.nodes:
                yield from node.walk()


def _grouped(queryset, key: str = "initiative_id") -> dict[int, list]:
    groups = defaultdict(list)
    for row in queryset:
        groups[getattr(row, key)].append(row)
    return groups


def load_report(report: Report, merge: bool = True) -> ReportTree:
    """Build the whole tree of ``report`` in a fixed number of queries, whatever its size.

    Each kind of row is read once for the whole report and grouped in Python; per-row related
    managers (prefetch_related) cost more than the queries they save here. ``merge=False``
    keeps every block its own piece (the editor puts its buttons beside each)."""
    year = report.fiscal_year.year
    in_report = {"initiative__section__report": report}
    sections = list(report.sections.all())
    initiatives = list(Initiative.objects.filter(section__report=report).order_by("order", "id"))
    facts = _grouped(Fact.objects.filter(**in_report))
    figures = _grouped(Figure.objects.filter(**in_report))
    events = _grouped(Event.objects.filter(**in_report))
    notes = _grouped(Note.objects.filter(**in_report))
    texts = _grouped(TextBlock.objects.filter(**in_report))
    free_tables = _grouped(FreeTable.objects.filter(**in_report))
    tables = SettlementTable.objects.filter(**in_report).select_related("item")
    amounts = _grouped(
        SettlementAmount.objects.filter(
            item__in=tables.values("item_id"), fiscal_year__year__lte=year
        ).select_related("fiscal_year"),
        "item_id",
    )
    tables = _grouped(tables)
    contracts = Contract.objects.filter(**in_report).select_related("vendor")
    former_names = _grouped(
        FormerVendorName.objects.filter(vendor__in=contracts.values("vendor_id")), "vendor_id"
    )
    contracts = _grouped(contracts)
    award_tables = list(
        AwardTable.objects.filter(**in_report).select_related("programme", "fiscal_year")
    )
    awards = _awards_for(award_tables)

    def build(items: list[Initiative], depth: int) -> list[Node]:
        counts: dict[str, int] = defaultdict(int)
        nodes = []
        for item in items:
            style = item.marker_style
            if style == MarkerStyle.AUTO:
                style = DEFAULT_STYLES[min(depth, len(DEFAULT_STYLES) - 1)]
            counts[style] += 1
            item_tables = tables.get(item.pk, [])
            for table in item_tables:
                table.amount_list = amounts.get(table.item_id, [])
            item_contracts = contracts.get(item.pk, [])
            for contract in item_contracts:
                contract.vendor.former_name_list = former_names.get(contract.vendor_id, [])
            node = Node(
                initiative=item,
                depth=depth,
                style=style,
                marker=marker_for(style, counts[style]),
                blocks=text_blocks(item.body),
                tables=item_tables,
                settlement_tables=[settlement_table(t, year) for t in item_tables],
                award_tables=[
                    award_rows(t, awards.get((t.programme_id, t.fiscal_year_id), []))
                    for t in award_tables
                    if t.initiative_id == item.pk
                ],
                facts=facts.get(item.pk, []),
                figures=figures.get(item.pk, []),
                events=events.get(item.pk, []),
                notes=notes.get(item.pk, []),
                contract_rows=[(c, contract_notes(c)) for c in item_contracts],
                text_blocks=texts.get(item.pk, []),
                free_tables=free_tables.get(item.pk, []),
                children=build(children[item.pk], depth + 1),
            )
            node.pieces = merge_blocks(
                [("text", t, text_blocks(t.text)) for t in node.text_blocks]
                + [("facts", f, f) for f in node.facts]
                + [("figures", f, f) for f in node.figures]
                + [("events", e, e) for e in node.events]
                + [
                    ("settlement", t, shown)
                    for t, shown in zip(item_tables, node.settlement_tables, strict=True)
                ]
                + [("contracts", c, (c, notes)) for c, notes in node.contract_rows]
                + [("awards", rows.table, rows) for rows in node.award_tables]
                + [("notes", n, n) for n in node.notes]
                + [("free", t, free_table(t)) for t in node.free_tables],
                merge,
            )
            nodes.append(node)
        return nodes

    children = defaultdict(list)
    for initiative in initiatives:
        children[initiative.parent_id].append(initiative)
    top_level = defaultdict(list)
    for initiative in children[None]:
        top_level[initiative.section_id].append(initiative)
    return ReportTree(report, [SectionTree(s, build(top_level[s.pk], 0)) for s in sections])


def _awards_for(tables: list[AwardTable]) -> dict[tuple[int, int], list[SubsidyAward]]:
    if not tables:
        return {}
    awards = list(
        SubsidyAward.objects.filter(
            programme__in={t.programme_id for t in tables},
            fiscal_year__in={t.fiscal_year_id for t in tables},
        ).order_by("order", "id")
    )
    through = SubsidyAward.municipalities.through
    places = _grouped(
        through.objects.filter(subsidyaward__in=[a.pk for a in awards])
        .select_related("municipality")
        .order_by("id"),
        "subsidyaward_id",
    )
    grouped = defaultdict(list)
    for award in awards:
        award.municipality_list = [link.municipality for link in places.get(award.pk, [])]
        grouped[(award.programme_id, award.fiscal_year_id)].append(award)
    return grouped


def get_report(year: int, slug: str, queryset=None) -> Report:
    queryset = queryset if queryset is not None else Report.objects.all()
    return queryset.select_related("fiscal_year", "division__department").get(
        fiscal_year__year=year, division__slug=slug
    )
