"""One parser for every reader: lines and grids → a ``ParsedReport``.

Past reports were typed in Word and often come back through text extraction, so the parser
expects what such text looks like: layout indents, paragraphs broken mid-word (even across blank
lines), markers full or half width (〇 and ○ mixed, · for ・), facts as 項目：内容, events as
日時 / 場所 / 参加 lines, tables as grids. Depth comes from the order in which marker kinds
first appear, not from a fixed list, so a document that puts 〇 right under １ keeps that shape.
Nothing is dropped: what matches nothing more specific becomes a paragraph, and the preview
lists the paragraphs that look as if they might have been meant as something else.
"""

import re
from collections import Counter
from decimal import Decimal

from importers import notation
from importers.document import Amount as AmountValue
from importers.document import (
    AmountTable,
    AwardRow,
    AwardTable,
    ContractRow,
    ContractTable,
    EventBlock,
    Facts,
    FigureBlock,
    FreeTable,
    Grid,
    Group,
    Initiative,
    Line,
    ListItems,
    NoteBlock,
    Paragraph,
    ParsedReport,
    VendorRename,
)
from reports.conventions import BY_EXAMPLE, DEFAULT_DOCUMENT_NAME, DEFAULT_MARKER_SET

# What such documents are called: 事務事業実績, 事務事業執行概要, 事業概要, 業務実績報告書 …
DOCUMENT_NAME = re.compile(r"^(?:事務事業|事業|業務)[^\s、。]{0,6}(?:実績|概要|報告書?)$")
OFFICE = re.compile(r"^[^\s\u3000、。]{1,30}室$")
UNIT = re.compile(r"^[^\s\u3000、。：:「」（）()・]{1,30}(担当)$")

SPACE = " \t\u3000"
BULLETS = "・·･•‧"
ENCLOSED = "".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(
    chr(c) for c in range(0x3251, 0x3260)
)

# (kind, pattern): the marker is group 1, the title group 2. Order matters: (1) before 1.
MARKERS = (
    ("paren", re.compile(r"^([(（][0-9０-９]{1,2}[)）])[\s\u3000]*(.*)$")),
    ("paren_katakana", re.compile(r"^([(（][ア-ンｱ-ﾝ][)）])[\s\u3000]*(.*)$")),
    ("enclosed", re.compile(rf"^([{ENCLOSED}])[\s\u3000]*(.*)$")),
    # 1 and １ need a space or a point after them, so 500台 or 88.38％ are not markers.
    (
        "numeral",
        re.compile(r"^([0-9０-９]{1,2})(?:[\s\u3000]+|[.．、](?![0-9０-９]))[\s\u3000]*(.+)$"),
    ),
    ("circle", re.compile(r"^([〇○◯])[\s\u3000]*(.*)$")),
    ("black_circle", re.compile(r"^([●])[\s\u3000]*(.*)$")),
    ("katakana", re.compile(r"^([ア-ン])[\s\u3000]+(.+)$")),
    ("bullet", re.compile(rf"^([{BULLETS}])[\s\u3000]*(.*)$")),
)

