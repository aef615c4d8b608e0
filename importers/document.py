"""The imported report before it touches the database: groups, initiatives and their blocks.

Readers turn a file into ``Line`` and ``Grid`` items; the parser turns those into a
``ParsedReport``. Nothing here knows the models, so the same structure feeds the preview, the
builder of the models.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class ImportRefused(Exception):
    """A file or a document that cannot be imported; ``str(error)`` is the reason in Japanese."""


# Reader output ------------------------------------------------------------------------------


@dataclass
class Line:
    text: str
    number: int = 0  # where it was in the source (line, paragraph or PDF line), for messages
    # True when a PDF line ran to the right margin, so the paragraph goes on in the next line;
    # None when the source cannot tell (plain text, Word).
    wrapped: bool | None = None


@dataclass
class Grid:
    rows: list[list[str]]
    number: int = 0


# Blocks ---------------------------------------------------------------------------------------


@dataclass
class Paragraph:
    text: str
    line: int = 0
    # Why this text became a plain paragraph when it looked like it could be more (a caption, a
    # heading, a marker that was not one). Empty for ordinary sentences.
    reason: str = ""
    kind = "paragraph"


@dataclass
class ListItems:
    items: list[str]
    line: int = 0
    kind = "list"


@dataclass
class NoteBlock:
    text: str  # without the leading ※
    line: int = 0
    kind = "note"


@dataclass
class Facts:
    pairs: list[tuple[str, str]]  # (項目, 内容)
    line: int = 0
    kind = "facts"


@dataclass
class FigureBlock:
    label: str
    value: Decimal
    unit: str = ""
    qualifier: str = ""
    approximate: bool = False
    note: str = ""
    line: int = 0
    kind = "figure"


@dataclass
class EventBlock:
    starts_on: date
    ends_on: date | None = None
    title: str = ""
    venue: str = ""
    organisations: int | None = None
    participants: int | None = None
    cohosts: str = ""
    description: str = ""
    line: int = 0
    kind = "event"


@dataclass
class Amount:
    year: int  # fiscal year, western
    kind: str  # "settlement" (決算額) or "budget" (予算額)
    value: int  # as typed, in ``unit``
    unit: str  # "yen" or "thousand"
    period_label: str = ""  # ～９月末, 10月～


@dataclass
class AmountTable:
    item: str  # the expenditure item's name (the table's caption)
    unit: str
    amounts: list[Amount]
    years_across: bool = True
    line: int = 0
    # Tells this item from another of the same name in the document (ＬＧＷＡＮ, 公的個人認証):
    # set by the parser from the headings the two sit under.
    qualifier: str = ""
    kind = "amounts"

    @property
    def item_label(self) -> str:
        return f"{self.item}（{self.qualifier}）" if self.qualifier else self.item

    @property
    def kinds(self) -> list[str]:
        return sorted({a.kind for a in self.amounts})


@dataclass
class ContractRow:
    title: str
    vendor: str
    starts: tuple[int, int]  # (year, month)
    ends: tuple[int, int]
    amount: int  # yen
    tax_included: bool = False


@dataclass
class VendorRename:
    former: str
    current: str
    renamed_on: date


@dataclass
class ContractTable:
    rows: list[ContractRow]
    notes: list[str] = field(default_factory=list)  # ※ lines under the table
    renames: list[VendorRename] = field(default_factory=list)
    line: int = 0
    kind = "contracts"


@dataclass
class AwardRow:
    municipalities: list[str]
    title: str
    subsidy: int  # in the table's unit
    total_cost: int


@dataclass
class AwardTable:
    programme: str
    year: int
    unit: str
    rows: list[AwardRow]
    stated_total: tuple[int, int] | None = None  # the 合計 row as typed, if any
    line: int = 0
    kind = "awards"

    @property
    def total(self) -> tuple[int, int]:
        return (sum(r.subsidy for r in self.rows), sum(r.total_cost for r in self.rows))


@dataclass
class FreeTable:
    caption: str
    unit: str
    columns: list[str]
    rows: list[list[str]]
    line: int = 0
    kind = "table"


Block = (
    Paragraph
    | ListItems
    | NoteBlock
    | Facts
    | FigureBlock
    | EventBlock
    | AmountTable
    | ContractTable
    | AwardTable
    | FreeTable
)

# The tree ---------------------------------------------------------------------------------


@dataclass
class Initiative:
    title: str
    marker: str  # as typed: １, (1), ○, ①, ・, ア …
    marker_kind: str  # numeral, paren, circle, black_circle, enclosed, bullet, katakana, …
    depth: int
    line: int = 0
    is_new: bool = False
    # The marker set form the typed marker is written in (１, 1, (1), （１）, 〇, ○, ア …);
    # empty for a heading without marker (a 担当).
    form: str = ""
    blocks: list[Block] = field(default_factory=list)
    children: list["Initiative"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Group:
    name: str
    line: int = 0
    initiatives: list[Initiative] = field(default_factory=list)
    # Text between the group's name and its first marker: kept, shown in the preview and
    # placed in an unmarked initiative by the builder.
    blocks: list[Block] = field(default_factory=list)

    def walk(self):
        for initiative in self.initiatives:
            yield from initiative.walk()


@dataclass
class ParsedReport:
    groups: list[Group]
    year: int | None = None  # the fiscal year the document names at its top
    division: str = ""
    department: str = ""
    # The document's conventions, as it shows them (empty: it does not say).
    document_name: str = ""
    office: str = ""  # 室 between the department and the division
    unit_below_group: str = ""  # 担当: a level of headings without markers under each group
    published_on: date | None = None
    marker_set: str = ""  # the first marker of each depth, e.g. "1 (1) ア (ア)"
    warnings: list[str] = field(default_factory=list)

    def initiatives(self):
        for group in self.groups:
            yield from group.walk()

    def blocks(self):
        for group in self.groups:
            yield from group.blocks
            for initiative in group.walk():
                yield from initiative.blocks
