"""Spreadsheet import and export in the admin, and the report's 「Excelで編集」 round trip.

Every test goes through the admin's pages with a logged-in user, as a browser would: upload,
read the preview, confirm. Files are built here: CSV in UTF-8 (with or without BOM) and
Shift_JIS, XLSX with and without formulas.
"""

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from budgets.models import (
    Contract,
    ExpenditureItem,
    Municipality,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    Vendor,
)
from organisation.models import DivisionRole
from programs.models import Event, Figure, Initiative
from reports.models import Report
from spreadsheets.importing import neutralise, write_csv, write_xlsx
from tests import factories
from tests.forms import form_data
from tests.text import visible_text

SETTLEMENT_HEADER = ["年度", "課", "費目コード", "費目名", "種類", "金額（円）", "期間の注記"]
LGWAN_2020 = ["2020", "digital-administration", "lgwan-levy", "", "決算額", "37245320", ""]

MODELS = [
    ("budgets", "settlementamount", SettlementAmount),
    ("budgets", "expenditureitem", ExpenditureItem),
    ("budgets", "contract", Contract),
    ("budgets", "vendor", Vendor),
    ("budgets", "subsidyaward", SubsidyAward),
    ("budgets", "municipality", Municipality),
    ("programs", "event", Event),
    ("programs", "figure", Figure),
]


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.invalid", "pw")


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, title="Sheet") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, model, content: bytes, name="data.csv", app="budgets", **fields):
    """The first step of an import: the preview (a dry run)."""
    data = {"resource": "0", "format": "", "unit": "yen", **fields}
    data["import_file"] = SimpleUploadedFile(name, content)
    return client.post(f"/admin/{app}/{model}/import/", data)


def confirm(client, preview, model, app="budgets"):
    """The second step: submit the confirm form the preview shows."""
    data = form_data(preview.content.decode(), "confirm-import")
    assert data, "the preview offers no confirm button"
    return client.post(f"/admin/{app}/{model}/process_import/", data)


def export(client, model, fmt="0", app="budgets") -> bytes:
    response = client.post(f"/admin/{app}/{model}/export/", {"format": fmt, "resource": "0"})
    assert response.status_code == 200, visible_text(response.content.decode())
    return response.content


def snapshot(model):
    return sorted(tuple(str(v) for v in row) for row in model.objects.values_list().order_by("pk"))


def page_text(response) -> str:
    return re.sub(r"\s+", " ", visible_text(response.content.decode()))


def amount(code, year=2020, kind="settlement"):
    return SettlementAmount.objects.get(item__code=code, fiscal_year__year=year, kind=kind).amount


# Export


def test_export_is_utf8_csv_with_bom_and_japanese_headers_by_default(staff, seed):
    body = export(staff, "settlementamount")

    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == SETTLEMENT_HEADER
    assert [
        "2018",
        "digital-administration",
        "lgwan-levy",
        "地方公共団体情報システム機構への負担金",
        "決算額",
        "38294000",
        "",
    ] in rows
    assert len(rows) == 1 + SettlementAmount.objects.count()


def test_export_names_contracts_by_natural_keys_never_by_ids(staff, seed):
    rows = list(csv.reader(io.StringIO(export(staff, "contract").decode("utf-8-sig"))))

    assert rows[0][:5] == ["年度", "課", "取組", "名称", "委託先"]
    security = next(r for r in rows if r[3] == "大阪版自治体情報セキュリティクラウド構築等業務")
    assert security[:3] == [
        "2020",
        "digital-administration",
        "市町村連携グループ > 市町村の自治体情報セキュリティ対策の支援 > 契約状況",
    ]
    assert security[4:7] == ["（株）オプテージ", "2016-09", "2027-03"]


def test_export_in_shift_jis_and_xlsx(staff, seed):
    sjis = export(staff, "subsidyaward", fmt="1")
    xlsx = export(staff, "subsidyaward", fmt="2")

    assert "自動運転実装事業" in sjis.decode("cp932")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]][:4] == ["年度", "補助金", "事業名称", "市町村コード"]
    assert sheet["F2"].value == 5000000  # a number in Excel, not text


# Round trip of the seed: export, import, nothing changes


