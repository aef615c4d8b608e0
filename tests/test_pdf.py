"""The printed report: the seed's PDF read back, the renderer's file access, its time limit,
the stored PDFs and where they are offered."""

import io
import logging
import multiprocessing
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from organisation import notation
from programs.models import Initiative, MarkerStyle
from publication import pdf
from publication.models import Edition
from publication.pdf import retry_pdf
from publication.publishing import freeze_edition
from publication.rendering import body_html
from publication.tree import load_report
from reports.models import Report
from tests import factories
from tests.conftest import IMMEDIATE_TASKS
from tests.seed_facts import FACTS
from tests.text import missing_in_order, squash

BIZ_UD_FONTS = {"BIZ-UDMincho", "BIZ-UDGothic", "BIZ-UDGothic-Bold"}
PDF_URL = "/reports/2020/digital-administration.pdf"
PRINT_CSS = '<link rel="stylesheet" href="/static/css/print.css">'
# The seed is printed as a first edition published on this day.
PUBLISHED_AT = datetime(2021, 6, 30, 10, 0)
STAMP = "第1版\u3000令和３年６月30日公開"


class WarningsCaught(logging.Handler):
    """WeasyPrint's warnings during a render: a missing glyph (.notdef) is one of them."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def __enter__(self):
        logging.getLogger("weasyprint").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("weasyprint").removeHandler(self)


@dataclass
class Rendered:
    content: bytes
    reader: PdfReader
    warnings: list[str]
    groups: list[str]
    numbered: dict[str, list[str]]  # numbered initiative → its (1) (2) items

    @cached_property
    def pages(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]


@pytest.fixture(scope="module")
def seed_pdf(django_db_setup, django_db_blocker) -> Rendered:
    """The seed report as its first edition, rendered once for the whole module (rendering
    takes about a second)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", "fy2020", verbosity=0)
        report = Report.objects.get(fiscal_year__year=2020, division__slug="digital-administration")
        tree = load_report(report)
        edition = Edition(report=report, number=1, published_at=timezone.make_aware(PUBLISHED_AT))
        with WarningsCaught() as caught:
            content = pdf.render_pdf(pdf.document_html(report, body_html(report, tree), edition))
        numbered = {
            node.heading: [
                child.heading for child in node.children if child.style == MarkerStyle.PAREN
            ]
            for node in tree.nodes()
            if node.depth == 0 and node.style == MarkerStyle.NUMERAL
        }
        groups = [section.section.name for section in tree.sections]
        transaction.set_rollback(True)
    return Rendered(content, PdfReader(io.BytesIO(content)), caught.messages, groups, numbered)


def _outline(reader: PdfReader, items=None) -> list:
    """The bookmarks as nested (title, children) pairs."""
    items = reader.outline if items is None else items
    tree = []
    for item in items:
        if isinstance(item, list):
            tree[-1] = (tree[-1][0], _outline(reader, item))
        else:
            tree.append((item.title, []))
    return tree


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Font name (without subset prefix) → whether its file is embedded."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            name = font["/BaseFont"].split("+", 1)[-1]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[name] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


# The seed report, read back


def test_seed_pdf_has_every_fact_in_the_seed_order(seed_pdf):
    assert missing_in_order("\n".join(seed_pdf.pages), FACTS) == []


def test_seed_pdf_keeps_katakana_words_of_table_cells_on_one_line(seed_pdf):
    text = "\n".join(seed_pdf.pages)

    # The contract of 8: 市町村のデジタル化推進に係るアドバイザー業務, once 「ア／ドバイザー」.
    assert re.search(r"係る\s*アドバイザー\s*業務", text)
    assert not re.search(r"[ァ-ヺ]\n[ァ-ヺー]+業務", text)


def test_seed_pdf_renders_every_glyph_without_a_warning(seed_pdf):
    assert not [m for m in seed_pdf.warnings if ".notdef" in m or "glyph" in m]
    assert seed_pdf.warnings == []


def test_seed_pdf_embeds_the_biz_ud_fonts_and_no_other(seed_pdf):
    fonts = _fonts(seed_pdf.reader)

    assert set(fonts) == BIZ_UD_FONTS
    assert all(fonts.values())


