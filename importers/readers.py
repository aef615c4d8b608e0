"""Readers: a past report file (.txt, .docx, .pdf) → ``Line`` and ``Grid`` items in reading order.

Each reader refuses what it cannot read safely with ``ImportRefused`` and a Japanese reason,
before anything is parsed or saved. Readers keep the text as it was typed (indents, breaks,
markers); making sense of it is the parser's job.
"""

import io
import re
import zipfile
from collections import Counter
from itertools import pairwise
from pathlib import PurePath

from django.conf import settings

from importers.document import Grid, ImportRefused, Line

# Limits; settings may lower or raise them.
MAX_BYTES = 20 * 1024 * 1024
MAX_DOCX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_DOCX_MEMBERS = 2000
MAX_PDF_PAGES = 300

EXTENSIONS = (".txt", ".docx", ".pdf")


def limit(name: str, default: int) -> int:
    return getattr(settings, f"IMPORTERS_{name}", default)


def read_document(name: str, data: bytes) -> list[Line | Grid]:
    """Read an uploaded or local file by its name's extension."""
    suffix = check_name(name)
    check_size(len(data))
    if suffix == ".pdf":
        return read_pdf(data)
    if suffix == ".docx":
        return read_docx(data)
    return read_text(data)


def check_name(name: str) -> str:
    """The file's extension, if it is one we read."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportRefused(
            f"「{PurePath(name).name}」は取り込めない形式です。"
            "テキスト（.txt）、Word（.docx）、PDF（.pdf）のファイルを選んでください。"
        )
    return suffix


def check_size(size: int) -> None:
    if size == 0:
        raise ImportRefused("ファイルが空です。")
    max_bytes = limit("MAX_BYTES", MAX_BYTES)
    if size > max_bytes:
        raise ImportRefused(
            f"ファイルが大きすぎます（{size / 1024 / 1024:.1f}MB）。"
            f"{max_bytes / 1024 / 1024:.0f}MB 以下のファイルを選んでください。"
        )


# Plain text ---------------------------------------------------------------------------------

ENCODING_REFUSAL = (
    "文字コードを判別できませんでした。UTF-8 または Shift_JIS（cp932）で保存したテキストファイルを"
    "選んでください。"
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), then cp932; anything else is refused."""
    if b"\x00" in data:
        # UTF-16/32 text and binary files both have NUL bytes; neither is a text we read.
        raise ImportRefused(ENCODING_REFUSAL)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise ImportRefused(ENCODING_REFUSAL) from None
        # EUC-JP and other encodings often decode as cp932 into half-width kana: not Japanese
        # prose, so the guess was wrong.
        non_ascii = [c for c in text if ord(c) > 0x7F]
        kana = sum(1 for c in non_ascii if "\uff61" <= c <= "\uff9f")
        if non_ascii and kana > len(non_ascii) * 0.3:
            raise ImportRefused(ENCODING_REFUSAL) from None
    if any(ord(c) < 0x20 and c not in "\t\n\r\f" for c in text):
        raise ImportRefused(ENCODING_REFUSAL)
    if not text.strip():
        raise ImportRefused("ファイルに文字がありません。")
    return text


def read_text(data: bytes) -> list[Line | Grid]:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return lines_and_grids(text.split("\n"))


def lines_and_grids(lines: list[str], first_number: int = 1) -> list[Line | Grid]:
    """Split text lines into plain lines and tables written with tabs.

    Word's "save as text" writes a table one cell per line, each cell after a tab, with a blank
    line between rows, and a cell's own line breaks as lines without a tab. Text pasted from a
    spreadsheet has one row per line, cells separated by tabs. Both become a ``Grid``.
    """
    items: list[Line | Grid] = []
    i = 0
    while i < len(lines):
        if "\t" not in lines[i]:
            items.append(Line(lines[i], first_number + i))
            i += 1
            continue
        start = i
        block: list[str] = []
        while i < len(lines):
            line = lines[i]
            # A line without a tab goes on the cell above only in Word's one-cell-per-line
            # layout; after a row of tab-separated cells it is text again.
            cell_per_line = all(
                x.startswith("\t") and x.count("\t") == 1 for x in block if "\t" in x
            )
            if "\t" in line or (line.strip() and block and block[-1].strip() and cell_per_line):
                block.append(line)
                i += 1
            elif not line.strip():
                following = next((x for x in lines[i:] if x.strip()), "")
                if "\t" not in following:
                    break
                block.append(line)
                i += 1
            else:
                break
        items.append(Grid(tab_rows(block), first_number + start))
    return items