GROUP = re.compile(r"^[^\s\u3000、。：:「」（）()・]{1,40}グループ$")
NOTE = re.compile(r"^(?:※[0-9０-９]*|[(（]※[0-9０-９]*[)）])[\s\u3000]*(.+)$")
FACT = re.compile(
    rf"^(?:[{BULLETS}][\s\u3000]*)?(?P<label>[^：:。、，,「」『』（）()【】\s\u3000]"
    r"(?:[^：:。、，,「」『』（）()【】]{0,20}[^：:。、，,「」『』（）()【】\s\u3000])?)"
    r"[\s\u3000]*[：:][\s\u3000]*(?P<value>.+)$"
)
FIGURE = re.compile(
    rf"^(?:[{BULLETS}][\s\u3000]*)?(?P<label>[^\s\u3000：:0-9０-９、。]{{1,20}})[\s\u3000]+"
    r"(?:(?P<qualifier>[^\s\u3000：:0-9０-９、。]{1,20})[\s\u3000]+)?(?P<approx>約)?"
    r"(?P<value>[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?)"
    r"(?P<unit>[^\s\u30000-9０-９（(、。]{1,6})(?:[（(](?P<note>.+)[）)])?$"
)
EVENT_FIELDS = {
    "日時": "when",
    "開催日": "when",
    "開催日時": "when",
    "日程": "when",
    "場所": "venue",
    "会場": "venue",
    "開催場所": "venue",
    "参加": "attendance",
    "参加者": "attendance",
    "参加者数": "attendance",
    "共催": "cohosts",
}
RENAME = re.compile(
    r"^「(?P<former>.+?)」は(?P<when>.+?)(?:より|から)「(?P<current>.+?)」(?:へ|に)"
)
DERIVED_ROWS = re.compile(r"前年度比|前年比|増減|差引|比較|伸び率|対前年")
SENTENCE_END = "。．！？!?"
CLOSING = {"）": "（", ")": "(", "」": "「", "』": "『", "】": "【"}


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def ends_sentence(text: str) -> bool:
    """Whether a line ends its sentence: 。, or a parenthesis closing after 。 or a whole line."""
    text = text.rstrip(SPACE)
    while text and text[-1] in CLOSING:
        opening = text.rfind(CLOSING[text[-1]])
        if opening < 0:
            return False
        text = text[:opening].rstrip(SPACE)
        if not text:
            return True
    return bool(text) and text[-1] in SENTENCE_END


def join(first: str, second: str) -> str:
    """Re-join a line broken by the layout: no space in Japanese, one between Latin words."""
    if first and second and first[-1].isascii() and first[-1].isalnum() and second[0].isascii():
        return f"{first} {second}"
    return first + second


def strip_marker(text: str) -> tuple[str, str, str] | None:
    for kind, pattern in MARKERS:
        match = pattern.match(text)
        if match and match[2].strip(SPACE):
            return kind, match[1], match[2].strip(SPACE)
    return None


class Token:
    __slots__ = ("data", "kind", "line", "text", "wrapped")

    def __init__(self, kind, text="", line=0, wrapped=None, data=None):
        self.kind, self.text, self.line, self.wrapped, self.data = kind, text, line, wrapped, data

    def __repr__(self):
        return f"Token({self.kind}, {self.text[:20]!r})"


def merge_wrapped(items: list[Line | Grid]) -> list[Line | Grid]:
    """Join lines that a PDF's layout wrapped at the right margin."""
    merged: list[Line | Grid] = []
    for item in items:
        previous = merged[-1] if merged else None
        if (
            isinstance(item, Line)
            and isinstance(previous, Line)
            and previous.wrapped
            and item.text.strip(SPACE)
        ):
            merged[-1] = Line(
                join(previous.text.rstrip(SPACE), item.text.strip(SPACE)),
                previous.number,
                item.wrapped,
            )
        else:
            merged.append(item)
    return merged


def tokenise(items: list[Line | Grid], document_name: str) -> list[Token]:
    tokens = []
    for item in merge_wrapped(items):
        if isinstance(item, Grid):
            item = Grid(without_empty_columns(item.rows), item.number)
        if isinstance(item, Grid) and max(len(row) for row in item.rows) > 1:
            tokens.append(Token("grid", line=item.number, data=item.rows))
            continue
        if isinstance(item, Grid):
            # A one-column "table" is a framed box (a boxed heading, a note): its lines are text.
            for row in item.rows:
                for text in row[0].split("\n"):
                    tokens.append(classify(text.strip(SPACE), item.number, None, document_name))
            continue
        text = item.text.strip(SPACE + "\r\n")
        tokens.append(classify(text, item.number, item.wrapped, document_name))
    return tokens


def without_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    """Drop columns empty in every row: a box drawn with a thick left border reads as one."""
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [i for i in range(width) if any((row[i] or "").strip() for row in rows)]
    return [[row[i] for i in keep] for row in rows] or [[""]]