def test_seed_pdf_has_a_bookmark_per_group_numbered_initiative_and_its_items(seed_pdf):
    outline = _outline(seed_pdf.reader)

    assert [title for title, _ in outline] == ["目次", *seed_pdf.groups]
    initiatives = [item for _, children in outline[1:] for item in children]
    assert [title for title, _ in initiatives] == list(seed_pdf.numbered)
    for title, children in initiatives:
        assert [child for child, _ in children] == seed_pdf.numbered[title]
    assert ("２\u3000総合行政ネットワーク（ＬＧＷＡＮ）の運営", []) in initiatives


def test_seed_pdf_metadata(seed_pdf):
    reader = seed_pdf.reader
    info = reader.metadata
    catalog = reader.trailer["/Root"]

    assert info.title == "令和２年度 デジタル行政推進課 事務事業実績 第1版"
    assert info.author == "大阪府 スマートシティ戦略部 デジタル行政推進課"
    assert "デジタル行政推進課" in info.subject
    assert re.fullmatch(r"D:\d{14}\+09'00", info["/CreationDate"])
    assert catalog["/Lang"] == "ja"
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()


def test_seed_pdf_is_a4_portrait_with_the_expected_number_of_pages(seed_pdf):
    reader = seed_pdf.reader

    assert 10 <= len(reader.pages) <= 15
    for page in reader.pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)


def test_seed_pdf_opens_with_a_title_page_and_a_contents_page(seed_pdf):
    title_page, contents = seed_pdf.pages[:2]

    assert squash(title_page) == squash(
        f"令和２年度スマートシティ戦略部デジタル行政推進課事務事業実績{STAMP}"
    )
    assert squash("目次") in squash(contents)
    # Each entry ends with the page its bookmark leads to.
    reader = seed_pdf.reader
    for item in reader.outline[1:]:
        if isinstance(item, list):
            continue
        page = reader.get_destination_page_number(item) + 1
        assert re.search(rf"{re.escape(squash(item.title))}\.+{page}", squash(contents))


def test_seed_pdf_pages_have_a_running_header_and_a_footer_with_page_and_edition(seed_pdf):
    for number, text in enumerate(seed_pdf.pages[1:], start=2):
        lines = text.splitlines()
        assert lines[-2].startswith("令和２年度\u3000デジタル行政推進課")
        assert squash(lines[-1]) == squash(f"事務事業実績－{number}－{STAMP}")
    assert seed_pdf.pages[2].splitlines()[-2].endswith("企画調整グループ")


def test_a_missing_glyph_is_reported_to_the_caller():
    html = f"<html lang='ja'><head>{PRINT_CSS}</head><body><p>私用面\U0010fffd</p></body></html>"

    with WarningsCaught() as caught:
        pdf.render_pdf(html)

    assert [m for m in caught.messages if ".notdef" in m and "U+10FFFD" in m]


# The print stylesheet on a long table


