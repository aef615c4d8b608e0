"""Spreadsheet files in and out: encodings, size limits, formulas and formula injection.

django-import-export reads CSV as UTF-8 only and escapes a single leading ``=`` on export;
staff here send Shift_JIS (cp932) files from Excel and the rules in DESIGN §7 ask for more.
This module holds what the import-export formats need and nothing about particular models:
reading bytes into rows (CSV in UTF-8 with or without BOM or cp932, XLSX without running
formulas), writing rows safely (cells that a spreadsheet would run are prefixed with ``'``),
and the limits that refuse a file before it is parsed.
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

import tablib
from django.utils.translation import gettext_lazy
from import_export.formats.base_formats import Format

from spreadsheets.limits import (
    MAX_COLUMNS,
    Deadline,
    ImportFileError,
    check_archive,
    limited_rows,
    max_rows,
)

# A cell starting with one of these is run by Excel, LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters that other systems write where Windows (cp932) has a look-alike: the "wave dash
# problem". Used only when writing Shift_JIS, so that such text can still be exported.
_CP932_LOOKALIKES = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 → ～
        "\u2212": "\uff0d",  # − → －
        "\u2016": "\u2225",  # ‖ → ∥
        "\u2014": "\u2015",  # — → ―
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
    }
)

# Where cp932 puts user-defined characters (外字) and its unassigned bytes.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def neutralise(value):
    """Prefix text that a spreadsheet would run as a formula with ``'``; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore(text: str) -> str:
    """Undo :func:`neutralise` on import, so that an exported file imports unchanged."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


@dataclass
class Sheet:
    """Rows read from a file: headers, data rows, and each row's number as the user sees it."""

    headers: list[str]
    rows: list[list]
    row_numbers: list[int]

    def dataset(self) -> tablib.Dataset:
        dataset = tablib.Dataset(*self.rows, headers=self.headers)
        # Spreadsheet row numbers (the header is row 1), kept for error messages.
        dataset.row_numbers = self.row_numbers
        return dataset


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(raw_rows, sheet_label: str = "", allow_empty: bool = False) -> Sheet:
    """Turn rows of cells (the first one the header) into a :class:`Sheet`.

    Blank rows are dropped but keep their place in the numbering; columns with neither a
    header nor a value (Excel's trailing empty columns) are dropped. ``allow_empty``: a sheet
    without data rows is no error (a workbook's sheet with nothing to change).
    """
    where = f"シート「{sheet_label}」の" if sheet_label else ""
    header = None
    rows, numbers = [], []
    limit = max_rows()
    for number, cells in raw_rows:
        cells = list(cells)
        if header is None:
            if all(_is_blank(c) for c in cells):
                continue
            header = cells
            while header and _is_blank(header[-1]):
                header.pop()
            if len(header) > MAX_COLUMNS:
                raise ImportFileError(f"{where}列が多すぎます（{MAX_COLUMNS}列まで）。")
            continue
        if all(_is_blank(c) for c in cells):
            continue
        if any(isinstance(c, str) and "\x00" in c for c in cells):
            # PostgreSQL cannot store NUL; refused here, the same on every database.
            raise ImportFileError(
                f"{where}{number}行目に NUL 文字（0x00）があります。その文字を消してください。"
            )
        if len(cells) > len(header):
            extra = cells[len(header) :]
            if not all(_is_blank(c) for c in extra):
                raise ImportFileError(
                    f"{where}{number}行目: 見出しのない列（{len(header) + 1}列目より右）に"
                    "値があります。見出しをつけるか、値を消してください。"
                )
            cells = cells[: len(header)]
        cells += [None] * (len(header) - len(cells))
        rows.append(cells)
        numbers.append(number)
        if len(rows) > limit:
            raise ImportFileError(
                f"{where}行が多すぎます。取り込めるのは {limit:,} 行までです。"
                "ファイルを分けてください。"
            )
    if header is None:
        if allow_empty:
            return Sheet([], [], [])
        raise ImportFileError(f"{where}見出しの行がありません（ファイルが空です）。")
    headers = []
    for i, h in enumerate(header, 1):
        if _is_blank(h) and any(not _is_blank(r[i - 1]) for r in rows):
            raise ImportFileError(
                f"{where}{i}列目に見出しがありません。列の名前を1行目に入れてください。"
            )
        headers.append("" if h is None else str(h).strip())
    keep = [i for i, h in enumerate(headers) if h]
    if len(keep) < len(headers):
        headers = [headers[i] for i in keep]
        rows = [[r[i] for i in keep] for r in rows]
    if not rows and not allow_empty:
        raise ImportFileError(f"{where}データの行がありません（見出しの行だけです）。")
    return Sheet(headers, rows, numbers)


