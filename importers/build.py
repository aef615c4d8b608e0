"""Write a ``ParsedReport`` as a draft report with the models, all or nothing.

This is the only module of the importer that touches models. An initiative's blocks keep the
document's order: text before any other block is the initiative's lead text (``body``); every
later block is a row (fact, figure, event, note, amount table, contract, award table, text
block, free table) numbered in one order per initiative, as the page merges them.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from budgets.models import (
    AwardTable,
    Contract,
    ExpenditureItem,
    FormerVendorName,
    Municipality,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
)
from importers import document as doc
from importers.document import ImportRefused
from importers.notation import nfkc
from organisation.models import FiscalYear, Unit
from programs.models import (
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
from reports.conventions import DEFAULT_DOCUMENT_NAME, DEFAULT_MARKER_SET, Markers
from reports.models import Report, Section

STYLE_OF_KIND = {
    "numeral": MarkerStyle.NUMERAL,
    "paren": MarkerStyle.PAREN,
    "circle": MarkerStyle.CIRCLE,
    "black_circle": MarkerStyle.CIRCLE,
    "enclosed": MarkerStyle.ENCLOSED,
    "bullet": MarkerStyle.BULLET,
    "katakana": MarkerStyle.KANA,
    "paren_katakana": MarkerStyle.PAREN_KANA,
}

# What each parsed block becomes; "body" is the initiative's lead text, "text" a text block.
TEXT_KINDS = ("paragraph", "list")
TARGET_MODELS = {
    "body": None,
    "text": TextBlock,
    "note": Note,
    "facts": Fact,
    "figure": Figure,
    "event": Event,
    "amounts": SettlementTable,
    "contracts": Contract,
    "awards": AwardTable,
    "table": FreeTable,
}
TARGET_LABELS = {
    target: model._meta.verbose_name if model else "本文" for target, model in TARGET_MODELS.items()
}


def layout(blocks: list) -> list[tuple[str, list]]:
    """``blocks`` as the rows that will hold them, in reading order: (target, blocks).

    Text up to the first other block is the lead (a ※ there too, as editors type it); later
    paragraphs and lists, consecutive ones together, are a text block; a later ※ is a note; any
    other block is placed as itself."""
    placed: list[tuple[str, list]] = []
    lead = True
    for block in blocks:
        if block.kind in TEXT_KINDS or (lead and block.kind == "note"):
            target = "body" if lead else "text"
            if placed and placed[-1][0] == target:
                placed[-1][1].append(block)
            else:
                placed.append((target, [block]))
        else:
            lead = False
            placed.append((block.kind, [block]))
    return placed


def lead_blocks(blocks: list) -> list:
    placed = layout(blocks)
    return placed[0][1] if placed and placed[0][0] == "body" else []


def markers_of(parsed: doc.ParsedReport) -> tuple[Markers, int]:
    """The report's markers and how many levels of units (担当) stand above them."""
    return Markers.of(parsed.marker_set or DEFAULT_MARKER_SET), int(bool(parsed.unit_below_group))


def marker_style(initiative: doc.Initiative, markers: Markers, unit_level: int = 0) -> str:
    """The stored style: ``auto`` where the typed marker is of the kind its depth has in the
    report's marker set (〇 and ○ alike), and for a unit (担当)."""
    if initiative.marker_kind == "unit":
        return MarkerStyle.AUTO
    style = STYLE_OF_KIND.get(initiative.marker_kind, MarkerStyle.NONE)
    depth_kind = markers.at_depth(max(initiative.depth - unit_level, 0)).kind
    return MarkerStyle.AUTO if style == depth_kind else style


def body_text(blocks: list) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "paragraph":
            if lines:
                lines.append("")
            lines.append(block.text)
        elif block.kind == "list":
            lines.extend(f"・{item}" for item in block.items)
        elif block.kind == "note":
            lines.append(f"※{block.text}")
    return "\n".join(lines).strip("\n")


def in_yen(value: int, unit: str) -> int:
    """Awards and caps are kept in yen (the award table converts back to its unit)."""
    return value * 1000 if unit == "thousand" else value


def unit_of(unit: str) -> str:
    return Unit.THOUSAND_YEN if unit == "thousand" else Unit.YEN