def test_long_table_repeats_its_header_and_never_splits_a_row():
    rows = "".join(
        f"<tr><th scope='row'>市町村{n}</th><td>事業{n}<br>二行目</td>"
        f"<td class='num'>{n},000</td><td class='num'>{n * 2},000</td></tr>"
        for n in range(1, 121)
    )
    html = (
        f"<html lang='ja'><head>{PRINT_CSS}</head><body><table class='awards'>"
        "<caption>採択事業</caption><thead><tr><th>市町村名</th><th>事業名称</th>"
        f"<th>補助額</th><th>総事業費</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
    reader = PdfReader(io.BytesIO(pdf.render_pdf(html)))

    assert len(reader.pages) >= 3
    for page in reader.pages:
        text = page.extract_text()
        assert "市町村名 事業名称 補助額 総事業費" in text
        # A row's two lines stay on one page.
        assert len(re.findall(r"事業\d+\n二行目", text)) == text.count("二行目") > 0
    assert set(_fonts(reader)) <= BIZ_UD_FONTS  # the stylesheet was read through the fetcher


# The renderer reads our static files only


class _Server(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", f"file://{settings.STATIC_URL}css/print.css")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A local web server that answers every request with a redirect to our stylesheet."""
    _Server.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetcher():
    return pdf.StaticFilesFetcher()


def test_fetcher_serves_our_static_files_and_data_urls(fetcher):
    by_static_url = fetcher.fetch(f"file://{settings.STATIC_URL}css/print.css")
    own_path = Path(settings.STATICFILES_DIRS[0]) / "css" / "print.css"
    by_path = fetcher.fetch(own_path.resolve().as_uri())
    data = fetcher.fetch("data:text/css;base64,Ym9keSB7fQ==")

    assert by_static_url.content_type == "text/css"
    assert by_static_url.read() == by_path.read() == own_path.read_bytes()
    assert data.read() == b"body {}"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        f"file://{settings.STATIC_URL}../../../../../../etc/passwd",
        f"file://{settings.STATIC_URL}css/../../pyproject.toml",
        f"file://{Path(settings.STATICFILES_DIRS[0]).resolve()}/../config/settings.py",
        f"file://{settings.STATIC_URL}css/missing.css",
        "file://fileserver/static/css/print.css",
        "ftp://127.0.0.1/print.css",
        "https://example.org/print.css",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_anything_else(fetcher, url):
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch(url)


def test_fetcher_refuses_http_and_redirects_without_connecting(fetcher, web_server):
    for url in [f"{web_server}/", f"{web_server}/redirect-to-static.css"]:
        with pytest.raises(pdf.URLRefused):
            fetcher.fetch(url)
    assert _Server.hits == []


def test_fetcher_refuses_a_symlink_out_of_the_static_root(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text("body {}")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "css" / "link.css").symlink_to(secret)
    fetcher = pdf.StaticFilesFetcher(roots=[root], static_url="/static/")

    assert fetcher.fetch("file:///static/css/ok.css").read() == b"body {}"
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch("file:///static/css/link.css")
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch(secret.as_uri())


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="file:///etc/passwd" alt="">',
        '<img src="/static/../../../etc/passwd" alt="">',
        '<link rel="stylesheet" href="{server}/style.css">',
    ],
)
def test_render_fails_on_a_refused_url(web_server, tag):
    html = f"<html lang='ja'><head>{PRINT_CSS}</head><body><p>本文</p>{tag}</body></html>"

    with pytest.raises(pdf.PdfError, match="静的ファイル"):
        pdf.render_pdf(html.replace("{server}", web_server))
    assert _Server.hits == []


def test_render_is_stopped_at_its_time_limit():
    html = f"<html lang='ja'><head>{PRINT_CSS}</head><body>{'<p>本文</p>' * 2000}</body></html>"

    with pytest.raises(pdf.PdfTimeout, match="制限時間"):
        pdf.render_pdf(html, timeout=0.05)
    assert multiprocessing.active_children() == []


# Stored PDFs and where they are offered


@pytest.fixture
def staff(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.invalid", "pw"))
    return client


def test_preview_renders_once_per_content_and_again_after_an_edit(staff, seed):
    url = f"/admin/reports/report/{seed.pk}/pdf/"
    before = pdf.render_count

    first = staff.get(url)
    (stored,) = default_storage.listdir("pdf")[1]
    stored_at = default_storage.get_modified_time(f"pdf/{stored}")
    second = staff.get(url)

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content)
    assert pdf.render_count == before + 1
    assert default_storage.get_modified_time(f"pdf/{stored}") == stored_at

    Initiative.objects.filter(title="はんこレス").update(title="はんこレスの推進")
    assert staff.get(url).status_code == 200
    assert pdf.render_count == before + 2
    assert len(default_storage.listdir("pdf")[1]) == 2


def test_preview_is_for_staff_and_shows_drafts(client, staff, db):
    draft = factories.report(status=Report.Status.DRAFT)
    url = f"/admin/reports/report/{draft.pk}/pdf/"

    change_page = staff.get(f"/admin/reports/report/{draft.pk}/editor/").content.decode()
    assert f'href="{url}"' in change_page and "PDFプレビュー" in change_page
    response = staff.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("reader", "r@example.invalid", "pw"))
    assert client.get(url).status_code == 302


