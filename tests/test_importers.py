"""Importing a past report (.txt, .docx, .pdf) as a draft: the seed comes back whole, bad files
are refused in Japanese and leave nothing behind."""

import io
import json
import os
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from budgets.models import (
    AwardTable,
    Contract,
    ExpenditureItem,
    FormerVendorName,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
)
from organisation.models import Division, FiscalYear
from programs.models import (
    Event,
    Fact,
    Figure,
    FreeTable,
    Initiative,
    Note,
    TextBlock,
)
from publication.models import Edition
from publication.rendering import body_html
from publication.tree import load_report
from reports.models import Report, Section
from tests import factories
from tests.seed_facts import FACTS
from tests.text import missing_in_order, visible_text

BASE_DIR = Path(__file__).resolve().parent.parent
SEED = BASE_DIR / "fixtures" / "fy2020.txt"  # the source report, as published
FIXTURE = BASE_DIR / "fixtures" / "fy2020.json"
SLUG = "digital-administration"


# The seed, as the fixture has it -------------------------------------------------------------


def fixture_objects(model: str) -> list[dict]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [{"pk": o["pk"], **o["fields"]} for o in data if o["model"] == model]


def fixture_tree() -> list:
    """(group, depth, marker style, 【新規】, title) of every initiative of the fixture, in reading
    order."""
    return list(FIXTURE_SHAPE["tree"])


def report_tree(report: Report) -> list:
    rows = []
    for section in load_report(report).sections:
        for top in section.nodes:
            for node in top.walk():
                i = node.initiative
                rows.append((section.section.name, node.depth, i.marker_style, i.is_new, i.title))
    return rows


def piece_rows(piece) -> list[tuple]:
    """What the page shows of a piece, row by row, whatever model holds it."""
    if piece.kind == "text":
        return [("text", b.kind, tuple(b.lines)) for blocks in piece.shown for b in blocks]
    if piece.kind == "facts":
        return [("fact", f.label, f.value) for f in piece.rows]
    if piece.kind == "figures":
        return [("figure", f.display) for f in piece.rows]
    if piece.kind == "events":
        return [
            ("event", e.title, e.when, e.venue, e.attendance, e.description) for e in piece.rows
        ]
    if piece.kind == "settlement":
        return [
            ("amounts", t.caption, t.unit_label, tuple(t.headers), tuple(t.rows))
            for t in piece.shown
        ]
    if piece.kind == "contracts":
        return [
            ("contract", c.title, c.vendor.name, c.period, c.amount_display) for c in piece.rows
        ] + [("contract notes", tuple(piece.contract_notes))]
    if piece.kind == "awards":
        return [
            ("awards", a.table.programme.name, a.unit_label, tuple(a.rows), a.total)
            for a in piece.shown
        ]
    if piece.kind == "notes":
        return [("note", n.text) for n in piece.rows]
    return [
        ("table", f.table.caption, tuple(f.headers), tuple(map(tuple, f.rows))) for f in piece.shown
    ]


def reading(report: Report) -> list[tuple]:
    """The report as its page reads: every heading, then its text and blocks in their order, then
    its children."""
    rows = []

    def walk(node, section):
        i = node.initiative
        rows.append(("heading", section, node.depth, node.marker, i.is_new, i.title))
        rows.extend(("text", b.kind, tuple(b.lines)) for b in node.blocks)
        for piece in node.pieces:
            rows.extend(piece_rows(piece))
        for child in node.children:
            walk(child, section)

    for section in load_report(report).sections:
        for top in section.nodes:
            walk(top, section.section.name)
    return rows


# The fixture as the page reads it, taken once from the loaded fixture (see ``division``).
FIXTURE_SHAPE: dict = {}


def fixture_amounts() -> Counter:
    """(item, fiscal year, kind, amount, unit, period label) of every settlement amount."""
    items = {i["pk"]: i["name"] for i in fixture_objects("budgets.expenditureitem")}
    years = {y["pk"]: y["year"] for y in fixture_objects("organisation.fiscalyear")}
    return Counter(
        (
            items[a["item"]],
            years[a["fiscal_year"]],
            a["kind"],
            a["amount"],
            a["unit"],
            a["period_label"],
        )
        for a in fixture_objects("budgets.settlementamount")
    )


