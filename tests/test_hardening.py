"""Issue 12 items 2–7: hostile spreadsheets, four eyes on every write path, no lost update
across pages, vendor names as published, NUL, and the small faults. Each test is what the
persona who would do it does, through the admin's pages."""

import csv
import io
import shutil
import subprocess
import tracemalloc
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from budgets.models import Contract, ExpenditureItem, SettlementAmount, SubsidyProgramme, Vendor
from programs.models import Event, Figure, Initiative
from reports import workflow
from reports.models import Report
from spreadsheets.importing import read_xlsx, write_csv, write_xlsx
from tests import hostile_files
from tests.forms import form_data
from tests.test_import_export import (
    SETTLEMENT_HEADER,
    amount,
    confirm,
    csv_bytes,
    page_text,
    upload,
)

LAST_EDITOR = "自分が最後に編集した報告書は公開できません"


def _login(client, user):
    client.force_login(user)
    return client


def _resubmit(client, url, form_id, **changes):
    """Post the form at ``url`` as a browser would, with ``changes``."""
    data = form_data(client.get(url).content.decode(), form_id)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data)


def _xlsx_upload(client, content, model="vendor", app="budgets"):
    return upload(client, model, content, name="data.xlsx", app=app)


# 2. Spreadsheets that exhaust memory or time


def test_xlsx_declaring_the_whole_sheet_is_read_as_the_cells_it_has(client, seed, editor_a):
    content = hostile_files.whole_sheet_dimension(300)

    text = page_text(_xlsx_upload(_login(client, editor_a), content))

    assert "新規 300件・変更 0件・変更なし 0件・エラー 0件" in text
    # Believing <dimension>, a reader pads 300 rows to 16,384 cells each (about 40 MB).
    tracemalloc.start()
    read_xlsx(content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20


def test_xlsx_of_a_million_blank_rows_is_refused_while_streaming(client, seed, editor_a, settings):
    text = page_text(_xlsx_upload(_login(client, editor_a), hostile_files.blank_rows()))

    assert "行が多すぎます（空の行も数えて 40,000 行まで）" in text
    assert "取り込みを確定する" not in text
    assert not list(settings.MEDIA_ROOT.glob("**/*.*"))


def test_xlsx_inflating_beyond_the_limit_is_refused_before_it_is_opened(client, seed, editor_a):
    text = page_text(_xlsx_upload(_login(client, editor_a), hostile_files.inflating(100)))

    assert "ブックの中身が大きすぎます（展開すると 100 MB、40 MB まで）" in text


def test_xlsx_reading_stops_at_the_time_limit(client, seed, editor_a, settings):
    settings.IMPORT_MAX_SECONDS = 0

    text = page_text(
        _xlsx_upload(_login(client, editor_a), hostile_files.whole_sheet_dimension(50))
    )

    assert "ファイルの読み込みに時間がかかりすぎるため中止しました（0秒まで）" in text
    assert not Vendor.objects.filter(name="事業者1").exists()


def test_excel_round_trip_refuses_a_workbook_of_blank_rows(client, seed, editor_a):
    _login(client, editor_a)
    content = hostile_files.blank_rows(title="決算額")

    response = client.post(
        f"/admin/reports/report/{seed.pk}/excel/",
        {"workbook": SimpleUploadedFile("book.xlsx", content)},
    )

    assert "シート「決算額」の行が多すぎます（空の行も数えて 40,000 行まで）" in page_text(response)


# 3. Four eyes on every write path: an approver who wrote cannot then publish


def _figure():
    return Figure.objects.select_related("initiative").first()


def _change(client, seed):
    url = f"/admin/programs/initiative/{Initiative.objects.get(title='はんこレス').pk}/change/"
    return _resubmit(client, url, "initiative_form", body="押印を見直した。")


def _add(client, seed):
    return _resubmit(
        client,
        "/admin/programs/figure/add/",
        "figure_form",
        initiative=str(_figure().initiative_id),
        label="新しい指標",
        value="3",
    )


def _delete(client, seed):
    return client.post(f"/admin/programs/figure/{_figure().pk}/delete/", {"post": "yes"})


def _bulk_delete(client, seed):
    return client.post(
        "/admin/programs/figure/",
        {"action": "delete_selected", "_selected_action": [_figure().pk], "post": "yes"},
    )


def _revert(client, seed):
    initiative = Initiative.objects.get(title="はんこレス")
    Initiative.objects.filter(pk=initiative.pk).update(title="はんこレス（誤り）")
    record = initiative.history.order_by("history_id").first()
    url = f"/admin/programs/initiative/{initiative.pk}/history/{record.history_id}/"
    return _resubmit(client, url, "historicalinitiative_form")


def _import(client, seed):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "", "1", ""]]
    return confirm(client, upload(client, "settlementamount", csv_bytes(rows)), "settlementamount")


