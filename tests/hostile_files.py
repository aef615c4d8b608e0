"""Spreadsheets built to exhaust a reader, and a legitimate large one; used by the tests and by
bench/spreadsheets.py."""

import io
import zipfile

import openpyxl

VENDOR_HEADER = ["事業者名"]


def _rewrite(xlsx: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item.filename, data)
    return out.getvalue()


def workbook(rows, title: str = "Sheet") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def whole_sheet_dimension(rows: int = 2000) -> bytes:
    """A small workbook whose sheet declares A1:XFD1048576: every row padded to 16,384 cells
    by a reader that believes it."""
    xlsx = workbook([VENDOR_HEADER] + [[f"事業者{n}"] for n in range(rows)])

    def declare(xml):
        start = xml.index("<dimension")
        end = xml.index("/>", start) + 2
        return xml[:start] + '<dimension ref="A1:XFD1048576"/>' + xml[end:]

    return _rewrite(xlsx, declare)


def blank_rows(count: int = 1_048_575, title: str = "Sheet") -> bytes:
    """A header, then ``count`` blank rows, as Excel writes rows it has formatted."""
    xlsx = workbook([VENDOR_HEADER], title)

    def pad(xml):
        rows = "".join(f'<row r="{n}"/>' for n in range(2, count + 2))
        return xml.replace("</row></sheetData>", "</row>" + rows + "</sheetData>")

    return _rewrite(xlsx, pad)


def inflating(megabytes: int = 100) -> bytes:
    """A sheet padded with white space: a few hundred KB that inflate to ``megabytes``."""
    xlsx = workbook([VENDOR_HEADER, ["A社"]])
    return _rewrite(
        xlsx, lambda xml: xml.replace("<sheetData>", " " * megabytes * 2**20 + "<sheetData>")
    )


def legitimate(rows: int = 20_000) -> bytes:
    """A settlement-amount file of ``rows`` rows, the most the import allows."""
    header = ["年度", "課", "費目コード", "費目名", "種類", "金額（円）", "期間の注記"]
    return workbook(
        [header]
        + [
            [2020, "digital-administration", f"item-{n:05d}", f"費目{n}", "決算額", 1000 + n, ""]
            for n in range(rows)
        ]
    )
