"""Write a ``ParsedReport`` as a draft report with today's models, all or nothing.

This is the only module of the importer that touches models. Today an initiative renders its
parts in a fixed order (text, facts, figures, events, amount tables, contracts, awards, notes,
children), while a document puts blocks in any order. ``segments`` cuts an initiative's blocks
where that order would be broken; each later segment becomes an unmarked child initiative, as
the seed fixture does for the paragraph that follows a table.

BLOCK MODELS (issue 11): once initiatives hold an ordered list of blocks, ``segments`` and
``free_table_lines`` go away: every block is written in place, free tables as table blocks,
and amounts keep the unit they were typed in (today 千円 is stored as yen × 1000).
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
from programs.models import Event, Fact, Figure, Initiative, MarkerStyle, Note
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

# The order in which today's templates render an initiative's parts.
STAGES = {
    "paragraph": 0,
    "list": 0,
    "note": 0,
    "table": 0,
    "facts": 1,
    "figure": 2,
    "event": 3,
    "amounts": 4,
    "contracts": 5,
    "awards": 6,
}
NOTES_AT_END = 7


def segments(blocks: list) -> list[list]:
    """Cut ``blocks`` where today's render order would move a block; the first segment stays
    with the initiative, each other one becomes an unmarked child (text after a table)."""
    cut: list[list] = [[]]
    stage = 0
    for block in blocks:
        block_stage = STAGES[block.kind]
        if block.kind == "note" and stage > 0:
            block_stage = NOTES_AT_END
        if block_stage < stage:
            cut.append([])
            block_stage = STAGES[block.kind]
        cut[-1].append(block)
        stage = block_stage
    return [segment for segment in cut if segment] or [[]]


def leading_text(segment: list) -> int:
    """How many blocks at the start of a segment are the initiative's body text."""
    for n, block in enumerate(segment):
        if STAGES[block.kind] > 0:
            return n
    return len(segment)


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


def free_table_lines(table: doc.FreeTable) -> list[str]:
    """A free table as body text until table blocks exist: caption, then a line per row."""
    lines = [f"【表】{table.caption}" + (f"（単位：{table.unit}）" if table.unit else "")]
    for row in [table.columns, *table.rows]:
        lines.append("　".join(cell.replace("\n", " ") for cell in row))
    return lines


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
        elif block.kind == "table":
            if lines:
                lines.append("")
            lines.extend(free_table_lines(block))
            lines.append("")
    return "\n".join(lines).strip("\n")


def in_yen(value: int, unit: str) -> int:
    return value * 1000 if unit == "thousand" else value


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
        first, *rest = segments(node.blocks)
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
                body=body_text(first[: leading_text(first)]),
            ),
            where,
        )
        self.place(initiative, first, where)
        position = 0
        for position, segment in enumerate(rest, start=1):
            child = self.save(
                Initiative(
                    section=section,
                    parent=initiative,
                    order=position,
                    marker_style=MarkerStyle.NONE,
                    body=body_text(segment[: leading_text(segment)]),
                ),
                where,
            )
            self.place(child, segment, where)
        for n, child_node in enumerate(node.children, start=position + 1):
            self.initiative(section, initiative, child_node, n)
        return initiative

    def place(self, initiative, blocks, where) -> None:
        counters: dict[str, int] = {}

        def order(kind: str) -> int:
            counters[kind] = counters.get(kind, 0) + 1
            return counters[kind]

        for block in blocks[leading_text(blocks) :]:
            at = f"{block.line}行目：" if block.line else where
            if block.kind == "facts":
                for label, value in block.pairs:
                    self.save(
                        Fact(initiative=initiative, label=label, value=value, order=order("f")),
                        at,
                    )
            elif block.kind == "figure":
                self.save(
                    Figure(
                        initiative=initiative,
                        label=block.label,
                        qualifier=block.qualifier,
                        value=Decimal(block.value),
                        unit=block.unit,
                        is_approximate=block.approximate,
                        note=block.note,
                        order=order("figure"),
                    ),
                    at,
                )
            elif block.kind == "event":
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
                        order=order("event"),
                    ),
                    at,
                )
            elif block.kind == "note":
                self.save(Note(initiative=initiative, text=block.text, order=order("note")), at)
            elif block.kind == "amounts":
                self.amount_table(initiative, block, order("amounts"), at)
            elif block.kind == "contracts":
                self.contracts(initiative, block, at)
            elif block.kind == "awards":
                self.awards(initiative, block, order("awards"), at)

    def amount_table(self, initiative, block: doc.AmountTable, order: int, at: str) -> None:
        self.items_made += 1
        code = f"{self.division.slug[:40]}-{self.year}-{self.items_made:02d}"
        item, created = ExpenditureItem.objects.get_or_create(
            code=code, defaults={"division": self.division, "name": block.item}
        )
        if created:
            self.save(item, at)
        elif item.division_id != self.division.pk:
            raise ImportRefused(f"{at}費目コード {code} は他の課で使われています。")
        else:
            item.name = block.item
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
                    amount=in_yen(amount.value, amount.unit),
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
                unit=Unit.THOUSAND_YEN if block.unit == "thousand" else Unit.YEN,
                years=max(3, self.year - min(years) + 1),
                order=order,
            ),
            at,
        )

    def contracts(self, initiative, block: doc.ContractTable, at: str) -> None:
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
                    order=n,
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
                unit=Unit.THOUSAND_YEN if block.unit == "thousand" else Unit.YEN,
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
