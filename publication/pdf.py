"""The printed report: a PDF from the web page's templates and a print stylesheet (WeasyPrint 70).

A PDF is rendered once per content: it is kept in the default storage under a hash of its HTML
and stylesheet (``pdf/<sha256>.pdf``). Rendering runs in a forked child process, so that a time
limit can stop it whatever thread asked for it (web requests, management commands, background
jobs) and its memory goes back when it ends.
"""

import hashlib
import logging
import mimetypes
import multiprocessing
import time
from pathlib import Path
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

import weasyprint
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from weasyprint.logger import LOGGER as WEASYPRINT_LOGGER
from weasyprint.urls import UNICODE_SCHEME_RE, URLFetcher, URLFetcherResponse

from organisation import notation
from organisation.context_processors import site
from publication.models import Edition, public_content_changed
from publication.rendering import body_html
from publication.tree import load_report

STYLESHEET = "css/print.css"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}  # tagged PDF with PDF/UA identification
DEFAULT_TIMEOUT = 120  # seconds; settings.PDF_RENDER_TIMEOUT overrides it

# PDFs rendered by this process. Tests read it to show that stored PDFs are not rendered again.
render_count = 0


class PdfError(Exception):
    """The PDF could not be made."""


class PdfTimeout(PdfError):
    """Rendering took longer than the time limit and was stopped."""


class URLRefused(ValueError):
    """A URL the PDF renderer may not read."""


def static_roots() -> list[Path]:
    return [Path(root) for root in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT] if root]


class StaticFilesFetcher(URLFetcher):
    """Let WeasyPrint read our static files and ``data:`` URLs, and nothing else.

    A ``file:`` URL is served when, symlinks and ``..`` resolved, it names a file under one of
    ``roots``; its path may be the file's own or the one ``{% static %}`` writes (under
    ``static_url``). Every other URL, ``http:`` and ``https:`` included, raises ``URLRefused``
    without any connection being made, so redirects cannot happen either. Errors stop the
    rendering (``fail_on_errors``): a PDF never goes out with a missing stylesheet or image.
    """

    def __init__(self, roots=None, static_url=None, **kwargs):
        kwargs.update(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)
        super().__init__(**kwargs)
        self.roots = [Path(root).resolve() for root in (static_roots() if roots is None else roots)]
        # {% static %} writes a path from the site's root, even for a relative STATIC_URL.
        self.static_prefix = "/" + urlsplit(static_url or settings.STATIC_URL).path.lstrip("/")

    def fetch(self, url, headers=None):
        match = UNICODE_SCHEME_RE.match(url)
        scheme = match[1].lower() if match else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.file_for(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": content_type}
            )
        raise URLRefused(f"PDFの作成では静的ファイル以外は読み込みません：{url}")

    def file_for(self, url: str) -> Path:
        """The static file a ``file:`` URL names, or ``URLRefused``."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise URLRefused(f"PDFの作成では他のホストのファイルは読み込みません：{url}")
        path = url2pathname(parts.path)
        candidates = [Path(path)]
        if self.static_prefix and path.startswith(self.static_prefix):
            relative = path.removeprefix(self.static_prefix)
            candidates = [root / relative for root in self.roots] + candidates
        for candidate in candidates:
            try:
                resolved = candidate.resolve(strict=True)
            except (OSError, ValueError, RuntimeError):
                continue
            if resolved.is_file() and any(resolved.is_relative_to(r) for r in self.roots):
                return resolved
        raise URLRefused(f"PDFの作成では静的ファイルの置き場所の外は読み込みません：{url}")

    def find(self, relative: str) -> Path:
        return self.file_for(f"file://{self.static_prefix}{relative}")


def document_html(report, body: str, edition=None) -> str:
    """The HTML that is printed: a report body (``_report_body.html``) in the print wrapper.

    Every copy says what it is: an edition prints 第N版 and its date (and from 第2版 a page of
    改訂履歴); without an edition the copy is a draft, marked 下書き on every page and in its
    metadata.
    """
    history = []
    if edition is not None and edition.number > 1:
        history = edition.report.editions.filter(number__lte=edition.number).order_by("number")
    return render_to_string(
        "reports/report_pdf.html",
        {"report": report, "body": body, "edition": edition, "history": history, **site(None)},
    )


def report_html(report, tree=None) -> str:
    """The printed HTML of ``report`` as it is now, as a draft."""
    return document_html(
        report, body_html(report, tree if tree is not None else load_report(report))
    )


def edition_html(edition) -> str:
    """The printed HTML of a published edition, from the body frozen when it was published."""
    return document_html(edition.report, edition.html, edition)


def current_copy(report, tree=None):
    """The printed HTML of ``report`` as it is now, and the edition it is (None: a draft).

    Content that is exactly the current edition's prints as that edition, so that a preview of
    an unchanged report is the published PDF and not a second, differently marked copy.
    """
    body = body_html(report, tree if tree is not None else load_report(report))
    edition = report.editions.filter(is_current=True, html=body).defer("data").first()
    if edition is not None:
        return edition_html(edition), edition
    return document_html(report, body), None


def pdf_name(html: str) -> str:
    """Where the PDF of ``html`` is stored: a hash of all that shapes it."""
    digest = hashlib.sha256()
    digest.update(weasyprint.__version__.encode())
    digest.update(repr(sorted(PDF_OPTIONS.items())).encode())
    digest.update(StaticFilesFetcher().find(STYLESHEET).read_bytes())
    digest.update(html.encode())
    return f"pdf/{digest.hexdigest()}.pdf"


def cached_pdf(html: str) -> str:
    """The storage name of the PDF of ``html``, rendered and stored first if it is not there."""
    name = pdf_name(html)
    if default_storage.exists(name):
        return name
    saved = default_storage.save(name, ContentFile(render_pdf(html)))
    if saved != name:  # rendered at the same time by another request: keep one copy
        default_storage.delete(saved)
    return name


def pdf_for(report, tree=None):
    """The stored PDF of ``report`` as it is now (a storage name) and the edition it is, or
    None for a draft; the admin's preview."""
    html, edition = current_copy(report, tree)
    return cached_pdf(html), edition