def report_amounts(division) -> Counter:
    return Counter(
        (a.item.name, a.fiscal_year.year, a.kind, a.amount, a.unit, a.period_label)
        for a in SettlementAmount.objects.filter(item__division=division).select_related(
            "item", "fiscal_year"
        )
    )


def squash_tags(html: str) -> str:
    """HTML without the layout whitespace between tags."""
    return re.sub(r">\s+<", "><", html)


def page_text(report: Report) -> str:
    """The report's body as the public page renders it."""
    return visible_text(body_html(report, load_report(report)))


def clear_division(division) -> None:
    """Remove the seed's report (and its editions) and money, keeping municipalities and fiscal
    years."""
    Edition.objects.filter(report__division=division).delete()
    Report.objects.filter(division=division).delete()
    SubsidyAward.objects.filter(programme__division=division).delete()
    SubsidyProgramme.objects.filter(division=division).delete()
    ExpenditureItem.objects.filter(division=division).delete()
    Vendor.objects.all().delete()


def remember_fixture_shape() -> None:
    if not FIXTURE_SHAPE:
        report = Report.objects.get(division__slug=SLUG)
        FIXTURE_SHAPE["tree"] = report_tree(report)
        FIXTURE_SHAPE["reading"] = reading(report)
        FIXTURE_SHAPE["rows"] = content_rows()


@pytest.fixture
def division(db):
    """The seed's division, empty: its municipalities and years are there, its report is not."""
    call_command("loaddata", "fy2020", verbosity=0)
    remember_fixture_shape()
    division = Division.objects.get(slug=SLUG)
    clear_division(division)
    return division


def import_file(path, *options, year=2020, slug=SLUG) -> str:
    out = io.StringIO()
    call_command(
        "import_report", str(path), "--year", str(year), "--division", slug, *options, stdout=out
    )
    return out.getvalue()


# What the seed's rows hold, every field but these: what ties a row to its division or report
# (another one after an import), an item's code (an import numbers its items) and an initiative's
# body, which ``reading`` compares as the page shows it (a blank line before a ※ note or not).
NOT_COMPARED = {
    Section: {"report"},
    Initiative: {"body"},
    Fact: set(),
    Figure: set(),
    Event: set(),
    Note: set(),
    TextBlock: set(),
    FreeTable: set(),
    SettlementTable: set(),
    Contract: set(),
    AwardTable: set(),
    ExpenditureItem: {"division", "code"},
    Vendor: set(),
    FormerVendorName: set(),
    SubsidyProgramme: {"division"},
    SubsidyAward: set(),
}


def named(obj) -> str:
    """A related row by what a reader knows it by: an initiative by its headings from the top,
    an item by its name and qualifier, anything else by its name."""
    if isinstance(obj, Initiative):
        titles = []
        while obj is not None:
            titles.append(obj.title)
            obj = obj.parent
        return " > ".join(reversed(titles))
    return str(obj)


def row_values(obj, names: list[str]) -> tuple:
    values = []
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if field.many_to_many:
            values.append(tuple(sorted(named(v) for v in value.all())))
        elif field.is_relation and value is not None:
            values.append(named(value))
        else:
            values.append(str(value))
    return tuple(values)


def content_rows() -> dict[str, list[tuple]]:
    """Every row of the content models, field by field, in a stable order."""
    rows = {}
    for model, skipped in NOT_COMPARED.items():
        names = [
            f.name
            for f in model._meta.get_fields()
            if f.concrete and not f.primary_key and f.name not in skipped
        ]
        rows[model._meta.label] = sorted(row_values(o, names) for o in model.objects.all())
    return rows


def without_spaces(rows: list[tuple]) -> list[tuple]:
    def strip(value):
        if isinstance(value, str):
            return re.sub(r"[\s\u3000]+", "", value)
        if isinstance(value, tuple):
            return tuple(strip(v) for v in value)
        return value

    return [strip(row) for row in rows]


