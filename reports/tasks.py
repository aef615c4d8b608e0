"""Background work: each edition's PDF is rendered once, outside any web request."""

import time

from django.core.files.base import ContentFile
from django_tasks import task

from reports.caching import bump_public_pages
from reports.models import Edition, Report


@task()
def render_edition_pdf(edition_id: int) -> None:
    from reports.pdf import edition_pdf_bytes

    edition = Edition.objects.select_related("report__fiscal_year", "report__division").get(
        pk=edition_id
    )
    Edition.objects.filter(pk=edition.pk).update(pdf_status=Edition.PdfStatus.RUNNING, pdf_error="")
    started = time.perf_counter()
    try:
        content = edition_pdf_bytes(edition)
    except Exception as error:  # the reason is shown to staff, who can retry
        Edition.objects.filter(pk=edition.pk).update(
            pdf_status=Edition.PdfStatus.FAILED, pdf_error=f"{type(error).__name__}: {error}"
        )
        return
    edition.pdf.save(pdf_filename(edition.report, edition.number), ContentFile(content), False)
    Edition.objects.filter(pk=edition.pk).update(
        pdf=edition.pdf.name,
        pdf_size=len(content),
        pdf_status=Edition.PdfStatus.DONE,
        pdf_seconds=time.perf_counter() - started,
    )
    bump_public_pages()  # the report page now links its PDF


def pdf_filename(report: Report, number: int) -> str:
    return f"{report.fiscal_year.year}-{report.division.slug}-{number}.pdf"


def retry_pdf(edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk).update(pdf_status=Edition.PdfStatus.PENDING, pdf_error="")
    render_edition_pdf.enqueue(edition.pk)


@task()
def render_volume_chunk(chunk_id: int) -> None:
    """Lay out one chunk of a compiled volume; the last chunk done queues the assembly."""
    from reports.volume import render_chunk

    render_chunk(chunk_id)


@task()
def assemble_volume(volume_id: int) -> None:
    """Join a compiled volume's chunks into its PDF."""
    from reports.volume import assemble

    assemble(volume_id)