def edition_pdf_bytes(edition) -> bytes:
    """The PDF of a published edition. A preview of the same content is not rendered again."""
    with default_storage.open(cached_pdf(edition_html(edition))) as stored:
        return stored.read()


def render_report_pdf(report) -> bytes:
    """Render ``report`` as it is now to PDF bytes, without the cache."""
    return render_pdf(report_html(report))


def download_filename(report, edition=None) -> str:
    """R02_デジタル行政推進課_事務事業実績_第1版.pdf; a draft's ends in _下書き.pdf."""
    short = notation.fiscal_year_short(report.fiscal_year.year)
    copy = edition.label if edition is not None else "下書き"
    return f"{short}_{report.division.name}_{report.document_name}_{copy}.pdf"


def content_disposition(report, edition=None, disposition: str = "inline") -> str:
    """RFC 6266: the Japanese file name, and an ASCII one for clients that cannot read it."""
    short = notation.fiscal_year_short(report.fiscal_year.year)
    copy = f"ed{edition.number}" if edition is not None else "draft"
    fallback = f"{short}_{report.division.slug}_jimujigyo_{copy}.pdf"
    return (
        f'{disposition}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(download_filename(report, edition))}"
    )


def render_pdf(html: str, timeout: float | None = None) -> bytes:
    """Render ``html`` to PDF in a child process; ``PdfTimeout`` after ``timeout`` seconds.

    WeasyPrint's warnings (a missing glyph, a bad CSS value) are logged again here, on the
    ``weasyprint`` logger, so that callers and tests see them.
    """
    global render_count
    render_count += 1
    if timeout is None:
        timeout = getattr(settings, "PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT)
    created = timezone.localtime().isoformat(timespec="seconds")
    # fork: the child starts at once with everything imported. The parent never runs WeasyPrint
    # itself, so its other threads hold no lock the child needs; the child uses no database.
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_render_in_child, args=(writer, html, created))
    process.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            raise PdfTimeout(f"PDFの作成が制限時間（{timeout}秒）内に終わらず、中止しました。")
        outcome, payload, records = reader.recv()
    except EOFError:
        raise PdfError("PDFを作成する処理が途中で終了しました。") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        reader.close()
    for record in records:
        if WEASYPRINT_LOGGER.isEnabledFor(record.levelno):
            WEASYPRINT_LOGGER.handle(record)
    if outcome != "ok":
        raise PdfError(f"PDFを作成できませんでした：{payload}")
    return payload


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        record.msg = record.getMessage()  # plain text: the record goes through a pipe
        record.args = record.exc_info = record.exc_text = None
        self.records.append(record)


def _render_in_child(connection, html: str, created: str):
    records = _Records()
    # Collect warnings only here; the parent logs them once, through its own handlers.
    WEASYPRINT_LOGGER.handlers, WEASYPRINT_LOGGER.propagate = [records], False
    WEASYPRINT_LOGGER.setLevel(logging.WARNING)
    try:
        result = ("ok", write_pdf(html, StaticFilesFetcher(), created), records.records)
    except BaseException as error:  # WeasyPrint's FatalURLFetchingError is a BaseException
        cause = f"（{error.__cause__}）" if error.__cause__ else ""
        result = ("error", f"{error}{cause}", records.records)
    connection.send(result)
    connection.close()


def write_pdf(html: str, fetcher: StaticFilesFetcher, created: str | None = None) -> bytes:
    """Lay out and write the PDF in this process (no time limit; the bench measures this)."""
    document = weasyprint.HTML(string=html, base_url="file:///", url_fetcher=fetcher).render(
        **PDF_OPTIONS
    )
    document.metadata.created = created
    return document.write_pdf(**PDF_OPTIONS)


# Background work: each edition's PDF is rendered once, outside any web request.


@task()
def render_edition_pdf(edition_id: int) -> None:
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
    public_content_changed.send(sender=Edition)  # the report page now links its PDF


def pdf_filename(report, number: int) -> str:
    return f"{report.fiscal_year.year}-{report.division.slug}-{number}.pdf"


def retry_pdf(edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk).update(pdf_status=Edition.PdfStatus.PENDING, pdf_error="")
    render_edition_pdf.enqueue(edition.pk)


def pdf_response(file, report, edition=None) -> FileResponse:
    """A PDF named after what it is: its edition, or a draft (``edition`` None)."""
    response = FileResponse(file, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(report, edition)
    return response