def assert_same_content_as_fixture(spaces: bool = True) -> None:
    """Every row the fixture holds, field by field, and the whole page in its order: headings,
    text, and every block where the page shows it (``spaces=False``: spaces aside)."""
    kept = (lambda rows: rows) if spaces else without_spaces
    expected = FIXTURE_SHAPE["rows"]
    for label, rows in content_rows().items():
        assert kept(rows) == kept(expected[label]), label
    report = Report.objects.get(division__slug=SLUG)
    assert kept(reading(report)) == kept(FIXTURE_SHAPE["reading"])


def assert_like_seed(division, tree=True):
    report = Report.objects.get(division=division, fiscal_year__year=2020)
    assert report.status == Report.Status.DRAFT
    assert missing_in_order(page_text(report), FACTS) == []
    assert report_amounts(division) == fixture_amounts()
    if tree:
        assert report_tree(report) == fixture_tree()


# The seed, three ways ------------------------------------------------------------------------


def test_seed_text_becomes_a_draft_equal_to_the_fixture(division):
    output = import_file(SEED)

    assert "下書き「令和２年度 デジタル行政推進課」を作成しました。" in output
    assert_like_seed(division)
    assert_same_content_as_fixture()
    # The seed shows today's conventions: its report takes the defaults.
    report = Report.objects.get(division=division)
    assert (report.document_name, report.marker_set) == ("事務事業実績", "１ (1) 〇 ① ・")
    assert (report.office, report.unit_below_group, report.original_published_on) == ("", "", None)


def seed_as_docx(path: Path) -> None:
    """A Word file of the seed text: a paragraph per line, tables as Word tables (rows are
    separated by blank lines, each cell a line after a tab, as Word's text export writes)."""
    document = Document()
    lines = SEED.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("\t"):
            document.add_paragraph(lines[i])
            i += 1
            continue
        rows, row = [], []
        while i < len(lines):
            line = lines[i]
            if line.startswith("\t"):
                row.append(line[1:])
            elif line.strip() and row:
                row[-1] += "\n" + line
            elif not line.strip():
                if row:
                    rows.append(row)
                    row = []
                if not any(x.startswith("\t") for x in lines[i + 1 : i + 3]):
                    break
            i += 1
        table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for cells, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(cells.cells, values, strict=False):
                first, *more = value.split("\n")
                cell.paragraphs[0].text = first
                for text in more:
                    cell.add_paragraph(text)
    document.save(path)


def test_word_file_of_the_seed_gives_the_same_draft(division, tmp_path):
    path = tmp_path / "seed.docx"
    seed_as_docx(path)

    import_file(path)

    assert_like_seed(division)
    assert_same_content_as_fixture()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def published_seed_pdf(tmp_path) -> bytes:
    """The seed published as 第1版 and exported as the public downloads it."""
    from publication.publishing import freeze_edition

    freeze_edition(Report.objects.get(division__slug=SLUG))
    path = tmp_path / "published.pdf"
    export = ["2020", SLUG, "--format", "pdf", "--output", str(path)]
    call_command("export_report", *export, stderr=io.StringIO())
    return path.read_bytes()


def draft_seed_pdf(tmp_path) -> bytes:
    """The admin's preview of the seed as a draft: 下書き on every page, a watermark too."""
    from publication.pdf import render_report_pdf

    return render_report_pdf(Report.objects.get(division__slug=SLUG))