def column_type(label: str, cells: list[str]) -> str:
    """A free table column's type from its cells as typed: 金額 where every cell reads as a
    whole number and the heading or a cell says money, 数値 where every cell is a number,
    日付 where every cell is a date, else 文字."""
    filled = [cell for cell in cells if cell.strip()]
    if not filled:
        return ColumnType.TEXT

    def reads_as(kind: str) -> bool:
        try:
            return all(parse_cell(kind, cell) != "" for cell in filled)
        except ValueError:
            return False

    money = re.search(r"金額|額|円|費", label) or any(
        nfkc(c).strip().endswith("円") for c in filled
    )
    if money and reads_as(ColumnType.AMOUNT):
        return ColumnType.AMOUNT
    for kind in (ColumnType.NUMBER, ColumnType.DATE):
        if reads_as(kind):
            return kind
    return ColumnType.TEXT


def free_table_columns(table: doc.FreeTable) -> list[dict]:
    """Typed columns of a free table; a column without a heading is named by its position, as
    the table needs one, and rows longer than the heading row add columns."""
    width = max([len(table.columns), *(len(row) for row in table.rows)])
    labels = [*table.columns, *[""] * (width - len(table.columns))]
    columns = []
    for n, label in enumerate(labels):
        label = " ".join(label.split()) or f"{n + 1}列目"
        cells = [row[n] if n < len(row) else "" for row in table.rows]
        columns.append({"label": label, "type": column_type(label, cells)})
    return columns