def classify(text: str, number: int, wrapped, document_name: str) -> Token:
    def token(kind, data=None, value=text):
        return Token(kind, value, number, wrapped, data)

    if not text:
        return token("blank")
    if squeeze(text) == squeeze(document_name):
        return token("document_name")
    if GROUP.match(text):
        return token("group")
    if UNIT.match(text):
        return token("unit", UNIT.match(text)[1])
    note = NOTE.match(text)
    if note:
        return token("note", value=note[1].strip(SPACE))
    fact = FACT.match(text)
    if fact and not fact["value"].startswith("//"):
        label = squeeze(fact["label"])
        value = fact["value"].strip(SPACE)
        if label in EVENT_FIELDS:
            return token("field", (EVENT_FIELDS[label], label, value))
        if len(label) <= 12:
            return token("fact", (label, value))
    figure = FIGURE.match(text)
    if figure:
        return token("figure", figure)
    head, _space, rest = re.sub(rf"^[{BULLETS}][\s\u3000]*", "", text).partition("\u3000")
    if not _space:
        head, _space, rest = head.partition(" ")
    found = notation.date_range(head) if rest.strip(SPACE) else None
    if found and not found[2]:
        return token("event_line", (found[0], found[1], rest.strip(SPACE)))
    marker = strip_marker(text)
    if marker:
        kind, _mark, title = marker
        if kind == "bullet":
            return token("bullet", marker)
        if title.endswith("。"):
            return token("text", "demoted")
        return token("heading", marker)
    return token("text")