def tab_rows(block: list[str]) -> list[list[str]]:
    tabbed = [line for line in block if "\t" in line]
    one_cell_per_line = all(
        line.startswith("\t") and line.count("\t") == 1 for line in tabbed
    ) and any(not line.strip() for line in block)
    rows: list[list[str]] = []
    if one_cell_per_line:
        row: list[str] = []
        for line in block:
            if not line.strip() and "\t" not in line:
                if row:
                    rows.append(row)
                row = []
            elif line.startswith("\t"):
                row.append(line[1:].strip())
            elif row:
                row[-1] = f"{row[-1]}\n{line.strip()}"
        if row:
            rows.append(row)
    else:
        for line in block:
            if "\t" in line:
                rows.append([cell.strip() for cell in line.split("\t")])
            elif line.strip() and rows:
                rows[-1][-1] = f"{rows[-1][-1]}\n{line.strip()}"
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


# Word -----------------------------------------------------------------------------------------


def read_docx(data: bytes) -> list[Line | Grid]:
    check_docx_archive(data)
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception:
        raise ImportRefused("Word の文書（.docx）として読めませんでした。") from None
    items: list[Line | Grid] = []
    number = 0
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            # A line break inside a paragraph (Shift+Enter) is a line of its own, as in text.
            for text in Paragraph(element, document).text.split("\n"):
                items.extend(lines_and_grids([text], number))
        elif tag == "tbl":
            number += 1
            items.append(Grid(docx_rows(Table(element, document)), number))
    if not any(isinstance(i, Grid) or i.text.strip() for i in items):
        raise ImportRefused("文書に文字がありません。")
    return items


def docx_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: keep it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(p.text.strip() for p in cell.paragraphs).strip())
        rows.append(cells)
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def check_docx_archive(data: bytes) -> None:
    """Refuse a zip bomb from the zip's directory, before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused("Word の文書（.docx）として読めませんでした。") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_DOCX_MEMBERS:
            raise ImportRefused("文書の中のファイルが多すぎるため、取り込みません。")
        uncompressed = sum(m.file_size for m in members)
        max_uncompressed = limit("MAX_DOCX_UNCOMPRESSED", MAX_DOCX_UNCOMPRESSED)
        if uncompressed > max_uncompressed:
            raise ImportRefused(
                "文書を展開すると大きくなりすぎるため、取り込みません"
                f"（展開後 {uncompressed / 1024 / 1024:.0f}MB、上限 "
                f"{max_uncompressed / 1024 / 1024:.0f}MB）。"
            )
        if "word/document.xml" not in archive.namelist():
            raise ImportRefused("Word の文書（.docx）として読めませんでした。")


# PDF --------------------------------------------------------------------------------------------

TOC_LINE = re.compile(r"(\.{4,}|…{2,}|・{4,})\s*[0-9０-９]+\s*$")
WRAP_MIN = 15  # characters
PAGE_NUMBER = re.compile(r"^[-－―‐ー\s]*[0-9０-９]+[-－―‐ー\s]*$")


def read_pdf(data: bytes) -> list[Line | Grid]:
    if not data.startswith(b"%PDF"):
        raise ImportRefused("PDF として読めませんでした。")
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as error:
        cause = error.args[0] if error.args else None
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise ImportRefused(
                "パスワードで保護されたPDFは取り込めません。保護を解除したPDFを選んでください。"
            ) from None
        raise ImportRefused("PDF として読めませんでした。") from None
    with pdf:
        max_pages = limit("MAX_PDF_PAGES", MAX_PDF_PAGES)
        if len(pdf.pages) > max_pages:
            raise ImportRefused(f"ページが多すぎます（{len(pdf.pages)}ページ、上限 {max_pages}）。")
        pages = [pdf_page_items(page) for page in pdf.pages]
    if not any(pages):
        raise ImportRefused(
            "PDF に文字の情報がありません（画像だけのPDFです）。文字を含むPDFか、"
            "Word・テキストのファイルを選んでください。"
        )
    items: list[Line | Grid] = []
    furniture = running_lines(pages)
    stamps = furniture_parts(pages, furniture)
    number = 0
    for page in pages:
        for item in page:
            number += 1
            if isinstance(item, Grid):
                items.append(Grid(item.rows, number))
                continue
            text = item.text.strip()
            if (
                (text, item.top) in furniture
                or text in stamps
                or PAGE_NUMBER.match(text)
                or TOC_LINE.search(text)
                or re.sub(r"\s", "", text) == "目次"
            ):
                continue
            items.append(Line(item.text, number, item.wrapped))
        # A page break ends a line like a hard break: the parser decides whether text goes on.
    return items


class PdfLine(Line):
    def __init__(self, text, top, wrapped):
        super().__init__(text, 0, wrapped)
        self.top = round(top)
        self.x0 = 0.0
        self.hang: float | None = None


def pdf_page_items(page) -> list:
    """The page's lines outside tables and its ruled tables, in reading order (top down)."""
    page = page.filter(lambda obj: obj.get("object_type") != "char" or is_level(obj))
    if not page.chars:
        return []
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside_tables(obj):
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_lines = page.filter(outside_tables).extract_text_lines(return_chars=True)
    # The text's right margin, from lines long enough to have been wrapped: a cover page of
    # short centred lines has none.
    right = max((line["x1"] for line in text_lines if len(line["text"]) >= WRAP_MIN), default=0)
    placed: list[tuple[float, object]] = []
    for line in text_lines:
        size = max(c["size"] for c in line["chars"])
        text = spaced_text(line["chars"])
        # A line that runs to the right margin was wrapped by the layout, unless it ends a
        # sentence there.
        wrapped = (
            len(text) >= WRAP_MIN
            and line["x1"] >= right - 2 * size
            and not text.rstrip().endswith("。")
        )
        item = PdfLine(text, line["top"], wrapped)
        item.x0, item.hang = line["x0"], hanging_indent(line)
        placed.append((line["top"], item))
    for table in tables:
        placed.append((table.bbox[1], Grid(table_rows(page, table))))
    placed.sort(key=lambda pair: pair[0])
    items = [item for _top, item in placed]
    for line, following in pairwise(items):
        # 項目：内容 set as a definition list wraps its value under the value, not the label.
        if (
            isinstance(line, PdfLine)
            and isinstance(following, PdfLine)
            and line.hang is not None
            and abs(following.x0 - line.hang) < 2
            and not line.text.rstrip().endswith("。")
        ):
            line.wrapped = True
    return items