@dataclass
class Builder:
    parsed: doc.ParsedReport
    year: int
    division: object
    items_made: int = 0
    fiscal_years: dict = field(default_factory=dict)

    def __post_init__(self):
        self.markers, self.unit_level = markers_of(self.parsed)

    def save(self, obj, where: str = ""):
        """Validate like a form would, then save; a failure refuses the whole import."""
        try:
            obj.full_clean()
        except ValidationError as error:
            messages = "　".join(
                message for messages in error.message_dict.values() for message in messages
            )
            raise ImportRefused(f"{where}{messages}") from None
        obj.save()
        return obj

    def fiscal_year(self, year: int) -> FiscalYear:
        if year not in self.fiscal_years:
            self.fiscal_years[year] = FiscalYear.objects.get_or_create(year=year)[0]
        return self.fiscal_years[year]

    def build(self, replace: bool) -> Report:
        fiscal_year = self.fiscal_year(self.year)
        existing = (
            Report.objects.select_for_update()
            .filter(fiscal_year=fiscal_year, division=self.division)
            .first()
        )
        if existing is not None:
            refusal = replace_refusal(existing, replace)
            if refusal:
                raise ImportRefused(refusal)
            existing.delete()
        parsed = self.parsed
        report = self.save(
            Report(
                fiscal_year=fiscal_year,
                division=self.division,
                document_name=parsed.document_name or DEFAULT_DOCUMENT_NAME,
                office=parsed.office,
                unit_below_group=parsed.unit_below_group,
                marker_set=parsed.marker_set or DEFAULT_MARKER_SET,
                original_published_on=parsed.published_on,
            )
        )
        for order, group in enumerate(self.parsed.groups, start=1):
            section = self.save(
                Section(report=report, name=group.name or "（グループ名なし）", order=order),
                f"グループ「{group.name}」：",
            )
            nodes = list(group.initiatives)
            if group.blocks:
                # Text between a group's name and its first heading: an unmarked initiative.
                nodes.insert(0, doc.Initiative("", "", "none", 0, group.line, blocks=group.blocks))
            for n, node in enumerate(nodes, start=1):
                self.initiative(section, None, node, n)
        return report

    def initiative(self, section, parent, node: doc.Initiative, order: int) -> Initiative:
        where = f"{node.line}行目「{node.title or '（見出しなし）'}」："
        initiative = self.save(
            Initiative(
                section=section,
                parent=parent,
                order=order,
                marker_style=(
                    marker_style(node, self.markers, self.unit_level)
                    if node.marker_kind != "none"
                    else MarkerStyle.NONE
                ),
                is_new=node.is_new,
                title=node.title,
                body=body_text(lead_blocks(node.blocks)),
            ),
            where,
        )
        self.place(initiative, node, where)
        for n, child_node in enumerate(node.children, start=1):
            self.initiative(section, initiative, child_node, n)
        return initiative

    def place(self, initiative, node: doc.Initiative, where: str) -> None:
        """Every block after the lead text, in the document's order: one order for all rows."""
        position = 0

        def order() -> int:
            nonlocal position
            position += 1
            return position

        for target, blocks in layout(node.blocks):
            block = blocks[0]
            at = f"{block.line}行目：" if block.line else where
            if target == "body":
                continue
            if target == "text":
                self.save(
                    TextBlock(initiative=initiative, text=body_text(blocks), order=order()), at
                )
            elif target == "facts":
                for label, value in block.pairs:
                    self.save(
                        Fact(initiative=initiative, label=label, value=value, order=order()), at
                    )
            elif target == "figure":
                self.save(
                    Figure(
                        initiative=initiative,
                        label=block.label,
                        qualifier=block.qualifier,
                        value=Decimal(block.value),
                        unit=block.unit,
                        is_approximate=block.approximate,
                        note=block.note,
                        order=order(),
                    ),
                    at,
                )
            elif target == "event":
                self.save(
                    Event(
                        initiative=initiative,
                        title=block.title,
                        starts_on=block.starts_on,
                        ends_on=block.ends_on,
                        venue=block.venue,
                        organisations=block.organisations,
                        participants=block.participants,
                        cohosts=block.cohosts,
                        description=block.description,
                        order=order(),
                    ),
                    at,
                )
            elif target == "note":
                self.save(Note(initiative=initiative, text=block.text, order=order()), at)
            elif target == "amounts":
                self.amount_table(initiative, block, order(), at)
            elif target == "contracts":
                self.contracts(initiative, block, order, at)
            elif target == "awards":
                self.awards(initiative, block, order(), at)
            elif target == "table":
                self.save(
                    FreeTable(
                        initiative=initiative,
                        caption=free_table_caption(block, node),
                        unit=block.unit[: FreeTable._meta.get_field("unit").max_length],
                        columns=free_table_columns(block),
                        rows=[[cell for cell in row] for row in block.rows],
                        order=order(),
                    ),
                    at,
                )

    def amount_table(self, initiative, block: doc.AmountTable, order: int, at: str) -> None:
        self.items_made += 1
        code = f"{self.division.slug[:40]}-{self.year}-{self.items_made:02d}"
        item, created = ExpenditureItem.objects.get_or_create(
            code=code,
            defaults={
                "division": self.division,
                "name": block.item,
                "qualifier": block.qualifier,
            },
        )
        if created:
            self.save(item, at)
        elif item.division_id != self.division.pk:
            raise ImportRefused(f"{at}費目コード {code} は他の課で使われています。")
        else:
            item.name, item.qualifier = block.item, block.qualifier
            self.save(item, at)
        for amount in block.amounts:
            SettlementAmount.objects.filter(
                item=item, fiscal_year=self.fiscal_year(amount.year), kind=amount.kind
            ).delete()
            self.save(
                SettlementAmount(
                    item=item,
                    fiscal_year=self.fiscal_year(amount.year),
                    kind=amount.kind,
                    # As the document states it: 5,318 千円 stays 5318 in 千円.
                    amount=amount.value,
                    unit=unit_of(amount.unit),
                    period_label=amount.period_label,
                ),
                at,
            )
        kinds = block.kinds
        years = [a.year for a in block.amounts]
        self.save(
            SettlementTable(
                initiative=initiative,
                item=item,
                kind=kinds[0] if len(kinds) == 1 else "both",
                unit=unit_of(block.unit),
                years=max(3, self.year - min(years) + 1),
                order=order,
            ),
            at,
        )

    def contracts(self, initiative, block: doc.ContractTable, order, at: str) -> None:
        for rename in block.renames:
            vendor = Vendor.objects.get_or_create(name=rename.current)[0]
            FormerVendorName.objects.get_or_create(
                vendor=vendor, name=rename.former, renamed_on=rename.renamed_on
            )
        for n, row in enumerate(block.rows, start=1):
            vendor = Vendor.objects.get_or_create(name=row.vendor)[0]
            last = n == len(block.rows)
            self.save(
                Contract(
                    initiative=initiative,
                    title=row.title,
                    vendor=vendor,
                    starts_on=date(*row.starts, 1),
                    ends_on=date(*row.ends, 1),
                    amount=row.amount,
                    tax_included=row.tax_included,
                    # ※ lines under the table are shown under it again: keep them on its last row.
                    notes="\n".join(block.notes) if last else "",
                    order=order(),
                ),
                at,
            )

    def awards(self, initiative, block: doc.AwardTable, order: int, at: str) -> None:
        programme = self.programme(block, at)
        fiscal_year = self.fiscal_year(block.year or self.year)
        names = {name for row in block.rows for name in row.municipalities}
        found = {m.name: m for m in Municipality.objects.filter(name__in=names)}
        unknown = sorted(names - set(found))
        if unknown:
            raise ImportRefused(
                f"{at}市町村「{'、'.join(unknown)}」が市町村の一覧にありません。"
                "管理者に登録を依頼してから取り込んでください。"
            )
        existing = {
            award.title: award
            for award in SubsidyAward.objects.filter(programme=programme, fiscal_year=fiscal_year)
        }
        for n, row in enumerate(block.rows, start=1):
            award = existing.get(row.title) or SubsidyAward(
                programme=programme, fiscal_year=fiscal_year, title=row.title
            )
            award.subsidy = in_yen(row.subsidy, block.unit)
            award.total_cost = in_yen(row.total_cost, block.unit)
            award.order = n
            self.save(award, at)
            award.municipalities.set([found[name] for name in row.municipalities])
        self.save(
            AwardTable(
                initiative=initiative,
                programme=programme,
                fiscal_year=fiscal_year,
                unit=unit_of(block.unit),
                order=order,
            ),
            at,
        )

    def programme(self, block: doc.AwardTable, at: str) -> SubsidyProgramme:
        programme = SubsidyProgramme.objects.filter(name=block.programme).first()
        if programme is not None:
            if programme.division_id != self.division.pk:
                raise ImportRefused(
                    f"{at}補助金「{block.programme}」は他の課（{programme.division}）の補助金として"
                    "登録されています。"
                )
            return programme
        terms = programme_terms(self.parsed, block)
        largest = max(in_yen(row.subsidy, block.unit) for row in block.rows)
        return self.save(
            SubsidyProgramme(
                division=self.division,
                name=block.programme,
                rate_numerator=terms.get("numerator", 1),
                rate_denominator=terms.get("denominator", 1),
                cap=terms.get("cap", largest),
                joint_cap=terms.get("joint_cap"),
            ),
            at,
        )


