"""Document conventions are settings of a report: its name, a 室 above the division, a 担当
below the group, its markers per depth and the day an archived report was first published.
Today's conventions are the defaults, so the seed renders as it always did."""

import io
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from programs.models import Initiative, MarkerStyle
from publication.pdf import edition_pdf_bytes
from publication.publishing import freeze_edition
from publication.rendering import body_html
from publication.tree import load_report
from reports.conventions import DEFAULT_MARKER_SET, Markers
from reports.models import Report, Section
from tests import factories
from tests.text import visible_text


def test_a_marker_set_names_the_first_marker_of_each_depth():
    markers = Markers.of("1 （１） ○ ア (ア) ●")

    assert [markers.at_depth(0).marker(n) for n in (1, 2, 12)] == ["1", "2", "12"]
    assert [markers.at_depth(1).marker(n) for n in (1, 12)] == ["（１）", "（１２）"]
    assert markers.at_depth(2).marker(3) == "○"
    assert [markers.at_depth(3).marker(n) for n in (1, 2, 3)] == ["ア", "イ", "ウ"]
    assert markers.at_depth(4).marker(2) == "(イ)"
    # Deeper than the set: its last form again.
    assert markers.at_depth(9).marker(1) == "●"
    # A heading that asks for a kind the set does not name gets today's form of it.
    assert markers.of_kind("enclosed").marker(2) == "②"


def test_todays_markers_are_the_default():
    markers = Markers.of(DEFAULT_MARKER_SET)

    assert [markers.at_depth(d).marker(2) for d in range(5)] == ["２", "(2)", "〇", "②", "・"]
    assert markers.at_depth(0).marker(10) == "10"


def test_a_marker_set_with_an_unknown_marker_is_refused_in_japanese(db):
    report = Report(
        fiscal_year=factories.fiscal_year(), division=factories.division(), marker_set="1 * ○"
    )

    with pytest.raises(ValidationError) as refusal:
        report.full_clean()

    assert "見出し記号「*」は使えません" in refusal.value.message_dict["marker_set"][0]


def older_report() -> Report:
    """A report of 平成18年度 as its document was: 事務事業執行概要, 広聴室 above the division,
    担当 under the group, half-width numbers and ○."""
    report = factories.report(2006, factories.division("広報課"))
    report.document_name = "事務事業執行概要"
    report.office = "広聴室"
    report.unit_below_group = "担当"
    report.marker_set = "1 (1) ○"
    report.original_published_on = date(2007, 6, 29)
    report.full_clean()
    report.save()
    section = Section.objects.create(report=report, name="広報グループ")
    unit = Initiative.objects.create(section=section, title="広報誌担当", order=1)
    first = Initiative.objects.create(section=section, parent=unit, title="広報誌の発行", order=1)
    Initiative.objects.create(section=section, parent=unit, title="写真の撮影", order=2)
    paper = Initiative.objects.create(section=section, parent=first, title="府政だより", order=1)
    Initiative.objects.create(section=section, parent=paper, title="全戸配布", order=1)
    Initiative.objects.create(
        section=section, parent=paper, title="駅での配布", order=2, marker_style=MarkerStyle.KANA
    )
    return report


def headings(html: str) -> list[str]:
    """Each heading as shown: its marker, a space, its title."""
    found = re.findall(r'class="initiative-title" data-heading="([^"]*)"', html)
    return [heading.replace("\u3000", " ") for heading in found]


def test_a_report_renders_its_own_markers_name_office_and_units(db):
    report = older_report()

    html = body_html(report, load_report(report))

    assert headings(html) == [
        "広報誌担当",
        "1 広報誌の発行",
        "(1) 府政だより",
        "○ 全戸配布",
        "ア 駅での配布",
        "2 写真の撮影",
    ]
    text = visible_text(html)
    assert "広聴室" in text
    assert "事務事業執行概要" in text
    assert "事務事業実績" not in text


def pdf_text(data: bytes) -> tuple[str, dict]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader.metadata


def test_an_archived_edition_shows_its_original_date_on_the_page_and_in_the_pdf(client, db):
    report = older_report()
    edition = freeze_edition(report)

    html = client.get(report.get_absolute_url()).content.decode()
    text, metadata = pdf_text(edition_pdf_bytes(edition))

    assert "第1版（平成19年６月29日公開）" in visible_text(html)
    assert "<title>平成18年度 広報課 事務事業執行概要 |" in html
    assert "第1版　平成19年６月29日公開" in text
    assert "事務事業執行概要" in text
    assert "事務事業実績" not in text
    assert metadata.title.startswith("平成18年度 広報課 事務事業執行概要")


def test_a_second_edition_shows_the_day_it_was_published(db):
    report = older_report()
    freeze_edition(report)
    report.editions.update(is_current=False)
    second = freeze_edition(report, change_note="誤字を直した")

    assert second.shown_date == second.published_at
    assert report.editions.get(number=1).shown_date == date(2007, 6, 29)


OLDER_DOCUMENT = """平成18年度
広報部
広聴室
広報課
事務事業執行概要
平成19年６月29日発行

広報グループ
広報誌担当
1 広報誌の発行
(1) 府政だより
○ 全戸配布
府内全戸に配布した。
○ 駅での配布
主な駅に置いた。
2 写真の撮影
報道向けの写真を撮影した。
"""


def test_an_imported_document_keeps_the_conventions_it_shows(db, tmp_path):
    division = factories.division("広報課")
    path = tmp_path / "older.txt"
    path.write_text(OLDER_DOCUMENT, encoding="utf-8")

    call_command(
        "import_report",
        str(path),
        "--year",
        "2006",
        "--division",
        division.slug,
        stdout=io.StringIO(),
    )

    report = Report.objects.get(division=division)
    assert report.document_name == "事務事業執行概要"
    assert report.office == "広聴室"
    assert report.unit_below_group == "担当"
    assert report.marker_set == "1 (1) ○ ① ・"
    assert report.original_published_on == date(2007, 6, 29)
    assert headings(body_html(report, load_report(report))) == [
        "広報誌担当",
        "1 広報誌の発行",
        "(1) 府政だより",
        "○ 全戸配布",
        "○ 駅での配布",
        "2 写真の撮影",
    ]