class Parser:
    def __init__(self, tokens: list[Token], document_name: str):
        self.tokens = tokens
        self.report = ParsedReport(groups=[], document_name="")
        self.document_name = document_name
        self.group: Group | None = None
        self.stack: list[tuple[str, Initiative]] = []
        self.paragraph: list[str] = []
        self.paragraph_line = 0
        self.paragraph_demoted = False
        self.open_event: EventBlock | None = None
        self.event_title = ""
        self.open_contracts: ContractTable | None = None
        # Whether the last line that was not blank ran to a PDF's margin (None: unknown).
        self.previous_wrapped: bool | None = None

    # Where blocks go ---------------------------------------------------------------------

    @property
    def container(self):
        if self.stack:
            return self.stack[-1][1]
        if self.group is None:
            # Content before any group: keep it in a group without a name.
            self.group = Group("", 0)
            self.report.groups.append(self.group)
            self.report.warnings.append("グループ名（…グループ）より前に本文があります。")
        return self.group

    @property
    def blocks(self) -> list:
        return self.container.blocks

    def add(self, block) -> None:
        self.open_event = None
        self.open_contracts = None
        self.blocks.append(block)

    def warn(self, line: int, message: str) -> None:
        self.report.warnings.append(f"{line}行目：{message}" if line else message)

    # Paragraphs --------------------------------------------------------------------------

    def text(self, token: Token) -> None:
        if self.paragraph and self.continues(token):
            self.paragraph[-1] = join(self.paragraph[-1], token.text)
        else:
            self.flush()
            self.paragraph = [token.text]
            self.paragraph_line = token.line
            self.paragraph_demoted = token.data == "demoted"

    def continues(self, token: Token) -> bool:
        text = self.paragraph[-1]
        # A bracket still open cannot end a paragraph, whatever the layout says.
        if any(text.count(o) > text.count(c) for c, o in CLOSING.items()):
            return True
        if self.previous_wrapped is False:
            return False
        return not ends_sentence(text)

    def flush(self) -> None:
        if not self.paragraph:
            return
        text = self.paragraph[0]
        self.paragraph = []
        if self.open_event is not None:
            event = self.open_event
            event.description = f"{event.description}\n{text}" if event.description else text
            if not event.cohosts:
                cohosts = re.match(r"^(.{2,60}?)と共催", text)
                event.cohosts = cohosts[1] if cohosts else ""
            return
        reason = ""
        if self.paragraph_demoted:
            reason = "番号・記号で始まるが「。」で終わる文なので、見出しにせず本文にしました。"
        elif not ends_sentence(text):
            reason = "「。」で終わらない行です。見出し・表題・項目のつもりなら直してください。"
        elif self.container is self.group and self.group is not None:
            reason = "グループ名と最初の見出しの間の文です。"
        block = Paragraph(text, self.paragraph_line, reason)
        self.blocks.append(block)
        self.open_contracts = None

    # The walk ----------------------------------------------------------------------------

    def parse(self) -> ParsedReport:
        tokens = self.tokens
        for index, token in enumerate(tokens):
            kind = token.kind
            if kind != "text" and kind != "blank":
                self.flush()
            if self.group is None and not self.stack and self.header_line(token):
                continue
            getattr(self, f"on_{kind}")(token, index)
            if kind != "blank":
                self.previous_wrapped = token.wrapped
        self.flush()
        for group in self.report.groups:
            if not group.initiatives and not group.blocks:
                self.warn(group.line, f"「{group.name}」には内容がありません。")
        return self.report

    def header_line(self, token: Token) -> bool:
        """The document's title lines before the first group: year, department, division, name.
        Recognised parts are recorded; a line with anything else is content."""
        if token.kind == "blank":
            return True
        if token.kind not in ("text", "document_name"):
            return False
        parts = re.split(r"[\s\u3000]+", token.text)
        if self.is_document_name(token.text):
            # A title is often letter-spaced: 事 務 事 業 実 績.
            parts = [squeeze(token.text)]
        found = {}
        for part in parts:
            year = notation.fiscal_year(part)
            published = notation.date_range(re.sub(r"(発行|作成|公表)$", "", part))
            if year and not year[1]:
                found["year"] = year[0]
            elif published and not published[1] and not published[2]:
                found["published_on"] = published[0]
            elif self.is_document_name(part):
                found["document_name"] = squeeze(part)
            elif re.fullmatch(r"[^\s、。]{1,30}課", part):
                found["division"] = part
            elif OFFICE.match(part):
                found["office"] = part
            elif re.fullmatch(r"[^\s、。]{1,30}部", part):
                found["department"] = part
            else:
                return False
        for key, value in found.items():
            if not getattr(self.report, key):
                setattr(self.report, key, value)
        return True

    def is_document_name(self, text: str) -> bool:
        text = squeeze(text)
        return text == squeeze(self.document_name) or bool(DOCUMENT_NAME.match(text))

    def next_significant(self, index: int) -> Token | None:
        for token in self.tokens[index + 1 :]:
            if token.kind != "blank":
                return token
        return None

    def on_blank(self, token, index):
        pass

    def on_document_name(self, token, index):
        self.report.document_name = self.report.document_name or self.document_name

    def on_text(self, token, index):
        self.text(token)

    def on_group(self, token, index):
        self.group = Group(token.text, token.line)
        self.report.groups.append(self.group)
        self.stack = []
        self.open_event = self.open_contracts = None

    def on_heading(self, token, index):
        self.open_heading(*token.data, token.line)

    def on_unit(self, token, index):
        """担当 under a group: a heading without marker that holds the numbered headings."""
        self.report.unit_below_group = token.data
        initiative = Initiative(token.text, "", "unit", 0, token.line)
        self.stack = []
        self.container.initiatives.append(initiative)  # the group (an unnamed one if none yet)
        self.stack = [("unit", initiative)]
        self.open_event = self.open_contracts = None

    def open_heading(self, kind, mark, title, line):
        is_new = False
        if title.startswith("【新規】"):
            is_new, title = True, title[len("【新規】") :].strip(SPACE)
        kinds = [k for k, _ in self.stack]
        if kind in kinds:
            self.stack = self.stack[: kinds.index(kind)]
        form = form_of(kind, mark)
        initiative = Initiative(title, mark, kind, len(self.stack), line, is_new, form)
        if self.stack:
            self.stack[-1][1].children.append(initiative)
        else:
            self.container.initiatives.append(initiative)
        self.stack.append((kind, initiative))
        self.open_event = self.open_contracts = None

    def on_bullet(self, token, index):
        _kind, mark, title = token.data
        following = self.next_significant(index)
        if following and following.kind == "field" and following.data[0] == "when":
            self.event_title = title
            return
        looks_like_heading = not ends_sentence(title) and len(title) <= 60
        if looks_like_heading and following is not None and following.kind == "text":
            self.open_heading("bullet", mark, title, token.line)
            return
        blocks = self.blocks
        if blocks and isinstance(blocks[-1], ListItems) and self.open_event is None:
            blocks[-1].items.append(title)
        else:
            self.add(ListItems([title], token.line))

    def on_note(self, token, index):
        if self.open_contracts is not None:
            rename = RENAME.match(token.text)
            renamed_on = notation.one_date(rename["when"]) if rename else None
            if renamed_on:
                self.open_contracts.renames.append(
                    VendorRename(rename["former"], rename["current"], renamed_on)
                )
            else:
                self.open_contracts.notes.append(token.text)
            return
        self.add(NoteBlock(token.text, token.line))

    def on_fact(self, token, index):
        blocks = self.blocks
        if blocks and isinstance(blocks[-1], Facts) and self.open_event is None:
            blocks[-1].pairs.append(token.data)
        else:
            self.add(Facts([token.data], token.line))

    def on_figure(self, token, index):
        match = token.data
        value = notation.nfkc(match["value"]).replace(",", "")
        self.add(
            FigureBlock(
                label=match["label"],
                value=Decimal(value),
                unit=match["unit"],
                qualifier=match["qualifier"] or "",
                approximate=bool(match["approx"]),
                note=match["note"] or "",
                line=token.line,
            )
        )

    def on_event_line(self, token, index):
        starts, ends, venue = token.data
        self.add(EventBlock(starts, ends, venue=venue, line=token.line))
        self.open_event = self.blocks[-1]

    def on_field(self, token, index):
        field, label, value = token.data
        if field == "when":
            found = notation.date_range(value)
            if not found:
                self.warn(token.line, f"日時「{value}」を日付として読めないため、項目にしました。")
                self.on_fact(Token("fact", line=token.line, data=(label, value)), index)
                return
            starts, ends, rest = found
            event = EventBlock(starts, ends, title=self.event_title, line=token.line)
            self.event_title = ""
            venue = re.fullmatch(r"[（(](.+)[）)]", rest)
            if venue:
                event.venue = venue[1]
            elif rest:
                event.description = rest
            self.add(event)
            self.open_event = event
            return
        event = self.open_event
        if event is None:
            self.on_fact(Token("fact", line=token.line, data=(label, value)), index)
            return
        if field == "venue":
            event.venue = value
        elif field == "cohosts":
            event.cohosts = value
        elif field == "attendance":
            event.organisations = notation.count(value, "団体")
            event.participants = notation.count(value, "名") or notation.count(value, "人")
            if event.organisations is None and event.participants is None:
                self.warn(token.line, f"参加「{value}」の数を読めないため、内容に書きました。")
                event.description = "\n".join(p for p in (event.description, value) if p)

    def on_grid(self, token, index):
        self.flush()
        rows = [[normal_cell(cell) for cell in row] for row in token.data if any(row)]
        if not rows:
            return
        caption = self.caption_candidate()
        block, use_caption = self.table(rows, caption, token.line)
        if use_caption and caption is not None:
            self.take_caption()
        self.add(block)
        if isinstance(block, ContractTable):
            self.open_contracts = block

    # Tables ------------------------------------------------------------------------------

    def caption_candidate(self) -> str | None:
        blocks = self.blocks
        if not blocks:
            return None
        last = blocks[-1]
        if isinstance(last, Paragraph) and not ends_sentence(last.text) and len(last.text) <= 100:
            return last.text
        if isinstance(last, ListItems) and not ends_sentence(last.items[-1]):
            return last.items[-1]
        return None

    def take_caption(self) -> None:
        last = self.blocks[-1]
        if isinstance(last, ListItems):
            last.items.pop()
            if last.items:
                return
        self.blocks.pop()

    def table(self, rows, caption, line):
        """The block a grid stands for, and whether the line before it was its caption."""
        caption_unit = notation.unit_in(caption or "")
        amounts = amount_table(rows, caption_unit)
        if amounts is not None:
            name = re.sub(r"[（(]\s*単位\s*[：:].*?[）)]", "", caption or "").strip(SPACE)
            name = re.sub(rf"^[{BULLETS}][\s\u3000]*", "", name)
            # A caption that describes the table (過去3ヶ年の予算額と決算額) does not name the item.
            if not name or re.search(r"予算額|決算額", name):
                name = self.stack[-1][1].title if self.stack else name
            amounts.item, amounts.line = name, line
            return amounts, caption is not None
        header = [squeeze(cell) for cell in rows[0]]
        contracts = contract_table(header, rows[1:])
        if contracts is not None:
            contracts.line = line
            return contracts, bool(caption and "契約" in caption)
        awards = award_table(header, rows[1:], caption_unit)
        if awards is not None:
            is_caption = bool(caption and re.search(r"採択事業$|単位", caption))
            self.name_programme(awards, caption if is_caption else None)
            awards.line = line
            if awards.stated_total and awards.stated_total != awards.total:
                self.warn(
                    line,
                    f"採択事業の合計 {awards.stated_total} が各行の和 {awards.total} と違います。"
                    "合計は各行から計算して表示します。",
                )
            return awards, is_caption
        if len(rows) > 1:
            self.warn(line, "種類のわからない表です。そのまま表として取り込みます。")
        is_caption = bool(caption and ("単位" in caption or re.search(r"(表|一覧)$", caption)))
        unit = ""
        if is_caption:
            found = re.search(r"単位\s*[：:]\s*([^）)]+)", caption)
            unit = found[1].strip() if found else ""
        return FreeTable(caption if is_caption else "", unit, rows[0], rows[1:], line), is_caption

    def name_programme(self, awards: AwardTable, caption: str | None) -> None:
        titles = [initiative.title for _kind, initiative in reversed(self.stack)]
        if caption:
            before_year = re.split(r"(?:明治|大正|昭和|平成|令和)|(?:19|20)\d\d|[HR]\d", caption)[0]
            name = before_year.strip(SPACE)
            if name:
                awards.programme = name
        if not awards.programme:
            awards.programme = next(
                (t for t in titles if "補助" in t), titles[-1] if titles else "補助金"
            )
        for text in [caption or "", *titles]:
            years = notation.years_in(text)
            if years:
                awards.year = years[0]
                break