@pytest.mark.parametrize(("app", "model_name", "model"), MODELS)
@pytest.mark.parametrize("fmt", ["0", "1", "2"], ids=["utf8", "sjis", "xlsx"])
def test_exported_file_imports_back_without_changes(staff, seed, app, model_name, model, fmt):
    before = snapshot(model)
    body = export(staff, model_name, fmt, app=app)
    name = "data.xlsx" if fmt == "2" else "data.csv"

    preview = upload(staff, model_name, body, name=name, app=app)

    text = page_text(preview)
    assert f"新規 0件・変更 0件・変更なし {model.objects.count()}件・エラー 0件" in text, text
    confirm(staff, preview, model_name, app=app)
    assert snapshot(model) == before


# Dry run, then confirm


def test_preview_shows_old_and_new_value_and_changes_nothing_until_confirmed(staff, seed):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "決算額", "38,000,000", ""]]

    preview = upload(staff, "settlementamount", csv_bytes(rows))

    text = page_text(preview)
    assert "新規 0件・変更 1件・変更なし 0件・エラー 0件" in text
    assert "37,245,320 → 38,000,000" in text
    assert amount("lgwan-levy") == 37245320

    response = confirm(staff, preview, "settlementamount")

    assert response.status_code == 302
    assert amount("lgwan-levy") == 38000000


def test_confirmed_import_is_recorded_as_the_users_change(staff, seed, admin_user):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "", "1", ""]]
    confirm(staff, upload(staff, "settlementamount", csv_bytes(rows)), "settlementamount")

    record = SettlementAmount.objects.get(amount=1).history.first()
    assert record.history_user == admin_user
    assert record.history_change_reason == "ファイルの取り込み"
    assert LogEntry.objects.filter(user=admin_user, object_repr__contains="1円").exists()


def test_import_into_a_published_report_makes_it_a_draft_again(staff, seed):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "", "1", ""]]
    confirm(staff, upload(staff, "settlementamount", csv_bytes(rows)), "settlementamount")

    seed.refresh_from_db()
    assert seed.status == Report.Status.DRAFT


def test_preview_lists_every_row_as_new_changed_unchanged_or_error(staff, seed):
    factories.fiscal_year(2021)
    rows = [
        SETTLEMENT_HEADER,
        ["2021", "", "lgwan-levy", "", "", "40000000", ""],  # new
        ["2020", "", "jpki-levy", "", "", "1", ""],  # changed
        ["2019", "", "jpki-levy", "", "", "100135021", ""],  # unchanged
        ["2018", "", "jpki-levy", "", "", "abc", ""],  # error
    ]

    text = page_text(upload(staff, "settlementamount", csv_bytes(rows)))

    assert "新規 1件・変更 1件・変更なし 1件・エラー 1件" in text
    for line in ["2 新規", "3 変更", "4 変更なし", "5 エラー"]:
        assert line in text
    assert '5行目 金額（円）: 数値ではありません（"abc"）' in text
    assert "取り込みを確定する" not in text
    assert amount("jpki-levy") == 127182054


def test_confirm_is_all_or_nothing_when_the_data_changed_since_the_preview(staff, seed):
    ExpenditureItem.objects.create(division=seed.division, code="short-lived", name="一時的な費目")
    rows = [
        SETTLEMENT_HEADER,
        ["2020", "", "lgwan-levy", "", "", "1", ""],
        ["2020", "", "short-lived", "", "", "2", ""],
    ]
    preview = upload(staff, "settlementamount", csv_bytes(rows))
    # Between preview and confirm, someone else removes one of the items.
    ExpenditureItem.objects.filter(code="short-lived").delete()

    response = confirm(staff, preview, "settlementamount")

    text = page_text(response)
    assert "取り込みを中止しました" in text
    assert '3行目 費目コード: 費目コード "short-lived" は登録されていません' in text
    assert amount("lgwan-levy") == 37245320


# Numbers as staff type them