def _excel(client, seed):
    preview = _upload_workbook(client, seed, lgwan_2020=40_000_000)
    data = form_data(preview.content.decode(), "confirm-workbook")
    return client.post(f"/admin/reports/report/{seed.pk}/excel/confirm/", data)


def _upload_workbook(client, seed, lgwan_2020):
    import openpyxl

    response = client.get(f"/admin/reports/report/{seed.pk}/excel/download/")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for row in book["決算額"].iter_rows(min_row=2):
        if row[2].value == "lgwan-levy" and row[0].value == 2020:
            row[5].value = lgwan_2020
    out = io.BytesIO()
    book.save(out)
    return client.post(
        f"/admin/reports/report/{seed.pk}/excel/",
        {"workbook": SimpleUploadedFile("book.xlsx", out.getvalue())},
    )


WRITE_PATHS = {
    "change": _change,
    "add": _add,
    "delete": _delete,
    "bulk delete": _bulk_delete,
    "revert": _revert,
    "import confirm": _import,
    "excel round trip": _excel,
}


@pytest.mark.parametrize("path", WRITE_PATHS, ids=list(WRITE_PATHS))
def test_approver_who_wrote_by_any_path_cannot_publish(
    client, seed, editor_a, approver_a, approver_a2, path
):
    response = WRITE_PATHS[path](_login(client, approver_a), seed)
    assert response.status_code == 302, page_text(response)

    seed.refresh_from_db()
    assert seed.status == Report.Status.DRAFT
    assert seed.last_edited_by == approver_a
    workflow.submit(seed, editor_a)
    refused = client.post(
        f"/admin/reports/report/{seed.pk}/workflow/publish/", {"change_note": "改訂"}
    )
    assert LAST_EDITOR in page_text(refused)
    assert seed.editions.count() == 1
    workflow.publish(Report.objects.get(pk=seed.pk), approver_a2, "改訂")
    assert seed.editions.count() == 2


# 4. No lost update across pages


ROWS_ON_INITIATIVE_PAGES = [
    (Contract, "contract", "amount", "1"),
    (Event, "event", "venue", "会議室"),
    (Figure, "figure", "value", "1"),
]


@pytest.mark.parametrize(
    ("model", "name", "field", "value"),
    ROWS_ON_INITIATIVE_PAGES,
    ids=["contract", "event", "figure"],
)
def test_initiative_page_opened_before_its_row_changed_elsewhere_is_refused(
    client, seed, editor_a, approver_a, model, name, field, value
):
    row = model.objects.first()
    page = f"/admin/programs/initiative/{row.initiative_id}/change/"
    stale = form_data(_login(client, editor_a).get(page).content.decode(), "initiative_form")

    other = _login(type(client)(), approver_a)
    changed = _resubmit(
        other,
        f"/admin/{row._meta.app_label}/{name}/{row.pk}/change/",
        f"{name}_form",
        **{field: value},
    )
    assert changed.status_code == 302
    after = getattr(model.objects.get(pk=row.pk), field)

    stale["title"] = ["見出しを直した"]
    text = page_text(client.post(page, stale))

    assert "保存できませんでした。この画面を開いた後に" in text and "approver_aさんが" in text
    assert getattr(model.objects.get(pk=row.pk), field) == after
    assert Initiative.objects.get(pk=row.initiative_id).title != "見出しを直した"