def is_level(char) -> bool:
    """Whether a character is set along the line: a watermark is turned (下書き at -30°), so
    its characters would land inside the lines of the text under it."""
    a, b, c, d, *_ = char["matrix"]
    return abs(b) <= 0.01 * abs(a) and abs(c) <= 0.01 * abs(d)


def spaced_text(chars: list[dict]) -> str:
    """A line's text with its spaces as typed: a gap of about one character is an ideographic
    space (「株式会社　野村総合研究所」), a narrow one a plain space."""
    parts, previous = [], None
    for char in chars:
        if previous is not None and char["text"] != " " and previous["text"] != " ":
            gap = char["x0"] - previous["x1"]
            size = char["size"]
            if gap > 0.8 * size:
                parts.append("\u3000" * max(1, round(gap / size)))
            elif gap > 0.15 * size:
                parts.append(" ")
        parts.append(char["text"])
        previous = char
    return "".join(parts).strip()


def hanging_indent(line) -> float | None:
    """Where the value of a 項目：内容 line starts, or None."""
    chars = line["chars"]
    for n, char in enumerate(chars[:-1]):
        if char["text"] in "：:":
            following = [c for c in chars[n + 1 :] if c["text"].strip()]
            return following[0]["x0"] if following else None
        if n > 20:
            return None
    return None


def table_rows(page, table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        rows.append([cell_text(page, cell) if cell else "" for cell in row.cells])
    return rows


def cell_text(page, bbox) -> str:
    """A cell's text from its characters: lines wrapped at the cell's edge are joined, and a
    header written one character per line (予 / 算 / 額) becomes one word."""
    lines = page.crop(bbox).extract_text_lines(return_chars=True)
    if not lines:
        return ""
    texts = [line["text"].strip() for line in lines]
    if len(texts) > 1 and all(len(t) == 1 for t in texts):
        return "".join(texts)
    right = max(line["x1"] for line in lines)
    parts = [texts[0]]
    for previous, text in zip(lines, texts[1:], strict=False):
        size = max(c["size"] for c in previous["chars"])
        wrapped = previous["x1"] >= right - 1.5 * size and bbox[2] - previous["x1"] < 3 * size
        parts.append(text if wrapped else "\n" + text)
    return "".join(parts)


def running_lines(pages: list[list]) -> set[tuple[str, int]]:
    """Running headers and footers: the first or last line of a page that comes back, digits
    and spacing aside, at the same height on other pages."""
    seen: Counter = Counter()
    candidates = []
    for page in pages:
        lines = [item for item in page if isinstance(item, PdfLine)]
        for line in lines[:1] + lines[-1:]:
            key = (re.sub(r"[0-9０-９]+", "#", re.sub(r"\s+", "", line.text)), line.top)
            seen[key] += 1
            candidates.append((line.text.strip(), line.top, key))
    return {(text, top) for text, top, key in candidates if seen[key] >= 2}


FURNITURE_GAP = re.compile(r"[\s\u3000]{2,}")


def furniture_parts(pages: list[list], furniture: set[tuple[str, int]]) -> set[str]:
    """Parts of the running lines (split at their wide gaps) found on most pages, such as which
    copy a PDF is (第2版　令和３年８月１日公開, 下書き（未公開）): the same words printed once
    more elsewhere, on the title page, are that mark again, not content."""
    if not furniture:
        return set()
    counts: Counter = Counter()
    pages_with_furniture = 0
    for page in pages:
        parts: set[str] = set()
        for item in page:
            if isinstance(item, PdfLine) and (item.text.strip(), item.top) in furniture:
                parts.update(p for p in FURNITURE_GAP.split(item.text.strip()) if p)
        pages_with_furniture += bool(parts)
        counts.update(parts)
    return {
        part
        for part, n in counts.items()
        if n > pages_with_furniture / 2 and not PAGE_NUMBER.match(part) and len(part) > 1
    }