@pytest.mark.parametrize(
    ("typed", "header", "unit", "expected"),
    [
        ("38,294,000", "金額（円）", "yen", 38294000),
        ("３８，２９４，０００", "金額（円）", "yen", 38294000),
        ("38294000円", "金額（円）", "yen", 38294000),
        (" 38 294 000 ", "金額（円）", "yen", 38294000),
        ("38,294", "金額（千円）", "yen", 38294000),
        ("38,294", "金額", "thousand", 38294000),
        ("38294000", "金額", "yen", 38294000),
    ],
)
def test_amounts_are_read_as_staff_type_them(staff, seed, typed, header, unit, expected):
    rows = [
        ["年度", "費目コード", header],
        ["2018", "lgwan-levy", typed],
    ]
    SettlementAmount.objects.filter(item__code="lgwan-levy", fiscal_year__year=2018).update(
        amount=1
    )

    preview = upload(staff, "settlementamount", csv_bytes(rows), unit=unit)
    confirm(staff, preview, "settlementamount")

    assert amount("lgwan-levy", 2018) == expected


def test_a_fraction_of_a_yen_is_refused(staff, seed):
    rows = [["年度", "費目コード", "金額（千円）"], ["2018", "lgwan-levy", "38,294.5005"]]

    text = page_text(upload(staff, "settlementamount", csv_bytes(rows)))

    assert '2行目 金額（千円）: 1円未満の端数があります（"38,294.5005"）' in text


# Encodings and characters of Japanese offices


@pytest.mark.parametrize(("encoding", "fmt"), [("cp932", ""), ("utf-8-sig", ""), ("cp932", "2")])
def test_shift_jis_and_utf8_bom_files_keep_japanese_characters(staff, seed, encoding, fmt):
    name = "㈱テスト①ｼｽﾃﾑ"
    rows = [["事業者名"], [name], ["（株）全角１２３"]]

    preview = upload(staff, "vendor", csv_bytes(rows, encoding), format=fmt)
    assert "新規 2件" in page_text(preview)
    confirm(staff, preview, "vendor")

    assert Vendor.objects.filter(name=name).exists()
    assert Vendor.objects.filter(name="（株）全角１２３").exists()


def test_full_width_digits_name_years_and_amounts_in_a_shift_jis_file(staff, seed):
    rows = [["年度", "費目コード", "金額（円）"], ["２０１８", "lgwan-levy", "１２３，４５６円"]]

    confirm(staff, upload(staff, "settlementamount", csv_bytes(rows, "cp932")), "settlementamount")

    assert amount("lgwan-levy", 2018) == 123456


def test_utf8_without_bom_is_read_too(staff, seed):
    rows = [["事業者名"], ["株式会社ＡＢＣ"]]

    confirm(staff, upload(staff, "vendor", csv_bytes(rows, "utf-8")), "vendor")

    assert Vendor.objects.filter(name="株式会社ＡＢＣ").exists()


# Bad files: each refused with a clear message, the database unchanged


def _formula_xlsx() -> bytes:
    return xlsx_bytes([["年度", "費目コード", "金額（円）"], [2018, "lgwan-levy", "=1+1"]])