def test_item_page_opened_before_an_amount_changed_on_its_own_page_is_refused(
    client, seed, editor_a, approver_a
):
    item = ExpenditureItem.objects.get(code="lgwan-levy")
    page = f"/admin/budgets/expenditureitem/{item.pk}/change/"
    stale = form_data(_login(client, editor_a).get(page).content.decode(), "expenditureitem_form")
    row = SettlementAmount.objects.get(item=item, fiscal_year__year=2020)
    other = _login(type(client)(), approver_a)
    url = f"/admin/budgets/settlementamount/{row.pk}/change/"
    assert _resubmit(other, url, "settlementamount_form", amount="37245999").status_code == 302

    stale["name"] = ["負担金（改称）"]
    text = page_text(client.post(page, stale))

    assert "この画面を開いた後に" in text and "approver_aさんが" in text
    assert amount("lgwan-levy") == 37245999


def test_import_confirmed_after_its_rows_changed_asks_for_a_new_preview(
    client, seed, editor_a, approver_a
):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "", "1", ""]]
    first = upload(_login(client, editor_a), "settlementamount", csv_bytes(rows))
    other = _login(type(client)(), approver_a)
    rows[1][5] = "2"
    assert (
        confirm(
            other, upload(other, "settlementamount", csv_bytes(rows)), "settlementamount"
        ).status_code
        == 302
    )

    text = page_text(confirm(client, first, "settlementamount"))

    assert "内容を確認した後に、approver_aさんが" in text
    assert "内容の確認からやり直してください" in text
    assert amount("lgwan-levy") == 2


def test_excel_confirmed_after_its_rows_changed_asks_for_a_new_preview(
    client, seed, editor_a, approver_a
):
    preview = _upload_workbook(_login(client, editor_a), seed, lgwan_2020=1)
    other = _login(type(client)(), approver_a)
    row = SettlementAmount.objects.get(item__code="lgwan-levy", fiscal_year__year=2020)
    url = f"/admin/budgets/settlementamount/{row.pk}/change/"
    assert _resubmit(other, url, "settlementamount_form", amount="2").status_code == 302

    data = form_data(preview.content.decode(), "confirm-workbook")
    text = page_text(client.post(f"/admin/reports/report/{seed.pk}/excel/confirm/", data))

    assert "内容を確認した後に、approver_aさんが" in text
    assert amount("lgwan-levy") == 2


# 5. Vendor names: public as published; renamed by whom may


def _optage():
    return Vendor.objects.get(name="（株）オプテージ")


def test_unpublished_rename_does_not_reach_the_public(client, seed, administrator):
    vendor = _optage()
    url = f"/admin/budgets/vendor/{vendor.pk}/change/"
    assert (
        _resubmit(
            _login(client, administrator), url, "vendor_form", name="（株）新社名"
        ).status_code
        == 302
    )
    client.logout()

    vendor_page = page_text(client.get(f"/vendors/{vendor.pk}/"))
    report_page = page_text(client.get(seed.get_absolute_url()))

    assert "（株）オプテージ" in vendor_page and "新社名" not in vendor_page
    assert "新社名" not in report_page


def test_rename_leaves_published_reports_and_their_last_editor_alone(
    client, seed, editor_a, administrator
):
    seed.last_edited_by = editor_a
    seed.save()
    url = f"/admin/budgets/vendor/{_optage().pk}/change/"

    _resubmit(_login(client, administrator), url, "vendor_form", name="（株）新社名")

    seed.refresh_from_db()
    assert seed.status == Report.Status.PUBLISHED
    assert seed.last_edited_by == editor_a


def test_rename_reaches_the_vendor_page_with_the_next_edition(
    client, seed, editor_a, approver_a, administrator
):
    vendor = _optage()
    url = f"/admin/budgets/vendor/{vendor.pk}/change/"
    _resubmit(_login(client, administrator), url, "vendor_form", name="（株）新社名")
    workflow.submit(seed, editor_a)  # a published report is submitted again as it is
    seed.status = Report.Status.REVIEW
    workflow.publish(seed, approver_a, "事業者名の変更")
    client.logout()

    assert "（株）新社名" in page_text(client.get(f"/vendors/{vendor.pk}/"))