@pytest.mark.parametrize(
    ("make_pdf", "copy_mark"), [(published_seed_pdf, "第1版"), (draft_seed_pdf, "下書き")]
)
def test_seed_pdf_read_back_gives_the_same_facts_and_amounts(db, tmp_path, make_pdf, copy_mark):
    call_command("loaddata", "fy2020", verbosity=0)
    remember_fixture_shape()
    division = Division.objects.get(slug=SLUG)
    data = make_pdf(tmp_path)
    # The marks of which copy this is are printed on the title page and on every other page.
    pages = pdf_text(data).split("\n")
    assert sum(copy_mark in line for line in pages) > 10
    path = tmp_path / "seed.pdf"
    path.write_bytes(data)
    clear_division(division)

    import_file(path)

    # A PDF keeps no run of spaces (試行帳票平均　　　　88.38％): the rest is the fixture's.
    assert_same_content_as_fixture(spaces=False)
    # Page furniture (running heads, page numbers, copy marks, a watermark, the contents) does
    # not become content, and lines wrapped by the layout are joined again: the tree is the
    # fixture's.
    assert_like_seed(division)
    report = Report.objects.get(division=division)
    assert copy_mark not in page_text(report)
    assert "（未公開）" not in page_text(report)


def test_dry_run_prints_the_tree_markers_counts_and_amounts_and_creates_nothing(division):
    output = import_file(SEED, "--dry-run")

    assert "１　庁内ＩＣＴ化の推進" in output
    assert "①　情報セキュリティ技術セミナーの開催" in output
    assert "７　【新規】大阪府スマートシティ戦略推進補助金" in output
    assert "グループ：2" in output
    assert "1階層目 11、2階層目 16、3階層目 25、4階層目 6" in output
    assert (
        "大阪府統合宛名システム構築及び運用保守業務委託　令和２年度（～９月末）"
        "　決算額　8,756,286円" in output
    )
    assert "金額：14件" in output
    # Items of one name are told apart, text after a table stays where it is.
    assert (
        "地方公共団体情報システム機構への負担金（ＬＧＷＡＮ）　平成30年度　決算額　38,294,000円"
        in output
    )
    assert "地方公共団体情報システム機構への負担金（公的個人認証サービス）　令和２年度" in output
    assert "- 文章：中間サーバについては" in output
    assert "ブロック：本文 43、文章 2、注記 1、" in output
    assert "本文の段落にしたもの（確認してください）：4件" in output
    assert not Report.objects.filter(division=division).exists()
    assert not Initiative.objects.exists()


# Existing reports ------------------------------------------------------------------------------


def test_a_published_report_is_never_overwritten(division):
    factories.report(2020, division, status=Report.Status.PUBLISHED)

    with pytest.raises(CommandError, match="下書きではない（公開）ため取り込めません"):
        import_file(SEED)
    assert not Initiative.objects.exists()


def test_a_draft_is_replaced_only_when_asked(division):
    draft = factories.report(2020, division)

    with pytest.raises(CommandError, match="下書きがすでにあります"):
        import_file(SEED)
    assert Report.objects.get(division=division).pk == draft.pk

    import_file(SEED, "--replace")
    import_file(SEED, "--replace")  # twice: amounts and awards are not doubled

    assert_like_seed(division)
    assert SubsidyAward.objects.count() == 6


def test_an_import_that_fails_half_way_leaves_nothing(db):
    division = factories.division()  # no municipalities: the award table cannot be placed

    with pytest.raises(CommandError, match=r"市町村「.*河内長野市.*」が市町村の一覧にありません"):
        import_file(SEED, slug=division.slug)
    assert not Report.objects.exists()
    assert not Initiative.objects.exists()
    assert not ExpenditureItem.objects.exists()
    assert not SubsidyProgramme.objects.exists()


# Other documents of the genre -------------------------------------------------------------------

OLDER_REPORT = """平成18年度
広報課
広報グループ
1 広報誌の発行
(1) 府政だより
広報誌を毎月発行した。
ア　配布
（ア）全戸配布
府内全戸に配布した。
(2) 予算と決算
過去3ヶ年の予算額と決算額（単位：千円）
年度\t予算額\t決算額
平成16年度\t5,318\t5,000
平成17年度\t5,400\t5,100
平成18年度\t5,500\t－
● 購入した物品
品名\t数量\t金額
カメラ\t2\t120,000
カメラは広報課で保管している。
"""