def form_of(kind: str, mark: str) -> str:
    """The marker set form (reports.conventions) a typed marker is written in."""
    full_width = bool(re.search(r"[（）０-９]", mark))
    if kind == "numeral":
        return "１" if full_width else "1"
    if kind == "paren":
        return "（１）" if "（" in mark else "(1)"
    if kind in ("circle", "black_circle"):
        return "○" if mark == "○" else "●" if mark == "●" else "〇"
    if kind == "paren_katakana":
        return "（ア）" if "（" in mark else "(ア)"
    return {"enclosed": "①", "bullet": "・", "katakana": "ア"}.get(kind, "")


def marker_set_of(report: ParsedReport) -> str:
    """The document's marker set. A depth keeps today's kind of marker wherever the document
    uses that kind (the seed puts 〇 right under １ and ① under (1) here and there without
    changing its convention); otherwise it takes the kind most of its headings use. Each kind
    is written in the form the document uses most (1 or １, 〇 or ○)."""
    unit_level = 1 if report.unit_below_group else 0
    by_depth: dict[int, Counter] = {}
    forms: dict[str, Counter] = {}
    for initiative in report.initiatives():
        if initiative.form and initiative.depth >= unit_level:
            kind = BY_EXAMPLE[initiative.form].kind
            by_depth.setdefault(initiative.depth - unit_level, Counter())[kind] += 1
            forms.setdefault(kind, Counter())[initiative.form] += 1
    result = []
    defaults = DEFAULT_MARKER_SET.split()
    for depth in range(max(len(defaults), max(by_depth, default=-1) + 1)):
        default = BY_EXAMPLE[defaults[min(depth, len(defaults) - 1)]]
        kinds = by_depth.get(depth, Counter())
        if default.kind in kinds or default.kind in forms or not kinds:
            kind = default.kind
        else:
            kind = kinds.most_common(1)[0][0]
        result.append(forms[kind].most_common(1)[0][0] if kind in forms else default.example)
    return " ".join(result)