def test_editor_of_b_cannot_rename_a_vendor_only_a_uses(client, seed, editor_b):
    vendor = _optage()

    response = _login(client, editor_b).post(
        f"/admin/budgets/vendor/{vendor.pk}/change/", {"name": "改ざん"}
    )

    assert response.status_code in (302, 403)
    assert Vendor.objects.get(pk=vendor.pk).name == "（株）オプテージ"
    seed.refresh_from_db()
    assert seed.status == Report.Status.PUBLISHED


def test_editor_renames_a_vendor_only_while_no_other_division_uses_it(
    client, seed, editor_a, division_b
):
    vendor = _optage()
    url = f"/admin/budgets/vendor/{vendor.pk}/change/"
    _login(client, editor_a)
    assert _resubmit(client, url, "vendor_form", name="（株）オプテージ西").status_code == 302

    other = Initiative.objects.create(
        section=Report.objects.create(
            fiscal_year=seed.fiscal_year, division=division_b
        ).sections.create(name="広報グループ"),
        title="広報",
    )
    Contract.objects.create(
        initiative=other,
        title="広報業務",
        vendor=vendor,
        starts_on=date(2020, 4, 1),
        ends_on=date(2021, 3, 1),
        amount=1,
    )

    assert client.get(url).status_code in (200, 403)
    assert "（株）オプテージ東" not in page_text(client.get(url))
    response = _resubmit(client, url, "vendor_form", name="（株）オプテージ東")
    assert response.status_code == 403
    assert Vendor.objects.get(pk=vendor.pk).name == "（株）オプテージ西"


# 6. NUL, the same on SQLite and PostgreSQL


def test_nul_in_a_search_is_ignored(client, seed):
    response = client.get("/search/?q=%00はんこ")

    assert response.status_code == 200
    assert "「はんこ」の検索結果" in page_text(response)


def test_nul_in_a_path_is_answered_in_japanese(client, seed):
    response = client.get("/municipalities/%00/")

    assert response.status_code == 400
    assert "URLに使えない文字があります" in page_text(response)


def test_nul_in_an_autocomplete_term_is_ignored(client, seed, editor_a):
    response = _login(client, editor_a).get(
        "/admin/autocomplete/",
        {"app_label": "budgets", "model_name": "contract", "field_name": "vendor", "term": "\x00"},
    )

    assert response.status_code == 200


def test_nul_typed_into_a_form_is_removed(client, seed, editor_a):
    initiative = Initiative.objects.get(title="はんこレス")
    url = f"/admin/programs/initiative/{initiative.pk}/change/"

    response = _resubmit(_login(client, editor_a), url, "initiative_form", title="はんこ\x00レス2")

    assert response.status_code == 302
    assert Initiative.objects.get(pk=initiative.pk).title == "はんこレス2"


def test_csv_with_a_nul_after_its_first_4_kb_is_refused(client, seed, editor_a):
    content = csv_bytes([["事業者名"]] + [[f"事業者{n:04d}"] for n in range(400)])
    content += b"A\x00B\r\n"
    assert len(content) > 4096

    text = page_text(upload(_login(client, editor_a), "vendor", content))

    assert "NUL 文字（0x00）が含まれています（402行目）" in text
    assert not Vendor.objects.filter(name="事業者0001").exists()


# 7. Low


def test_confirming_the_same_import_twice_says_it_is_done(client, seed, editor_a):
    rows = [SETTLEMENT_HEADER, ["2020", "", "lgwan-levy", "", "", "1", ""]]
    preview = upload(_login(client, editor_a), "settlementamount", csv_bytes(rows))
    assert confirm(client, preview, "settlementamount").status_code == 302

    again = confirm(client, preview, "settlementamount")

    assert again.status_code == 302
    assert "この取り込みはすでに確定したか" in page_text(client.get(again.url))
    assert amount("lgwan-levy") == 1


def test_history_of_a_malformed_version_is_not_found(client, seed, editor_a):
    initiative = Initiative.objects.get(title="はんこレス")

    response = _login(client, editor_a).get(
        f"/admin/programs/initiative/{initiative.pk}/history/abc/"
    )

    assert response.status_code == 404