BAD_FILES = {
    "shift_jis declared as utf-8": (
        "settlementamount",
        csv_bytes([SETTLEMENT_HEADER, LGWAN_2020], "cp932"),
        {"format": "1"},
        "UTF-8 として読めません（1行目）",
    ),
    "utf-8 declared as shift_jis": (
        "settlementamount",
        csv_bytes([SETTLEMENT_HEADER, LGWAN_2020]),
        {"format": "2"},
        "Shift_JIS と指定されましたが、このファイルは UTF-8（BOM付き）です",
    ),
    "neither utf-8 nor shift_jis": (
        "vendor",
        "事業者名\r\n".encode("cp932") + b"\x85\x40\r\n",
        {},
        "文字コードを判別できません",
    ),
    "utf-16": (
        "vendor",
        "事業者名\r\nA社\r\n".encode("utf-16"),
        {},
        "UTF-16 などのファイルは読めません",
    ),
    "missing required column": (
        "settlementamount",
        csv_bytes([["年度", "費目コード"], ["2020", "lgwan-levy"]]),
        {},
        "必須の列がありません：「金額（円）」",
    ),
    "unknown column": (
        "settlementamount",
        csv_bytes([[*SETTLEMENT_HEADER, "メモ"], [*LGWAN_2020, "x"]]),
        {},
        "不明な列「メモ」があります",
    ),
    "duplicate natural key": (
        "settlementamount",
        csv_bytes([SETTLEMENT_HEADER, LGWAN_2020, LGWAN_2020]),
        {},
        "3行目: 2行目と費目コード・年度・種類が同じです",
    ),
    "negative amount": (
        "settlementamount",
        csv_bytes([["年度", "費目コード", "金額（円）"], ["2020", "lgwan-levy", "-1,000"]]),
        {},
        "2行目 金額（円）: 金額に負の数は入力できません",
    ),
    "text in a number column": (
        "settlementamount",
        csv_bytes([["年度", "費目コード", "金額（円）"], ["2020", "lgwan-levy", "abc"]]),
        {},
        '2行目 金額（円）: 数値ではありません（"abc"）',
    ),
    "unknown municipality code": (
        "subsidyaward",
        csv_bytes(
            [
                ["年度", "補助金", "事業名称", "市町村コード", "補助額（円）", "総事業費（円）"],
                ["2020", "大阪府スマートシティ戦略推進補助金", "新事業", "999999", "1", "2"],
            ]
        ),
        {},
        '2行目 市町村コード: 市町村コード "999999" が見つかりません',
    ),
    "unknown item code": (
        "settlementamount",
        csv_bytes([["年度", "費目コード", "金額（円）"], ["2020", "no-such-item", "1"]]),
        {},
        '2行目 費目コード: 費目コード "no-such-item" は登録されていません',
    ),
    "empty file": ("settlementamount", b"", {}, "ファイルが空です"),
    "only a header": (
        "settlementamount",
        csv_bytes([SETTLEMENT_HEADER]),
        {},
        "データの行がありません",
    ),
    "xlsx with a formula": (
        "settlementamount",
        _formula_xlsx(),
        {},
        "C2 のセルは数式で、計算結果が保存されていません",
    ),
    "xlsx chosen for a csv": (
        "vendor",
        csv_bytes([["事業者名"], ["A社"]]),
        {"format": "3"},
        "XLSX（Excel ブック）として読めません",
    ),
    "subsidy over the total cost": (
        "subsidyaward",
        csv_bytes(
            [
                ["年度", "補助金", "事業名称", "市町村コード", "補助額（円）", "総事業費（円）"],
                ["2020", "大阪府スマートシティ戦略推進補助金", "新事業", "271004", "2", "2"],
            ]
        ),
        {},
        "2行目: 補助額が補助率（1/2）を超えています",
    ),
    "gaiji in a shift_jis file": (
        "vendor",
        "事業者名\r\n".encode("cp932") + b"\xf0\x40\r\n",
        {},
        "外字（利用者定義文字）が含まれています（2行目）",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message_and_nothing_changes(staff, seed, case):
    model_name, content, fields, message = BAD_FILES[case]
    name = "data.xlsx" if content.startswith(b"PK") else "data.csv"
    before = {model: snapshot(model) for _, _, model in MODELS}

    response = upload(staff, model_name, content, name=name, **fields)

    text = page_text(response)
    assert message in text, text
    assert "取り込みを確定する" not in text
    assert {model: snapshot(model) for _, _, model in MODELS} == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(staff, seed, settings):
    settings.IMPORT_MAX_BYTES = 1024
    content = csv_bytes([SETTLEMENT_HEADER] + [LGWAN_2020] * 100)

    text = page_text(upload(staff, "settlementamount", content))

    assert "ファイルが大きすぎます" in text
    assert "取り込めるのは 0.0 MB まで" not in text
    assert not list((settings.MEDIA_ROOT).glob("**/*"))  # nothing was stored either


def test_a_file_over_the_row_limit_is_refused(staff, seed, settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [["事業者名"], ["A社"], ["B社"], ["C社"]]

    text = page_text(upload(staff, "vendor", csv_bytes(rows)))

    assert "行が多すぎます。取り込めるのは 2 行までです" in text
    assert not Vendor.objects.filter(name="A社").exists()


def test_an_xlsx_formula_with_a_saved_result_is_read_as_that_value(staff, seed):
    content = _with_cached_value(_formula_xlsx(), "C2", "4321")

    confirm(staff, upload(staff, "settlementamount", content, name="data.xlsx"), "settlementamount")

    assert amount("lgwan-levy", 2018) == 4321


def _with_cached_value(xlsx: bytes, ref: str, value: str) -> bytes:
    """Add the result Excel saves beside a formula (openpyxl writes the formula only)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index(f'<c r="{ref}"')
                end = text.index("</c>", start)
                text = text[:start] + f'<c r="{ref}"><f>1+1</f><v>{value}</v>' + text[end:]
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


# Formula injection: imported as inert text, exported neutralised


PAYLOADS = ['=HYPERLINK("http://example.invalid","クリック")', "@SUM(1+1)*cmd|' /C calc'!A0"]


def test_formula_payloads_are_imported_as_text_and_exported_neutralised(staff, seed):
    rows = [["事業者名"], *[[p] for p in PAYLOADS]]
    confirm(staff, upload(staff, "vendor", csv_bytes(rows)), "vendor")

    for payload in PAYLOADS:
        assert Vendor.objects.filter(name=payload).exists()
    exported = list(csv.reader(io.StringIO(export(staff, "vendor").decode("utf-8-sig"))))
    for payload in PAYLOADS:
        assert ["'" + payload, ""] in exported
    sheet = openpyxl.load_workbook(io.BytesIO(export(staff, "vendor", fmt="2"))).active
    cells = [c for c in sheet["A"] if str(c.value).startswith("'")]
    assert {c.value for c in cells} == {"'" + p for p in PAYLOADS}
    assert all(c.data_type == "s" for c in cells)


def test_neutralised_export_imports_back_to_the_same_text(staff, seed):
    rows = [["事業者名"], *[[p] for p in PAYLOADS]]
    confirm(staff, upload(staff, "vendor", csv_bytes(rows)), "vendor")
    before = snapshot(Vendor)

    preview = upload(staff, "vendor", export(staff, "vendor"))

    assert "変更 0件" in page_text(preview)
    confirm(staff, preview, "vendor")
    assert snapshot(Vendor) == before


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_is_neutralised_and_negative_numbers_stay_numbers(start):
    import tablib

    dataset = tablib.Dataset(["テキスト", f"{start}1+2", -5, "安全"], headers=["a", "b", "c", "d"])

    text = write_csv(dataset, "utf-8").decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert row == ["テキスト", f"'{start}1+2", "-5", "安全"]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx([("s", dataset)]))).active
    # Depending on the openpyxl version a carriage return comes back as itself or as a line
    # feed; either way the cell starts with the quote and is text.
    assert sheet["B2"].value.replace("\r", "\n") == f"'{start}1+2".replace("\r", "\n")
    assert sheet["B2"].data_type == "s"
    assert sheet["C2"].value == -5
    assert neutralise(-5) == -5


# Other models: natural keys that staff can read


def test_contract_import_finds_its_initiative_by_headings_and_vendor_by_former_name(staff, seed):
    header = ["年度", "課", "取組", "名称", "委託先", "契約期間（開始月）", "契約期間（終了月）"]
    rows = [
        [*header, "契約金額（円）", "税込"],
        [
            "2020",
            "digital-administration",
            "市町村連携グループ ＞ スマートシティ戦略推進アドバイザー ＞ 契約状況",
            "新しい業務委託",
            "（株）ケイ・オプティコム",
            "令和3年4月",
            "2022/3",
            "1,100,000",
            "はい",
        ],
    ]

    confirm(staff, upload(staff, "contract", csv_bytes(rows)), "contract")

    contract = Contract.objects.get(title="新しい業務委託")
    assert contract.vendor.name == "（株）オプテージ"
    assert contract.initiative.title == "契約状況"
    assert contract.initiative.parent.title == "スマートシティ戦略推進アドバイザー"
    assert (contract.starts_on.isoformat(), contract.ends_on.isoformat()) == (
        "2021-04-01",
        "2022-03-01",
    )
    assert contract.tax_included and contract.amount == 1100000


def test_an_initiative_that_is_not_there_is_named_in_the_error(staff, seed):
    rows = [
        ["年度", "課", "取組", "指標", "値"],
        ["2020", "digital-administration", "企画調整グループ > ない取組", "件数", "3"],
    ]

    text = page_text(upload(staff, "figure", csv_bytes(rows), app="programs"))

    assert (
        '2行目 取組: 取組 "企画調整グループ > ない取組" が2020年度の digital-administration' in text
    )


def test_events_and_figures_import_under_their_initiative(staff, seed):
    path = " > ".join(
        [
            "企画調整グループ",
            "働き方改革・業務改革の推進",
            "大阪府庁版「働き方改革」の推進",
            "ＲＰＡ本格導入",
        ]
    )
    figures = [
        ["年度", "課", "取組", "指標", "値", "単位", "約"],
        ["2020", "digital-administration", path, "対象業務数", "１０", "業務", ""],
    ]
    events = [
        ["年度", "課", "取組", "名称", "開催日（開始）", "参加者数"],
        ["2020", "digital-administration", path, "RPA説明会", "2021年2月3日", "25名"],
    ]

    confirm(
        staff, upload(staff, "figure", csv_bytes(figures), app="programs"), "figure", "programs"
    )
    confirm(staff, upload(staff, "event", csv_bytes(events), app="programs"), "event", "programs")

    assert Figure.objects.get(label="対象業務数").value == 10
    event = Event.objects.get(title="RPA説明会")
    assert (event.starts_on.isoformat(), event.participants) == ("2021-02-03", 25)
    assert event.initiative.title == "ＲＰＡ本格導入"


def test_joint_award_names_several_municipalities(staff, seed):
    rows = [
        ["年度", "補助金", "事業名称", "市町村コード", "補助額（千円）", "総事業費（千円）"],
        [
            "2020",
            "大阪府スマートシティ戦略推進補助金",
            "共同事業",
            "272116、272272",
            "6,000",
            "20,000",
        ],
    ]

    confirm(staff, upload(staff, "subsidyaward", csv_bytes(rows)), "subsidyaward")

    award = SubsidyAward.objects.get(title="共同事業")
    assert sorted(m.code for m in award.municipalities.all()) == ["272116", "272272"]
    assert award.subsidy == 6000000


def test_import_page_explains_every_column(staff, seed):
    text = page_text(staff.get("/admin/budgets/contract/import/"))

    assert "ファイルの列" in text
    assert "取組の見出しを、グループ名から順に「 > 」でつないで書きます" in text
    assert "5 MB・20,000行まで" in text


# Permissions and divisions


def _editor_of(division, *codenames):
    """An editor of ``division`` with exactly these permissions (not those of the role)."""
    user = User.objects.create_user("editor_b", "editor_b@example.invalid", "pw", is_staff=True)
    DivisionRole.objects.create(user=user, division=division, role=DivisionRole.Role.EDITOR)
    user.groups.clear()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


def test_editor_role_may_import_division_records_but_not_municipalities(client, seed):
    user = User.objects.create_user("editor_a", "editor_a@example.invalid", "pw")
    DivisionRole.objects.create(user=user, division=seed.division, role=DivisionRole.Role.EDITOR)
    client.force_login(User.objects.get(pk=user.pk))

    assert client.get("/admin/budgets/settlementamount/import/").status_code == 200
    assert client.get("/admin/budgets/municipality/import/").status_code == 403


def test_each_model_has_its_own_import_permission(client, seed):
    user = _editor_of(
        seed.division, "view_settlementamount", "change_settlementamount", "import_vendor"
    )
    client.force_login(user)

    assert client.get("/admin/budgets/settlementamount/import/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="import_settlementamount"))
    assert client.get("/admin/budgets/settlementamount/import/").status_code == 200


def test_editors_import_only_into_their_divisions(client, seed):
    other = factories.division("広報課")
    client.force_login(_editor_of(other, "view_settlementamount", "import_settlementamount"))
    rows = [["年度", "費目コード", "金額（円）"], ["2020", "lgwan-levy", "1"]]

    text = page_text(upload(client, "settlementamount", csv_bytes(rows)))

    assert '2行目 費目コード: 費目コード "lgwan-levy" の費目は変更できない課のものです' in text
    assert amount("lgwan-levy") == 37245320


# 「Excelで編集」 on the report's page


def _workbook(staff, report) -> openpyxl.Workbook:
    response = staff.get(f"/admin/reports/report/{report.pk}/excel/download/")
    assert (
        response["Content-Disposition"] == 'attachment; filename="2020-digital-administration.xlsx"'
    )
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _upload_workbook(staff, report, book):
    out = io.BytesIO()
    book.save(out)
    return staff.post(
        f"/admin/reports/report/{report.pk}/excel/",
        {"workbook": SimpleUploadedFile("book.xlsx", out.getvalue())},
    )


def _confirm_workbook(staff, report, preview):
    data = form_data(preview.content.decode(), "confirm-workbook")
    return staff.post(f"/admin/reports/report/{report.pk}/excel/confirm/", data)


def test_report_page_offers_excel_editing(staff, db):
    # A report without content: the seed's page takes long to render and shows the same link.
    report = factories.report()

    html = staff.get(f"/admin/reports/report/{report.pk}/editor/").content.decode()

    assert f'<a href="/admin/reports/report/{report.pk}/excel/">Excelで編集</a>' in html


def test_workbook_holds_the_divisions_figures_for_the_year(staff, seed):
    book = _workbook(staff, seed)

    assert book.sheetnames == ["決算額", "契約", "補助金採択事業", "説明"]
    amounts = [[c.value for c in row] for row in book["決算額"].iter_rows(min_row=2)]
    assert [str(v) for v in amounts[-1][:3]] == ["2020", "digital-administration", "lgwan-levy"]
    assert len(amounts) == 14
    assert book["契約"].max_row == 3
    assert book["補助金採択事業"].max_row == 7


def test_unchanged_workbook_changes_nothing(staff, seed):
    preview = _upload_workbook(staff, seed, _workbook(staff, seed))

    text = page_text(preview)
    assert "新規 0件・変更 0件・変更なし 14件・エラー 0件" in text
    assert "新規 0件・変更 0件・変更なし 2件・エラー 0件" in text
    assert "新規 0件・変更 0件・変更なし 6件・エラー 0件" in text


def test_one_changed_amount_shows_as_the_one_change_and_is_applied_on_confirm(staff, seed):
    book = _workbook(staff, seed)
    sheet = book["決算額"]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[2].value == "lgwan-levy" and r[0].value == 2020
    )
    row[5].value = 40000000

    preview = _upload_workbook(staff, seed, book)

    text = page_text(preview)
    assert "新規 0件・変更 1件・変更なし 13件・エラー 0件" in text
    assert "37,245,320 → 40,000,000" in text
    assert amount("lgwan-levy") == 37245320
    response = _confirm_workbook(staff, seed, preview)
    assert response.status_code == 302
    assert amount("lgwan-levy") == 40000000


def test_workbook_has_a_blank_row_for_each_amount_the_report_still_lacks(staff, seed):
    item = ExpenditureItem.objects.create(
        division=seed.division, code="new-levy", name="新しい負担金"
    )
    SettlementAmount.objects.create(item=item, fiscal_year=factories.fiscal_year(2019), amount=5)
    initiative = Initiative.objects.filter(section__report=seed).first()
    SettlementTable.objects.create(initiative=initiative, item=item)
    book = _workbook(staff, seed)
    blank = next(
        r
        for r in book["決算額"].iter_rows(min_row=2)
        if r[2].value == "new-levy" and r[0].value == 2020
    )
    assert blank[5].value is None

    assert "変更なし 16件" in page_text(
        _upload_workbook(staff, seed, book)
    )  # blank rows are left out
    blank[5].value = "1,234"
    _confirm_workbook(staff, seed, _upload_workbook(staff, seed, book))

    assert amount("new-levy") == 1234


def test_an_error_in_one_sheet_applies_no_sheet(staff, seed):
    book = _workbook(staff, seed)
    book["決算額"]["F2"].value = 1
    book["補助金採択事業"]["F2"].value = "たくさん"

    text = page_text(_upload_workbook(staff, seed, book))

    assert "シート「補助金採択事業」" in text
    assert '2行目 補助額（円）: 数値ではありません（"たくさん"）' in text
    assert "取り込みを確定する" not in text
    assert SettlementAmount.objects.filter(amount=1).count() == 0


def test_workbook_that_is_not_ours_is_refused(staff, seed):
    response = staff.post(
        f"/admin/reports/report/{seed.pk}/excel/",
        {"workbook": SimpleUploadedFile("book.xlsx", xlsx_bytes([["a"], [1]]))},
    )

    assert "シート「決算額」「契約」「補助金採択事業」のどれもありません" in page_text(response)


def test_editor_of_another_division_cannot_edit_the_report_in_excel(client, seed):
    other = factories.division("広報課")
    client.force_login(
        _editor_of(other, "import_settlementamount", "import_contract", "import_subsidyaward")
    )

    assert client.get(f"/admin/reports/report/{seed.pk}/excel/download/").status_code in (403, 404)