def normal_cell(cell: str) -> str:
    lines = [line.strip(SPACE) for line in (cell or "").split("\n")]
    lines = [line for line in lines if line]
    # A narrow header cell that extraction split one character per line: 予 / 算 / 額.
    if len(lines) > 1 and all(len(line) == 1 for line in lines):
        return "".join(lines)
    return "\n".join(lines)


def amount_kind(cell: str) -> str | None:
    cell = squeeze(cell)
    if "決算" in cell:
        return "settlement"
    if "予算" in cell:
        return "budget"
    return None


def is_blank_amount(cell: str) -> bool:
    return squeeze(cell) in ("", "－", "-", "―", "‐", "ー", "—", "…")


def amount_table(rows, caption_unit) -> AmountTable | None:
    """決算額 / 予算額 by fiscal year, years across (the seed) or down."""
    header = rows[0]
    across = [notation.fiscal_year(cell) for cell in header[1:]]
    down = [notation.fiscal_year(row[0]) for row in rows[1:]]
    if across and all(across):
        lines = [(row[0], row[1:]) for row in rows[1:]]
        years = across
    elif down and all(down) and any(amount_kind(cell) for cell in header[1:]):
        lines = [(cell, [row[i] for row in rows[1:]]) for i, cell in enumerate(header) if i]
        years = down
    else:
        return None
    header_unit = notation.unit_in(" ".join(header) + " " + rows[0][0])
    amounts = []
    for label, cells in lines:
        kind = amount_kind(label)
        if kind is None:
            if DERIVED_ROWS.search(label) or not label.strip():
                continue  # 前年度比 and the like are computed again when the page renders
            return None
        for (year, period), cell in zip(years, cells, strict=False):
            if is_blank_amount(cell):
                continue
            value = notation.amount(cell)
            if value is None:
                return None
            amounts.append(AmountValue(year, kind, value[0], value[1] or "", period))
    if not amounts:
        return None
    unit = caption_unit or header_unit
    cell_units = {a.unit for a in amounts if a.unit}
    unit = unit or (cell_units.pop() if len(cell_units) == 1 else "yen")
    for a in amounts:
        a.unit = a.unit or unit
    return AmountTable("", unit, amounts, years_across=bool(across and all(across)))


