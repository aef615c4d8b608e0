"""The compiled volume (合冊): chunks rendered by background tasks, joined into one PDF with a
cover, contents, continuous page numbers and bookmarks; progress in the admin; the download on
the fiscal year's public page."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend
from pypdf import PdfReader

from publication.models import Volume, VolumeChunk
from publication.volume import (
    VolumeError,
    _claim_assembly,
    render_chunk,
    retry_volume,
    start_volume,
)
from tests import factories


def _outline(reader, items, depth=0):
    entries = []
    for item in items:
        if isinstance(item, list):
            entries += _outline(reader, item, depth + 1)
        else:
            entries.append((depth, item.title, reader.get_destination_page_number(item)))
    return entries


@pytest.fixture
def three_reports(db):
    """Three published reports of 2020 in three departments, and a draft that stays out."""
    reports = [factories.filled_report(size=1) for _ in range(3)]
    factories.filled_report(size=1, status="draft")
    return reports


@pytest.mark.django_db
def test_volume_of_a_year_joins_every_division_with_continuous_page_numbers(
    three_reports, immediate_tasks, client
):
    fiscal_year = three_reports[0].fiscal_year
    volume = start_volume(fiscal_year, chunk_size=2)
    volume.refresh_from_db()

    assert volume.status == Volume.Status.DONE, volume.error
    assert list(volume.chunks.values_list("status", flat=True)) == ["done", "done"]
    assert volume.divisions == 3
    reader = PdfReader(volume.pdf.open("rb"))
    assert len(reader.pages) == volume.pages
    labels = reader.page_labels
    assert labels[0] == "表紙"
    body = labels.index("1")
    assert labels[body:] == [str(n) for n in range(1, len(labels) - body + 1)]

    # Every body page carries its number; the front matter carries none.
    texts = [page.extract_text() for page in reader.pages]
    for n, text in enumerate(texts[body:], 1):
        assert f"－ {n} －" in text
    assert not re.search(r"－ \d+ －", texts[0])

    # Contents: each division with the page it starts on, which is where its bookmark points.
    contents = "\n".join(texts[1:body])
    outline = _outline(reader, reader.outline)
    assert outline[0][:2] == (0, "目次")
    for report in three_reports:
        division = report.division
        entry = next(e for e in outline if e[1] == division.name)
        assert entry[0] == 1  # under its department
        printed_page = entry[2] - body + 1
        assert re.search(rf"{division.name}\W*{printed_page}\b", contents), contents
        assert division.name in texts[entry[2]]
        department = next(e for e in outline if e[1] == division.department.name)
        assert department[0] == 0
    assert any(depth == 2 and title == "第1グループ" for depth, title, _ in outline)
    assert reader.metadata.title == f"{fiscal_year.label} 事務事業実績（全部局）合冊"

    # The public year page offers it, and the download is the stored PDF.
    page = client.get(fiscal_year.get_absolute_url())
    assert "合冊PDF" in page.content.decode()
    assert volume.get_absolute_url() in page.content.decode()
    download = client.get(volume.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''R02_" in download["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages) == volume.pages
    # The chunks' parts are gone once joined.
    assert not any(chunk.pdf for chunk in volume.chunks.all())


@pytest.mark.django_db
def test_volume_of_a_department_holds_only_its_divisions(three_reports):
    department = three_reports[0].division.department
    volume = start_volume(three_reports[0].fiscal_year, department)
    assert volume.divisions == 1
    assert volume.chunks.get().editions == [three_reports[0].editions.get().pk]
    assert volume.get_absolute_url() == f"/volumes/2020/{department.slug}.pdf"


@pytest.mark.django_db
def test_chunks_are_queued_one_task_each(three_reports):
    default_task_backend.clear()
    volume = start_volume(three_reports[0].fiscal_year, chunk_size=1)
    assert volume.chunks.count() == 3
    queued = [r.task.name for r in default_task_backend.results]
    assert queued == ["render_volume_chunk"] * 3


@pytest.mark.django_db
def test_a_year_without_published_reports_is_refused():
    factories.filled_report(size=1, status="draft")
    with pytest.raises(VolumeError, match="公開中の事務事業実績がありません"):
        start_volume(factories.fiscal_year(2020))
    assert not Volume.objects.exists()


@pytest.mark.django_db
def test_only_one_finishing_chunk_claims_the_assembly(three_reports):
    volume = start_volume(three_reports[0].fiscal_year, chunk_size=2)
    volume.chunks.update(status=VolumeChunk.Status.DONE)
    default_task_backend.clear()
    assert _claim_assembly(volume.pk) is True
    assert _claim_assembly(volume.pk) is False
    assert [r.task.name for r in default_task_backend.results] == ["assemble_volume"]
    assert Volume.objects.get(pk=volume.pk).status == Volume.Status.ASSEMBLING


@pytest.mark.django_db
def test_no_assembly_while_a_chunk_is_unfinished(three_reports):
    volume = start_volume(three_reports[0].fiscal_year, chunk_size=2)
    volume.chunks.filter(number=1).update(status=VolumeChunk.Status.DONE)
    assert _claim_assembly(volume.pk) is False
    assert Volume.objects.get(pk=volume.pk).status == Volume.Status.RUNNING


@pytest.mark.django_db
def test_a_failed_chunk_fails_the_volume_and_retry_queues_only_what_is_unfinished(
    three_reports,
):
    volume = start_volume(three_reports[0].fiscal_year, chunk_size=2)
    first, second = volume.chunks.order_by("number")
    first.editions = [999_999]  # an edition that no longer exists
    first.save()
    second.status = VolumeChunk.Status.DONE
    second.save()

    render_chunk(first.pk)  # as its task would
    volume.refresh_from_db()
    first.refresh_from_db()
    assert volume.status == Volume.Status.FAILED
    assert first.status == VolumeChunk.Status.FAILED
    assert "分割1" in volume.error and "版が削除されました" in volume.error

    default_task_backend.clear()
    assert retry_volume(volume) == 1
    assert [r.args for r in default_task_backend.results] == [[first.pk]]
    volume.refresh_from_db()
    first.refresh_from_db()
    assert volume.status == Volume.Status.RUNNING and volume.error == ""
    assert first.status == VolumeChunk.Status.PENDING


@pytest.mark.django_db
def test_a_volume_stuck_for_an_hour_can_be_retried_a_running_one_not(three_reports):
    volume = start_volume(three_reports[0].fiscal_year, chunk_size=2)
    volume.chunks.filter(number=1).update(status=VolumeChunk.Status.RUNNING)  # its worker died
    assert retry_volume(volume) == 0

    Volume.objects.filter(pk=volume.pk).update(requested_at=timezone.now() - timedelta(hours=2))
    volume.refresh_from_db()
    default_task_backend.clear()
    assert retry_volume(volume) == 2
    assert set(volume.chunks.values_list("status", flat=True)) == {VolumeChunk.Status.PENDING}
    assert len(default_task_backend.results) == 2


@pytest.mark.django_db
def test_year_page_shows_no_volume_until_one_is_ready(three_reports, client):
    fiscal_year = three_reports[0].fiscal_year
    start_volume(fiscal_year)  # queued, not rendered
    page = client.get(fiscal_year.get_absolute_url()).content.decode()
    assert "合冊PDF" not in page
    assert client.get("/volumes/2020.pdf").status_code == 404


@pytest.fixture
def admin_client_(db, client):
    user = User.objects.create_superuser("root", "root@example.invalid", "pw")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_admin_starts_a_volume_and_shows_its_progress(three_reports, admin_client_):
    fiscal_year = three_reports[0].fiscal_year
    response = admin_client_.post(
        reverse("admin:publication_volume_add"),
        {"fiscal_year": fiscal_year.pk, "department": "", "chunk_size": 2},
    )
    assert response.status_code == 302
    volume = Volume.objects.get()
    assert volume.status == Volume.Status.RUNNING and volume.requested_by.username == "root"
    volume.chunks.filter(number=1).update(status=VolumeChunk.Status.DONE)

    listing = admin_client_.get(reverse("admin:publication_volume_changelist")).content.decode()
    assert "1 / 2 分割" in listing
    assert "作成中" in listing
    detail = admin_client_.get(reverse("admin:publication_volume_change", args=[volume.pk]))
    assert "合冊の分割" in detail.content.decode()


@pytest.mark.django_db
def test_admin_refuses_a_volume_without_published_reports(admin_client_):
    fiscal_year = factories.fiscal_year(2019)
    response = admin_client_.post(
        reverse("admin:publication_volume_add"),
        {"fiscal_year": fiscal_year.pk, "department": "", "chunk_size": 10},
    )
    assert response.status_code == 200
    assert "公開中の事務事業実績がありません" in response.content.decode()
    assert not Volume.objects.exists()


@pytest.mark.django_db
def test_admin_action_on_a_fiscal_year_starts_its_volume(three_reports, admin_client_):
    fiscal_year = three_reports[0].fiscal_year
    admin_client_.post(
        reverse("admin:organisation_fiscalyear_changelist"),
        {"action": "start_volume_action", "_selected_action": [fiscal_year.pk]},
    )
    assert Volume.objects.get().fiscal_year == fiscal_year


@pytest.mark.django_db
def test_editor_without_permission_cannot_start_a_volume(three_reports, client):
    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(editor)
    response = client.get(reverse("admin:publication_volume_add"))
    assert response.status_code == 403
