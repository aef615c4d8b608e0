"""Limits on what a spreadsheet file may cost: its size, rows and columns, and for an XLSX its
uncompressed size and reading time, so that a hostile file cannot exhaust memory or time.

An XLSX is a zip of XML. A 2 KB file can declare a sheet of 16,384 columns × 1,048,576 rows
(``<dimension ref="A1:XFD1048576"/>``), and openpyxl pads every row it reads to the declared
width; a million blank rows are a million rows to read; a zip member can inflate a
thousandfold. So, before anything is parsed, the zip directory is checked (the declared sizes
bound what zipfile will inflate); then the declared dimension is ignored, and rows are read
one at a time, each at most ``MAX_COLUMNS + 1`` cells wide, counted blank ones included,
against a limit of rows and a deadline. Reading stops at the first limit it meets.
"""

import io
import time
import zipfile

from django.conf import settings

MAX_COLUMNS = 100


class ImportFileError(Exception):
    """A file that cannot be read at all; the message is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


def check_size(size: int) -> None:
    """Refuse a file over the limit; called with the upload's size before it is read."""
    if size > max_bytes():
        # In bytes: rounded to megabytes, a file just over the limit would read as the limit.
        raise ImportFileError(
            f"ファイルが大きすぎます（{size:,} バイト。{megabytes(max_bytes())} を超えています）。"
            f"取り込めるのは {megabytes(max_bytes())} までです。ファイルを分けてください。"
        )
    if size == 0:
        raise ImportFileError("ファイルが空です。")


# Parts of a workbook: a sheet, its relations, styles, strings… a few dozen in real files.
MAX_MEMBERS = 1000


def max_uncompressed_bytes() -> int:
    return settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def max_sheet_rows() -> int:
    """Rows of a sheet, blank ones included: the data rows allowed, twice over."""
    return 2 * settings.IMPORT_MAX_ROWS + 1


def max_seconds() -> float:
    return settings.IMPORT_MAX_SECONDS


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate beyond the limit, before opening it.

    zipfile never inflates a member beyond the size its directory entry declares (it stops
    there and fails the CRC check), so the declared sizes are a true bound.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            "XLSX（Excel ブック）として読めません。ファイルが壊れていないか確かめてください。"
        ) from None
    if len(members) > MAX_MEMBERS:
        raise ImportFileError(
            "XLSX（Excel ブック）として読めません（ファイルの中の部品が多すぎます）。"
            "Excel で新しいブックに値を貼り付けて保存し直してください。"
        )
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes():
        raise ImportFileError(
            f"ブックの中身が大きすぎます（展開すると {megabytes(total)}、"
            f"{megabytes(max_uncompressed_bytes())} まで）。使っていない行・列・シートや"
            "書式を削除するか、ファイルを分けてください。"
        )


class Deadline:
    """The time a file may take to read, shared by every sheet of one upload."""

    def __init__(self, seconds: float | None = None):
        self.seconds = max_seconds() if seconds is None else seconds
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise ImportFileError(
                f"ファイルの読み込みに時間がかかりすぎるため中止しました（{self.seconds:g}秒まで）。"
                "使っていない行や列を削除するか、ファイルを分けてください。"
            )


def limited_rows(sheet, where: str, deadline: Deadline):
    """``(row number, cells)`` of a read-only sheet, from row 1, within the limits.

    The sheet's declared dimension is dropped, and each row is cut to ``MAX_COLUMNS + 1``
    cells: one more than the limit, so that a value beyond it is still seen and refused.
    """
    sheet.reset_dimensions()
    limit = max_sheet_rows()
    rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1)
    for number, cells in enumerate(rows, 1):
        if number > limit:
            raise ImportFileError(
                f"{where}行が多すぎます（空の行も数えて {limit - 1:,} 行まで）。"
                "使っていない行を削除するか、ファイルを分けてください。"
            )
        deadline.check()
        yield number, cells