def column(header: list[str], *words: str) -> int | None:
    for i, cell in enumerate(header):
        if any(word in cell for word in words):
            return i
    return None


def contract_table(header, rows) -> ContractTable | None:
    title = column(header, "名称", "件名", "業務名", "契約名", "事業名")
    vendor = column(header, "委託先", "契約先", "相手方", "受託者", "事業者", "契約者")
    period = column(header, "期間")
    price = column(header, "金額")
    if None in (title, vendor, period, price) or not rows:
        return None
    contracts = []
    for row in rows:
        months = notation.month_range(re.sub(r"[0-9０-９]{1,2}日", "", row[period]))
        money = row[price]
        tax_included = "税込" in money
        value = notation.amount(re.sub(r"[（(][^）)]*[）)]", "", money))
        if months is None or value is None or value[1] == "thousand":
            return None
        contracts.append(
            ContractRow(
                title=row[title].replace("\n", ""),
                vendor=row[vendor].replace("\n", ""),
                starts=months[0],
                ends=months[1],
                amount=value[0],
                tax_included=tax_included,
            )
        )
    return ContractTable(contracts)


def award_table(header, rows, caption_unit) -> AwardTable | None:
    place = column(header, "市町村", "団体名", "自治体")
    title = column(header, "事業名", "事業内容", "名称")
    subsidy = column(header, "補助額", "補助金額", "交付額", "補助金")
    total = column(header, "総事業費", "事業費")
    if None in (place, title, subsidy, total) or subsidy == total or not rows:
        return None
    unit = notation.unit_in(header[subsidy]) or caption_unit
    awards, stated = [], None
    for row in rows:
        numbers = [notation.amount(row[subsidy]), notation.amount(row[total])]
        if None in numbers:
            return None
        unit = unit or numbers[0][1]
        if squeeze(row[place]) in ("合計", "計", "総計") or squeeze(row[title]) in ("合計", "計"):
            stated = (numbers[0][0], numbers[1][0])
            continue
        names = [n for n in re.split(r"[・、，,/／\n]", squeeze_lines(row[place])) if n]
        awards.append(AwardRow(names, row[title], numbers[0][0], numbers[1][0]))
    if not awards:
        return None
    return AwardTable("", 0, unit or "yen", awards, stated)