# CSV


def _first_bad_line(data: bytes, encoding: str) -> int:
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            return number
    return 0


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: Japanese or ASCII text puts NUL in every other byte."""
    head = data[:4096]
    if len(head) < 4:
        return False
    return any(head[i::2].count(0) > len(head) // 4 for i in (0, 1))


def _refuse_mixed(data: bytes) -> None:
    """Refuse a file that is partly UTF-8 and partly another encoding (lines pasted from
    files of both kinds); read as Shift_JIS, its UTF-8 lines would become garbled text."""
    utf8_line = other_line = 0
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            raise ImportFileError(
                f"文字コードの違う行が混ざっています（{utf8_line}行目は UTF-8、"
                f"{other_line}行目は UTF-8 ではありません）。"
                "一つの文字コード（UTF-8 か Shift_JIS）で保存し直してください。"
            )


def decode_csv(data: bytes, declared: str | None = None) -> str:
    """Decode a CSV file: BOM → UTF-8; valid UTF-8 → UTF-8; else cp932; else a clear error.

    ``declared`` is what the user chose ("utf-8" or "cp932"); a file that is plainly the
    other encoding is refused rather than read as garbled text.
    """
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "このファイルは XLSX（Excel ブック）です。形式で「XLSX」を選んでください。"
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        raise ImportFileError(
            "UTF-16 などのファイルは読めません。"
            "Excel で「CSV UTF-8（コンマ区切り）」か「CSV（コンマ区切り）」で保存してください。"
        )
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise ImportFileError(
            f"NUL 文字（0x00）が含まれています（{line}行目）。テキストの CSV ではないか、"
            "ファイルが壊れています。Excel で CSV として保存し直してください。"
        )
    if data.startswith(codecs.BOM_UTF8):
        if declared == "cp932":
            raise ImportFileError(
                "Shift_JIS と指定されましたが、このファイルは UTF-8（BOM付き）です。"
                "形式で「CSV（UTF-8）」か「CSV（文字コード自動判定）」を選んでください。"
            )
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            line = _first_bad_line(data[3:], "utf-8")
            raise ImportFileError(
                f"UTF-8 として読めない文字があります（{line}行目）。ファイルが壊れていないか"
                "確かめてください。"
            ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if declared == "utf-8":
            line = _first_bad_line(data, "utf-8")
            raise ImportFileError(
                f"UTF-8 として読めません（{line}行目）。Shift_JIS（cp932）のファイルなら、"
                "形式で「CSV（Shift_JIS）」か「CSV（文字コード自動判定）」を選んでください。"
            ) from None
    else:
        if declared == "cp932" and not text.isascii():
            raise ImportFileError(
                "Shift_JIS と指定されましたが、このファイルは UTF-8 です。"
                "形式で「CSV（UTF-8）」か「CSV（文字コード自動判定）」を選んでください。"
            )
        return text
    _refuse_mixed(data)
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        line = _first_bad_line(data, "cp932")
        raise ImportFileError(
            f"文字コードを判別できません（{line}行目）。UTF-8 または Shift_JIS（cp932）で"
            "保存した CSV を使ってください。"
        ) from None
    if match := _PRIVATE_USE.search(text):
        line = text.count("\n", 0, match.start()) + 1
        raise ImportFileError(
            f"外字（利用者定義文字）が含まれています（{line}行目）。"
            "外字はほかの環境で正しく表示されないため取り込めません。通常の文字に直してください。"
        )
    return text


def read_csv(data: bytes, declared: str | None = None) -> Sheet:
    reader = csv.reader(io.StringIO(decode_csv(data, declared), newline=""))

    def numbered():
        number = 0
        try:
            for number, cells in enumerate(reader, 1):
                yield number, cells
        except csv.Error:
            raise ImportFileError(f"CSV として読めません（{number + 1}行目付近）。") from None

    return _sheet(numbered())


def write_csv(dataset: tablib.Dataset, encoding: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in dataset.headers])
    for row in dataset:
        writer.writerow([_csv_cell(neutralise(v)) for v in row])
    text = out.getvalue()
    if encoding == "cp932":
        text = text.translate(_CP932_LOOKALIKES)
        try:
            return text.encode("cp932")
        except UnicodeEncodeError as error:
            char = error.object[error.start : error.end]
            line = error.object.count("\n", 0, error.start) + 1
            raise ValueError(
                f"Shift_JIS（cp932）で表せない文字「{char}」があります（{line}行目）。"
                "UTF-8 の CSV か XLSX で出力してください。"
            ) from None
    return codecs.BOM_UTF8 + text.encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# XLSX


def _open_workbook(data: bytes, data_only: bool):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "XLSX（Excel ブック）として読めません。CSV なら形式で「CSV」を選んでください。"
            "古い .xls 形式は Excel で .xlsx として保存し直してください。"
        )
    check_archive(data)
    try:
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            "XLSX（Excel ブック）として読めません。ファイルが壊れていないか確かめてください。"
        ) from None


def read_xlsx(data: bytes, sheet_names: list[str] | None = None) -> dict[str, Sheet]:
    """Read sheets of a workbook as values; formulas are never run.

    A formula cell gives the value Excel saved with it (openpyxl's ``data_only``); one without
    a saved value is refused, since reading it would silently give an empty cell.
    With ``sheet_names`` None the first sheet is read, returned under the key ``""``.
    Rows are streamed within the limits of ``spreadsheets.limits``.
    """
    deadline = Deadline()
    book = _open_workbook(data, data_only=False)
    try:
        if sheet_names is None:
            titles = {"": book.worksheets[0].title}
        else:
            titles = {name: name for name in sheet_names if name in book.sheetnames}
        raw = {
            key: _read_cells(book[title], title, sheet_names, deadline)
            for key, title in titles.items()
        }
    finally:
        book.close()

    formula_sheets = [key for key, (_, formulas) in raw.items() if formulas]
    if formula_sheets:
        cached_book = _open_workbook(data, data_only=True)
        try:
            for key in formula_sheets:
                rows, formulas = raw[key]
                by_number = dict(rows)
                cached = _cached_values(cached_book[titles[key]], formulas, deadline)
                for r, c in sorted(formulas):
                    values = cached.get(r, ())
                    value = values[c - 1] if c <= len(values) else None
                    if value is None:
                        raise ImportFileError(_formula_message(titles[key], r, c, sheet_names))
                    by_number[r][c - 1] = value
        finally:
            cached_book.close()
    return {
        key: _sheet(raw[key][0], title, allow_empty=True)
        if sheet_names is not None
        else _sheet(raw[key][0])
        for key, title in titles.items()
    }


def _where(title, sheet_names) -> str:
    return f"シート「{title}」の" if sheet_names is not None else ""


# Holds a formula cell's place until its saved value replaces it.
_FORMULA = object()


def _read_cells(sheet, title, sheet_names, deadline):
    """Rows of values and the (row, column) of every formula cell, within the row limit."""
    rows, formulas = [], set()
    filled = 0
    for r, cells in limited_rows(sheet, _where(title, sheet_names), deadline):
        values = []
        for c, cell in enumerate(cells, 1):
            if cell.data_type == "f":
                formulas.add((r, c))
                values.append(_FORMULA)
            else:
                values.append(cell.value)
        while values and _is_blank(values[-1]):
            values.pop()
        if values:
            filled += 1
            if filled > max_rows() + 1:
                raise ImportFileError(
                    f"{_where(title, sheet_names)}行が多すぎます。"
                    f"取り込めるのは {max_rows():,} 行までです。ファイルを分けてください。"
                )
        rows.append((r, values))
    return rows, formulas


def _cached_values(sheet, formulas, deadline) -> dict[int, list]:
    """The values Excel saved in the rows that hold formulas."""
    first, last = min(r for r, _ in formulas), max(r for r, _ in formulas)
    cached = {}
    for r, cells in limited_rows(sheet, "", deadline):
        if r > last:
            break
        if r >= first:
            cached[r] = [cell.value for cell in cells]
    return cached


def _formula_message(title: str, row: int, column: int, sheet_names) -> str:
    from openpyxl.utils import get_column_letter

    where = f"シート「{title}」の" if sheet_names is not None else ""
    return (
        f"{where}{get_column_letter(column)}{row} のセルは数式で、計算結果が保存されていません。"
        "数式は取り込めません。Excel で「値として貼り付け」てから保存し直してください。"
    )


_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def write_xlsx(sheets: list[tuple[str, tablib.Dataset]]) -> bytes:
    """Write datasets as sheets of one workbook; text is always stored as text, never run."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, dataset in sheets:
        sheet = book.create_sheet(title)
        sheet.append([neutralise(h) for h in dataset.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [_width(h) for h in dataset.headers]
        for values in dataset:
            row = []
            for i, value in enumerate(values):
                value = neutralise(value)
                if isinstance(value, str):
                    value = _ILLEGAL_XLSX.sub("\ufffd", value)
                    widths[i] = max(widths[i], _width(value))
                row.append(value)
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    # openpyxl takes any text starting with "=" for a formula; text is text.
                    cell.data_type = "s"
                    if "\n" in cell.value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.number_format = "#,##0"
        for i, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(text) -> int:
    line = max(str(text).split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)


# Formats for django-import-export's admin


class SpreadsheetFormat(Format):
    """Base of our formats: bytes in, bytes out, so that no encoding is guessed for us."""

    title = ""
    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        # django-import-export passes its own encoding; ours is decided from the bytes.
        pass

    def get_title(self):
        return self.title

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return self.content_type

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return self.read(in_stream).dataset()


class CSVAuto(SpreadsheetFormat):
    title = gettext_lazy("CSV（文字コード自動判定）")
    extension = "csv"
    declared = None

    def can_import(self):
        return True

    def read(self, data: bytes) -> Sheet:
        return read_csv(data, self.declared)


class CSVUtf8(CSVAuto):
    """UTF-8 with BOM on export, so that Excel opens it without garbling."""

    title = gettext_lazy("CSV（UTF-8）")
    content_type = "text/csv; charset=utf-8"
    declared = "utf-8"

    def can_export(self):
        return True

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset, "utf-8")


class CSVShiftJIS(CSVUtf8):
    title = gettext_lazy("CSV（Shift_JIS）")
    content_type = "text/csv; charset=shift_jis"
    declared = "cp932"

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset, "cp932")


class XLSX(SpreadsheetFormat):
    title = gettext_lazy("XLSX")
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def can_import(self):
        return True

    def can_export(self):
        return True

    def read(self, data: bytes) -> Sheet:
        return read_xlsx(data)[""]

    def export_data(self, dataset, **kwargs):
        return write_xlsx([(str(dataset.title or "データ")[:31], dataset)])


IMPORT_FORMATS = [CSVAuto, CSVUtf8, CSVShiftJIS, XLSX]
# The first is the default: UTF-8 with BOM opens cleanly in Excel and everywhere else.
EXPORT_FORMATS = [CSVUtf8, CSVShiftJIS, XLSX]