def test_public_pdf_is_the_editions_and_is_never_rendered_in_the_request(
    client, staff, seed, settings
):
    before = pdf.render_count
    pending = client.get(PDF_URL)
    assert pending.status_code == 503 and "作成中" in pending.content.decode()
    assert "PDF（" not in client.get(seed.get_absolute_url()).content.decode()
    assert pdf.render_count == before

    settings.TASKS = IMMEDIATE_TASKS
    retry_pdf(seed.editions.get())  # the background job, run at once
    response = client.get(PDF_URL)
    content = b"".join(response.streaming_content)

    assert response.status_code == 200 and content.startswith(b"%PDF-")
    assert pdf.render_count == before + 1
    page = client.get(seed.get_absolute_url()).content.decode()
    assert f'href="{PDF_URL}"' in page
    assert re.search(r"PDF（\d+(\.\d)?\sKB）", page)
    # The staff preview of the same, unchanged content uses the stored PDF.
    assert staff.get(f"/admin/reports/report/{seed.pk}/pdf/").status_code == 200
    assert pdf.render_count == before + 1


def test_public_pdf_has_a_japanese_file_name_with_an_ascii_fallback(client, seed):
    edition = seed.editions.get()
    edition.pdf.save("seed.pdf", io.BytesIO(b"%PDF-1.7 test"), save=False)
    edition.pdf_status = edition.PdfStatus.DONE
    edition.save()

    disposition = client.get(PDF_URL)["Content-Disposition"]

    fallback, encoded = re.fullmatch(
        r"inline; filename=\"([\x20-\x7e]+)\"; filename\*=UTF-8''([\x21-\x7e]+)", disposition
    ).groups()
    assert fallback == "R02_digital-administration_jimujigyo_ed1.pdf"
    assert unquote(encoded) == "R02_デジタル行政推進課_事務事業実績_第1版.pdf"


def test_export_report_writes_the_pdf(seed, tmp_path):
    out = tmp_path / "report.pdf"
    call_command("export_report", "2020", "digital-administration", format="pdf", output=out)

    reader = PdfReader(out)
    assert reader.metadata.title == "令和２年度 デジタル行政推進課 事務事業実績 第1版"
    with pytest.raises(CommandError, match="--output"):
        call_command("export_report", "2020", "digital-administration", format="pdf")


# Every copy says which it is


def test_second_edition_prints_its_number_and_date_and_a_revision_page(seed):
    note = "はんこレスの取組状況を更新"
    Initiative.objects.filter(title="はんこレス").update(body="押印義務の見直しを完了した。")
    second = freeze_edition(seed, change_note=note)
    date = notation.japanese_date(timezone.localdate(second.published_at))

    reader = PdfReader(io.BytesIO(pdf.render_pdf(pdf.edition_html(second))))
    pages = [page.extract_text() for page in reader.pages]

    assert f"第2版\u3000{date}公開" in pages[0]
    for text in pages[1:]:
        assert text.splitlines()[-1].endswith(f"第2版\u3000{date}公開")
    revisions = pages[-1]
    assert squash("改訂履歴版公開日改訂内容") in squash(revisions)
    assert squash(f"第1版{date}初版") in squash(revisions)
    assert squash(f"第2版{date}{note}") in squash(revisions)
    assert [item.title for item in reader.outline if not isinstance(item, list)][-1] == "改訂履歴"
    assert reader.metadata.title.endswith("第2版")


def test_first_edition_has_no_revision_page(seed_pdf):
    assert "改訂履歴" not in "".join(seed_pdf.pages)


def test_preview_of_a_draft_says_draft_on_every_page_in_its_name_and_metadata(
    client, seed, editor_a
):
    Initiative.objects.filter(title="はんこレス").update(body="押印義務の見直しを完了した。")
    client.force_login(editor_a)

    response = client.get(f"/admin/reports/report/{seed.pk}/pdf/")

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert 'filename="R02_digital-administration_jimujigyo_draft.pdf"' in disposition
    assert unquote(disposition.split("UTF-8''")[1]).endswith("_事務事業実績_下書き.pdf")
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 10
    assert [n for n, text in enumerate(pages, 1) if "下書き" not in text] == []
    assert "押印義務の見直しを完了した。" in squash("".join(pages))
    assert "第1版" not in "".join(pages)
    assert "下書き" in reader.metadata.title
    assert "下書き" in reader.metadata["/Keywords"]


def test_preview_of_unchanged_content_is_the_current_edition(client, seed, editor_a):
    client.force_login(editor_a)

    response = client.get(f"/admin/reports/report/{seed.pk}/pdf/")

    assert unquote(response["Content-Disposition"].split("UTF-8''")[1]).endswith("_第1版.pdf")
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert "下書き" not in "".join(page.extract_text() for page in reader.pages)
    assert reader.metadata.title.endswith("第1版")