def test_other_conventions_years_down_thousand_yen_and_free_tables(db, tmp_path):
    division = factories.division("広報課")
    path = tmp_path / "older.txt"
    path.write_bytes(OLDER_REPORT.encode("cp932"))

    output = import_file(path, year=2006, slug=division.slug)

    assert FiscalYear.objects.filter(year__in=[2004, 2005, 2006]).count() == 3
    # Amounts are kept as the document states them: 5,318 千円 is 5318 in 千円.
    amounts = {
        (a.fiscal_year.year, a.kind): a.display
        for a in SettlementAmount.objects.filter(item__division=division)
    }
    assert amounts == {
        (2004, "budget"): "5,318千円",
        (2004, "settlement"): "5,000千円",
        (2005, "budget"): "5,400千円",
        (2005, "settlement"): "5,100千円",
        (2006, "budget"): "5,500千円",
    }
    assert "予算と決算　平成16年度　予算額　5,318千円" in output
    assert "- 表：（表題なし） 3列×1行" in output
    assert "列：品名〔文字〕、数量〔数値〕、金額〔金額〕" in output
    report = Report.objects.get(division=division)
    html = body_html(report, load_report(report))
    # Nothing is dropped, and the table is a table on the page, named by its heading, with the
    # sentence after it below it.
    assert (
        missing_in_order(
            visible_text(html),
            [
                "府内全戸に配布した",
                "予算額",
                "5,318",
                "購入した物品",
                "品名",
                "カメラ",
                "120,000",
                "カメラは広報課で保管している。",
            ],
        )
        == []
    )
    assert '<td class="num">120,000</td>' in squash_tags(html)
    table = FreeTable.objects.get(initiative__title="購入した物品")
    assert [c["type"] for c in table.columns] == ["text", "number", "amount"]
    assert TextBlock.objects.get(initiative__title="購入した物品").order == table.order + 1
    titles = [row[-1] for row in report_tree(report)]
    assert titles == [
        "広報誌の発行",
        "府政だより",
        "配布",
        "全戸配布",
        "予算と決算",
        "購入した物品",
    ]
    depths = [row[1] for row in report_tree(report)]
    assert depths == [0, 1, 2, 3, 1, 2]


# Files that are refused -------------------------------------------------------------------------


def image_only_pdf() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 380, 60), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image_only_pdf())))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bomb(path: Path) -> None:
    """A small .docx whose document.xml expands to 200 MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)


def sparse_file(path: Path) -> None:
    path.write_bytes(b"")
    os.truncate(path, 21 * 1024 * 1024)


BAD_FILES = {
    "image.pdf": (lambda p: p.write_bytes(image_only_pdf()), "画像だけのPDF"),
    "locked.pdf": (lambda p: p.write_bytes(encrypted_pdf()), "パスワードで保護されたPDF"),
    "bomb.docx": (zip_bomb, "展開すると大きくなりすぎる"),
    "huge.txt": (sparse_file, "ファイルが大きすぎます"),
    "euc.txt": (
        lambda p: p.write_bytes(SEED.read_text().encode("euc_jp", errors="replace")),
        "文字コードを判別",
    ),
    "utf16.txt": (lambda p: p.write_bytes(SEED.read_text().encode("utf-16")), "文字コードを判別"),
    "empty.txt": (lambda p: p.write_bytes(b""), "ファイルが空です"),
    "notes.xlsx": (lambda p: p.write_bytes(b"PK"), "取り込めない形式"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_in_japanese_and_nothing_is_created(division, tmp_path, name):
    make, reason = BAD_FILES[name]
    path = tmp_path / name
    make(path)

    with pytest.raises(CommandError, match=reason):
        import_file(path)
    assert not Report.objects.filter(division=division).exists()
    assert not Initiative.objects.exists()


def test_shift_jis_and_bom_text_read_like_utf8(division, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "seed.txt"
    # cp932 has no U+00B7 (the seed's · bullets): a Shift_JIS file would have ・ there.
    path.write_bytes(text.replace("·", "・").encode("cp932"))
    import_file(path)
    assert_like_seed(division, tree=False)

    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    import_file(path, "--replace")
    assert_like_seed(division)