def test_inline_row_id_that_is_not_a_number_is_refused(client, seed, editor_a):
    tablet = Initiative.objects.get(title="タブレット端末機の本格導入")
    url = f"/admin/programs/initiative/{tablet.pk}/change/"

    response = _resubmit(_login(client, editor_a), url, "initiative_form", **{"facts-0-id": "abc"})

    assert response.status_code == 200
    assert "この画面で編集できない行が送られてきたため" in page_text(response)


def test_equal_orders_with_a_validation_error_show_the_form_again(client, seed, editor_a):
    tablet = Initiative.objects.get(title="タブレット端末機の本格導入")
    url = f"/admin/programs/initiative/{tablet.pk}/change/"
    data = form_data(_login(client, editor_a).get(url).content.decode(), "initiative_form")
    for name in [n for n in data if n.startswith("facts-") and n.endswith("-order")]:
        data[name] = ["1"]
    data["facts-0-label"] = [""]

    response = client.post(url, data)

    assert response.status_code == 200
    assert "このフィールドは必須です" in page_text(response)


def test_list_filters_offer_editors_only_their_own_rows(client, seed, editor_b):
    _login(client, editor_b)
    programme = SubsidyProgramme.objects.get().name

    for url in [
        "/admin/budgets/subsidyaward/",
        "/admin/budgets/settlementamount/",
        "/admin/programs/initiative/",
        "/admin/budgets/expenditureitem/",
    ]:
        text = page_text(client.get(url))
        assert programme not in text and "デジタル行政推進課" not in text, url


def test_file_just_over_the_size_limit_is_told_its_real_size(client, seed, editor_a):
    content = b"x" * (5 * 1024 * 1024 + 1)

    text = page_text(upload(_login(client, editor_a), "vendor", content))

    assert "ファイルが大きすぎます（5,242,881 バイト。5 MB を超えています）" in text
    assert "（5 MB）" not in text


def test_csv_starting_with_nul_is_not_called_utf16(client, seed, editor_a):
    text = page_text(
        upload(_login(client, editor_a), "vendor", b"\x00" + "事業者名\r\nA社\r\n".encode())
    )

    assert "UTF-16" not in text
    assert "NUL 文字（0x00）が含まれています（1行目）" in text


def test_mixed_encoding_csv_names_its_lines(client, seed, editor_a):
    content = "事業者名\r\nＡ社\r\n".encode() + "Ｂ社\r\n".encode("cp932")

    text = page_text(upload(_login(client, editor_a), "vendor", content))

    assert (
        "文字コードの違う行が混ざっています（1行目は UTF-8、3行目は UTF-8 ではありません）" in text
    )


FULL_WIDTH = ["＝1+1", "＋1+1", "－1+1", "＠SUM(1)"]


def _dataset():
    import tablib

    return tablib.Dataset(*[[v] for v in FULL_WIDTH], headers=["名称"])


def test_cells_beginning_with_full_width_signs_are_exported_as_typed():
    rows = list(csv.reader(io.StringIO(write_csv(_dataset(), "utf-8").decode("utf-8-sig"))))

    assert [r[0] for r in rows[1:]] == FULL_WIDTH


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_libreoffice_keeps_full_width_signs_as_text(tmp_path, kind):
    source = tmp_path / f"export.{kind}"
    if kind == "csv":
        # With a control row that LibreOffice does run, to show that it evaluates formulas.
        source.write_bytes(write_csv(_dataset(), "utf-8") + b"=1+1\r\n")
    else:
        source.write_bytes(write_xlsx([("データ", _dataset())]))
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    # As a Japanese user's LibreOffice reads it: UTF-8, formulas evaluated.
    options = ["--infilter=CSV:44,34,76,1,,0,false,false,false,false,false,-1,true"]
    subprocess.run(
        [
            "libreoffice",
            profile,
            "--headless",
            *(options if kind == "csv" else []),
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    import zipfile

    content = zipfile.ZipFile(tmp_path / "out" / "export.ods").read("content.xml").decode()
    for value in FULL_WIDTH:
        assert f'office:value-type="string" calcext:value-type="string"><text:p>{value}' in content
    assert content.count("table:formula") == (1 if kind == "csv" else 0)