def free_table_caption(table: doc.FreeTable, node: doc.Initiative) -> str:
    """A table needs a caption: the one typed above it, else the heading it sits under."""
    return (table.caption or node.title or "表")[: FreeTable._meta.get_field("caption").max_length]


def programme_terms(parsed: doc.ParsedReport, block: doc.AwardTable) -> dict:
    """Rate and caps from the text around an award table: 補助対象経費の２分の１ …
    上限500万円; ※複数市町村で共同実施する場合は、上限1,000万円."""
    top = next(
        (
            initiative
            for group in parsed.groups
            for initiative in group.initiatives
            if any(block in node.blocks for node in initiative.walk())
        ),
        None,
    )
    texts = []
    for node in top.walk() if top else []:
        for b in node.blocks:
            if b.kind in ("paragraph", "note"):
                texts.append(b.text)
            elif b.kind == "list":
                texts.extend(b.items)
    terms: dict = {}
    multiplier = {"万円": 10_000, "千円": 1_000, "円": 1}
    for text in texts:
        normal = nfkc(text)
        rate = re.search(r"(\d+)分の(\d+)", normal)
        if rate and "numerator" not in terms:
            terms["denominator"], terms["numerator"] = int(rate[1]), int(rate[2])
        for cap in re.finditer(r"上限\s*(\d[\d,]*)\s*(万円|千円|円)", normal):
            value = int(cap[1].replace(",", "")) * multiplier[cap[2]]
            key = "joint_cap" if re.search(r"共同|複数", normal[: cap.start()]) else "cap"
            terms.setdefault(key, value)
    return terms


def replace_refusal(report: Report, replace: bool) -> str | None:
    """Why an existing report cannot be replaced by an import, or None."""
    label = f"{report.fiscal_year.label}の{report.division.name}の事務事業実績"
    if report.status != Report.Status.DRAFT:
        status = report.get_status_display()
        return f"{label}はすでにあり、下書きではない（{status}）ため取り込めません。"
    if report.editions.exists():
        return f"{label}には公開した版があるため、置き換えられません。"
    if not replace:
        return f"{label}の下書きがすでにあります。置き換える場合はそのことを指定してください。"
    return None


def build_report(parsed: doc.ParsedReport, *, year: int, division, replace: bool = False):
    """Create the draft report of ``division`` for ``year``; nothing is saved on a refusal."""
    with transaction.atomic():
        return Builder(parsed, year, division).build(replace)
