"""What an import will create, for a person to check before anything is saved.

``preview()`` returns plain data (an admin template can loop over it); ``preview_text()`` writes
it for the command. Markers are the ones the report page will generate, computed as the tree
loader does; each block is named by what it becomes (本文, 文章, 表, 決算額の表 …), in the order
the page will show it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from importers import document as doc
from importers.build import (
    STYLE_OF_KIND,
    TARGET_LABELS,
    free_table_caption,
    free_table_columns,
    layout,
    marker_style,
    markers_of,
)
from organisation.notation import comma, fiscal_year_label, japanese_date
from programs.models import ColumnType, MarkerStyle
from publication.tree import heading_form
from reports.conventions import DEFAULT_DOCUMENT_NAME, Markers

KIND_LABELS = {"settlement": "決算額", "budget": "予算額"}
UNIT_LABELS = {"yen": "円", "thousand": "千円"}
STYLE_LABELS = dict(MarkerStyle.choices)


COLUMN_LABELS = dict(ColumnType.choices)


@dataclass
class PreviewBlock:
    kind: str  # what the document shows: paragraph, list, table …
    label: str  # what it becomes: 本文, 文章, 注記, 表, 決算額の表 …
    summary: str
    line: int
    # What a person should know about how it is kept (a free table's column types …).
    placement: str = ""


@dataclass
class PreviewNode:
    depth: int
    marker: str
    typed_marker: str
    title: str
    is_new: bool
    line: int
    blocks: list[PreviewBlock] = field(default_factory=list)
    children: list["PreviewNode"] = field(default_factory=list)
    note: str = ""

    @property
    def heading(self) -> str:
        new = "【新規】" if self.is_new else ""
        return "　".join(p for p in (self.marker, new + self.title) if p)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class PreviewAmount:
    item: str
    year: int
    year_label: str
    kind: str
    value: str
    unit: str
    period_label: str
    line: int


@dataclass
class Fallback:
    line: int
    text: str
    reason: str


@dataclass
class Preview:
    year: int | None
    division: str
    document_name: str
    office: str
    unit_below_group: str
    marker_set: str
    published_on: date | None
    groups: list[tuple[str, list[PreviewNode]]]
    counts: dict
    amounts: list[PreviewAmount]
    fallbacks: list[Fallback]
    warnings: list[str]


def summary(block) -> str:
    kind = block.kind
    if kind in ("paragraph", "note"):
        return block.text
    if kind == "list":
        return " / ".join(block.items)
    if kind == "facts":
        return " / ".join(f"{label}：{value}" for label, value in block.pairs)
    if kind == "figure":
        approx = "約" if block.approximate else ""
        return f"{block.label} {block.qualifier} {approx}{block.value}{block.unit}".replace(
            "  ", " "
        )
    if kind == "event":
        when = block.starts_on.isoformat() + (
            f"～{block.ends_on.isoformat()}" if block.ends_on else ""
        )
        parts = [block.title, when, block.venue]
        if block.organisations is not None:
            parts.append(f"{block.organisations}団体")
        if block.participants is not None:
            parts.append(f"{block.participants}名")
        if block.cohosts:
            parts.append(f"共催 {block.cohosts}")
        return " / ".join(p for p in parts if p)
    if kind == "amounts":
        kinds = "・".join(KIND_LABELS[k] for k in block.kinds)
        details = f"{kinds}、{UNIT_LABELS[block.unit]}、{len(block.amounts)}件"
        return f"{block.item}（{details}）" + (
            f"［区別：{block.qualifier}］" if block.qualifier else ""
        )
    if kind == "contracts":
        return " / ".join(f"{r.title}（{r.vendor}）" for r in block.rows)
    if kind == "awards":
        year = fiscal_year_label(block.year) if block.year else "報告書の年度"
        return f"{block.programme} {year}採択事業 {len(block.rows)}件（{UNIT_LABELS[block.unit]}）"
    if kind == "table":
        return f"{block.caption or '（表題なし）'} {len(block.columns)}列×{len(block.rows)}行"
    return ""


def preview_blocks(node: doc.Initiative) -> list[PreviewBlock]:
    result = []
    for target, blocks in layout(node.blocks):
        for block in blocks:
            placement = ""
            if target == "text":
                placement = "表などの後の文として、この位置に置きます"
            elif target == "table":
                columns = "、".join(
                    f"{c['label']}〔{COLUMN_LABELS[c['type']]}〕" for c in free_table_columns(block)
                )
                caption = free_table_caption(block, node)
                named = "" if block.caption else f"表題がないため「{caption}」を表題にします。"
                placement = f"{named}列：{columns}"
            label = TARGET_LABELS[target]
            result.append(PreviewBlock(block.kind, label, summary(block), block.line, placement))
    return result


def preview_nodes(
    initiatives: list[doc.Initiative], markers: Markers, unit_level: int
) -> list[PreviewNode]:
    counts: Counter = Counter()
    nodes = []
    for initiative in initiatives:
        style = marker_style(initiative, markers, unit_level)
        form = heading_form(style, initiative.depth, markers, unit_level)
        kind = form.kind if form else MarkerStyle.NONE
        counts[kind] += 1
        note = ""
        if initiative.marker_kind not in (*STYLE_OF_KIND, "unit"):
            note = (
                f"記号「{initiative.marker}」は見出し記号にないため「{STYLE_LABELS[kind]}」にします"
            )
        nodes.append(
            PreviewNode(
                depth=initiative.depth,
                marker=form.marker(counts[kind]) if form else "",
                typed_marker=initiative.marker,
                title=initiative.title,
                is_new=initiative.is_new,
                line=initiative.line,
                blocks=preview_blocks(initiative),
                children=preview_nodes(initiative.children, markers, unit_level),
                note=note,
            )
        )
    return nodes


def preview(parsed: doc.ParsedReport) -> Preview:
    groups = []
    markers, unit_level = markers_of(parsed)
    for group in parsed.groups:
        nodes = preview_nodes(group.initiatives, markers, unit_level)
        if group.blocks:
            unmarked = doc.Initiative("", "", "none", 0, group.line, blocks=group.blocks)
            nodes.insert(
                0,
                PreviewNode(
                    0, "", "", "（見出しなし）", False, group.line, preview_blocks(unmarked)
                ),
            )
        groups.append((group.name, nodes))
    depths: Counter = Counter(i.depth for i in parsed.initiatives())
    targets: Counter = Counter()
    for node in parsed.initiatives():
        targets.update(target for target, _ in layout(node.blocks))
    for group in parsed.groups:
        targets.update(target for target, _ in layout(group.blocks))
    unmarked = sum(1 for g in parsed.groups if g.blocks)
    amounts = [
        PreviewAmount(
            item=block.item_label,
            year=a.year,
            year_label=fiscal_year_label(a.year),
            kind=KIND_LABELS[a.kind],
            value=comma(a.value),
            unit=UNIT_LABELS[a.unit],
            period_label=a.period_label,
            line=block.line,
        )
        for block in parsed.blocks()
        if block.kind == "amounts"
        for a in block.amounts
    ]
    fallbacks = [
        Fallback(block.line, block.text, block.reason)
        for block in parsed.blocks()
        if block.kind == "paragraph" and block.reason
    ]
    counts = {
        "groups": len(parsed.groups),
        "initiatives_by_depth": dict(sorted(depths.items())),
        "unmarked_children": unmarked,
        "blocks": {TARGET_LABELS[t]: targets[t] for t in TARGET_LABELS if targets[t]},
        "amounts": len(amounts),
    }
    return Preview(
        year=parsed.year,
        division=parsed.division,
        document_name=parsed.document_name or DEFAULT_DOCUMENT_NAME,
        office=parsed.office,
        unit_below_group=parsed.unit_below_group,
        marker_set=" ".join(form.example for form in markers.forms),
        published_on=parsed.published_on,
        groups=groups,
        counts=counts,
        amounts=amounts,
        fallbacks=fallbacks,
        warnings=parsed.warnings,
    )


def preview_text(p: Preview) -> str:
    out = []
    header = [fiscal_year_label(p.year) if p.year else "", p.office, p.division, p.document_name]
    out.append("文書：" + " ".join(h for h in header if h))
    out.append(f"見出し記号：{p.marker_set}")
    if p.unit_below_group:
        out.append(f"グループの下の単位：{p.unit_below_group}")
    if p.published_on:
        out.append(f"元の発行日：{japanese_date(p.published_on)}")
    out.append("")
    for name, nodes in p.groups:
        out.append(f"■ {name or '（グループ名なし）'}")
        for top in nodes:
            for node in top.walk():
                indent = "　" * (node.depth + 1)
                note = f"　［{node.note}］" if node.note else ""
                out.append(f"{indent}{node.heading}{note}")
                for block in node.blocks:
                    text = block.summary if len(block.summary) <= 40 else block.summary[:39] + "…"
                    where = f"　［{block.placement}］" if block.placement else ""
                    out.append(f"{indent}　- {block.label}：{text}{where}")
    counts = p.counts
    out.append("")
    out.append(f"グループ：{counts['groups']}")
    by_depth = "、".join(
        f"{depth + 1}階層目 {n}" for depth, n in counts["initiatives_by_depth"].items()
    )
    unmarked = counts["unmarked_children"]
    out.append(
        f"見出し：{by_depth}" + (f"（ほかに見出しのない項目 {unmarked}）" if unmarked else "")
    )
    out.append("ブロック：" + "、".join(f"{k} {n}" for k, n in counts["blocks"].items()))
    out.append(f"金額：{counts['amounts']}件")
    for a in p.amounts:
        period = f"（{a.period_label}）" if a.period_label else ""
        out.append(f"　{a.item}　{a.year_label}{period}　{a.kind}　{a.value}{a.unit}")
    out.append(f"本文の段落にしたもの（確認してください）：{len(p.fallbacks)}件")
    for f in p.fallbacks:
        out.append(f"　{f.line}行目：{f.text[:40]}　— {f.reason}")
    if p.warnings:
        out.append(f"注意：{len(p.warnings)}件")
        out.extend(f"　{w}" for w in p.warnings)
    return "\n".join(out)