def squeeze_lines(text: str) -> str:
    return "\n".join(squeeze(line) for line in text.split("\n"))


# A heading's short form for a qualifier: the abbreviation it gives in brackets (ＬＧＷＡＮ), else
# the heading without a closing "の" and a two-kanji activity noun (…の運用, …の推進).
ABBREVIATION = re.compile(r"[（(]([A-Za-zＡ-Ｚａ-ｚ0-9０-９・･＝=－\-]{2,20})[）)]")
ACTIVITY = re.compile(r"の[\u4e00-\u9fff]{2}$")
QUALIFIER_LENGTH = 60


def short_heading(title: str) -> str:
    abbreviation = ABBREVIATION.search(title)
    if abbreviation:
        return abbreviation[1]
    return ACTIVITY.sub("", title).strip(SPACE)[:QUALIFIER_LENGTH]


def qualify_items(report: ParsedReport) -> None:
    """Items of the same name get a qualifier from the first heading above them that differs
    between them (the seed's two 地方公共団体情報システム機構への負担金 sit under ２ ＬＧＷＡＮ
    and ３ 公的個人認証); items under the same headings are numbered instead."""
    paths: dict[str, list[tuple[AmountTable, list[str]]]] = {}

    def visit(blocks, path):
        for block in blocks:
            if isinstance(block, AmountTable):
                paths.setdefault(notation.nfkc(squeeze(block.item)), []).append((block, path))

    def walk(initiative: Initiative, path: list[str]):
        path = [*path, initiative.title]
        visit(initiative.blocks, path)
        for child in initiative.children:
            walk(child, path)

    for group in report.groups:
        visit(group.blocks, [group.name])
        for initiative in group.initiatives:
            walk(initiative, [group.name])
    for tables in paths.values():
        if len(tables) < 2:
            continue
        depth = 0
        while len({tuple(path[: depth + 1]) for _, path in tables}) == 1 and depth < max(
            len(path) for _, path in tables
        ):
            depth += 1
        qualifiers = [
            short_heading(path[min(depth, len(path) - 1)]) if path else "" for _, path in tables
        ]
        if len(set(qualifiers)) < len(qualifiers) or not all(qualifiers):
            qualifiers = [f"その{n}" for n in range(1, len(tables) + 1)]
        for (table, _), qualifier in zip(tables, qualifiers, strict=True):
            table.qualifier = qualifier


def parse(items: list[Line | Grid], document_name: str = DEFAULT_DOCUMENT_NAME) -> ParsedReport:
    parser = Parser(tokenise(items, document_name), document_name)
    report = parser.parse()
    qualify_items(report)
    report.marker_set = marker_set_of(report)
    if not report.groups:
        report.warnings.append("見出しもグループも見つかりませんでした。")
    return report
