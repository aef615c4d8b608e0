"""The compiled volume (部局別・年度別 合冊): every current edition of a fiscal year, or of one
department in it, in one PDF with a cover, a contents list, continuous page numbers and bookmarks.

It is made from the editions' stored HTML, in the background, in chunks:

1. ``start_volume`` cuts the divisions into chunks of ``Volume.chunk_size`` (10 by default) and
   queues one task per chunk (``render_volume_chunk``). Workers on several hosts
   share them; no process lays out more than one chunk at a time, so memory stays bounded
   whatever the size of the volume (WeasyPrint's memory grows with the pages of one document).
2. Each chunk is laid out once, with no page number in its footer, and keeps its PDF, its page
   count, where each division starts and its bookmarks.
3. The task that finishes the last chunk claims the assembly with one conditional UPDATE (only
   one claimant can win it, on PostgreSQL and SQLite alike) and queues ``assemble_volume``: the
   cover and contents list (the page of each division is known by then), the chunks in order,
   and the page numbers stamped onto every body page from a WeasyPrint document of blank pages
   that carry only the number (about 12 ms a page). Stamping lays each chunk out once, instead
   of twice (once to count its pages, once more with the right page counter).

Body pages are numbered 1, 2, … through the volume; the cover and contents are not numbered and
carry the page labels 表紙 and i, ii, … in a PDF viewer. The public page of the fiscal year links
the newest finished volume; nothing here runs inside a public request.
"""

import io
import multiprocessing
import os
import resource
import shutil
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from organisation import notation
from organisation.models import Department, FiscalYear
from publication.models import Edition, Volume, VolumeChunk, public_content_changed
from publication.pdf import render_pdf
from publication.rendering import split_contents

MERGE_TIMEOUT = 600  # seconds
STALE_AFTER = timedelta(hours=1)  # a 1,000-page volume takes a few minutes on two workers


class VolumeError(Exception):
    """The volume cannot be made; the message is shown to staff."""


def volume_editions(fiscal_year: FiscalYear, department: Department | None = None):
    """The current editions a volume holds, in the order of the organisation."""
    editions = Edition.objects.current().filter(report__fiscal_year=fiscal_year)
    if department is not None:
        editions = editions.filter(report__division__department=department)
    return editions.in_site_order()


def start_volume(
    fiscal_year: FiscalYear, department: Department | None = None, user=None, chunk_size: int = 10
) -> Volume:
    """Create a volume of a fiscal year (or of a department in it) and queue its chunks."""
    volume = Volume(
        fiscal_year=fiscal_year, department=department, chunk_size=chunk_size, requested_by=user
    )
    plan_volume(volume)
    return volume


def plan_volume(volume: Volume) -> None:
    """Save a new, unsaved volume with its chunks and queue one task per chunk."""

    ids = list(volume_editions(volume.fiscal_year, volume.department).values_list("pk", flat=True))
    if not ids:
        raise VolumeError(no_editions_message(volume.fiscal_year, volume.department))
    volume.status = Volume.Status.RUNNING
    volume.divisions = len(ids)
    volume.save()
    size = volume.chunk_size
    chunks = VolumeChunk.objects.bulk_create(
        VolumeChunk(volume=volume, number=n, editions=ids[start : start + size])
        for n, start in enumerate(range(0, len(ids), size), 1)
    )
    for chunk in chunks:
        render_volume_chunk.enqueue(chunk.pk)


def no_editions_message(fiscal_year: FiscalYear, department: Department | None) -> str:
    scope = department.name if department else "この年度"
    return f"{fiscal_year.label}の{scope}には公開中の事務事業実績がありません。"


def can_retry(volume: Volume) -> bool:
    """Failed, or unfinished long after it was asked for (a worker killed mid-chunk leaves its
    chunk 作成中 for good)."""
    if volume.status == Volume.Status.FAILED:
        return True
    unfinished = volume.status in (Volume.Status.RUNNING, Volume.Status.ASSEMBLING)
    return unfinished and volume.requested_at < timezone.now() - STALE_AFTER


def retry_volume(volume: Volume) -> int:
    """Queue again what a volume has not finished; the number of chunks queued."""

    if not can_retry(volume):
        return 0
    unfinished = list(
        volume.chunks.exclude(status=VolumeChunk.Status.DONE).values_list("pk", flat=True)
    )
    VolumeChunk.objects.filter(pk__in=unfinished).update(
        status=VolumeChunk.Status.PENDING, error=""
    )
    Volume.objects.filter(pk=volume.pk).update(status=Volume.Status.RUNNING, error="")
    for pk in unfinished:
        render_volume_chunk.enqueue(pk)
    if not unfinished:
        _claim_assembly(volume.pk)
    return len(unfinished)


def _peak_mb() -> float:
    """The largest resident set of this process or of any child it has waited for (MB)."""
    return (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _fail(volume_id: int, message: str) -> None:
    Volume.objects.filter(pk=volume_id).exclude(status=Volume.Status.DONE).update(
        status=Volume.Status.FAILED, error=message
    )


def chunk_html(volume: Volume, editions: list[Edition]) -> str:
    """The printed HTML of a chunk: each edition's stored body without its own contents list."""

    parts = []
    for edition in editions:
        head, _contents, rest = split_contents(edition.html)
        parts.append((edition, head + rest))
    return render_to_string(
        "reports/volume_chunk.html",
        {"volume": volume, "parts": parts, "prefecture": settings.PREFECTURE},
    )


def _outline(reader: PdfReader, items) -> list:
    """The bookmarks of a PDF as ``[title, page, children]`` lists."""
    result = []
    for item in items:
        if isinstance(item, list):
            if result:
                result[-1][2] = _outline(reader, item)
            continue
        result.append([str(item.title), reader.get_destination_page_number(item), []])
    return result


def render_chunk(chunk_id: int) -> None:
    """Lay out one chunk (the body of a background task); the last one queues the assembly."""
    started = time.perf_counter()
    claimed = VolumeChunk.objects.filter(
        pk=chunk_id,
        status__in=[VolumeChunk.Status.PENDING, VolumeChunk.Status.FAILED],
        volume__status=Volume.Status.RUNNING,
    ).update(
        status=VolumeChunk.Status.RUNNING,
        attempts=F("attempts") + 1,
        worker=_worker_name(),
        error="",
    )
    if not claimed:  # done already, or its volume failed meanwhile
        return
    chunk = VolumeChunk.objects.select_related("volume__fiscal_year").get(pk=chunk_id)
    try:
        by_pk = Edition.objects.select_related(
            "report__fiscal_year", "report__division__department"
        ).in_bulk(chunk.editions)
        editions = [by_pk[pk] for pk in chunk.editions if pk in by_pk]
        if len(editions) != len(chunk.editions):
            raise VolumeError("作成中に版が削除されました。もう一度作成してください。")
        content = render_pdf(chunk_html(chunk.volume, editions))
        reader = PdfReader(io.BytesIO(content))
        destinations = reader.named_destinations
        starts = {
            str(e.pk): reader.get_destination_page_number(destinations[f"vol-e{e.pk}"])
            for e in editions
        }
        outline = _outline(reader, reader.outline)
        name = default_storage.save(
            f"volumes/{chunk.volume_id}/chunk-{chunk.number:03d}.pdf", ContentFile(content)
        )
    except Exception as error:  # shown to staff in the admin, who can retry
        message = f"分割{chunk.number}：{type(error).__name__}: {error}"
        VolumeChunk.objects.filter(pk=chunk_id).update(
            status=VolumeChunk.Status.FAILED, error=message
        )
        _fail(chunk.volume_id, message)
        return
    VolumeChunk.objects.filter(pk=chunk_id).update(
        status=VolumeChunk.Status.DONE,
        pages=len(reader.pages),
        starts=starts,
        outline=outline,
        pdf=name,
        seconds=time.perf_counter() - started,
        peak_mb=_peak_mb(),
    )
    _claim_assembly(chunk.volume_id)


def _claim_assembly(volume_id: int) -> bool:
    """Queue the assembly if every chunk is done. Of several chunks finishing at once on
    different workers, exactly one wins: the UPDATE re-checks the volume's status under its
    row lock."""

    unfinished = VolumeChunk.objects.filter(volume=OuterRef("pk")).exclude(
        status=VolumeChunk.Status.DONE
    )
    won = (
        Volume.objects.filter(pk=volume_id, status=Volume.Status.RUNNING)
        .exclude(Exists(unfinished))
        .update(status=Volume.Status.ASSEMBLING)
    )
    if won:
        assemble_volume.enqueue(volume_id)
    return bool(won)


def _department_entries(editions: list[Edition], starts: dict[int, int]) -> list[dict]:
    """The contents list: departments with their divisions, each with its first page."""
    departments: list[dict] = []
    for edition in editions:
        department = edition.report.division.department
        page = starts[edition.pk]
        if not departments or departments[-1]["department"].pk != department.pk:
            departments.append({"department": department, "page": page, "divisions": []})
        departments[-1]["divisions"].append({"division": edition.report.division, "page": page})
    return departments


def assemble(volume_id: int) -> None:
    """Join the chunks into the volume (the body of a background task)."""
    started = time.perf_counter()
    volume = Volume.objects.select_related("fiscal_year", "department").get(pk=volume_id)
    if volume.status != Volume.Status.ASSEMBLING:
        return
    chunks = list(volume.chunks.order_by("number"))
    folder = Path(tempfile.mkdtemp(prefix="volume-"))
    try:
        ids = [pk for chunk in chunks for pk in chunk.editions]
        by_pk = Edition.objects.select_related("report__division__department").in_bulk(ids)
        editions = [by_pk[pk] for pk in ids if pk in by_pk]
        offset, starts, parts = 0, {}, []
        for chunk in chunks:
            local = folder / f"chunk-{chunk.number:03d}.pdf"
            with default_storage.open(chunk.pdf.name, "rb") as stored, local.open("wb") as out:
                shutil.copyfileobj(stored, out)
            starts.update({int(pk): offset + page + 1 for pk, page in chunk.starts.items()})
            parts.append((str(local), offset, chunk.outline, chunk.editions))
            offset += chunk.pages
        departments = _department_entries(editions, starts)
        context = {"volume": volume, "departments": departments, "prefecture": settings.PREFECTURE}
        front = folder / "front.pdf"
        front.write_bytes(render_pdf(render_to_string("reports/volume_front.html", context)))
        numbers = folder / "numbers.pdf"
        numbers.write_bytes(
            render_pdf(render_to_string("reports/volume_numbers.html", {"pages": range(offset)}))
        )
        division_of = {e.pk: e.report.division for e in editions}
        plan = {
            "front": str(front),
            "numbers": str(numbers),
            "parts": parts,
            "divisions": {pk: d.name for pk, d in division_of.items()},
            "departments": {
                pk: (d.department_id, d.department.name) for pk, d in division_of.items()
            },
            "metadata": _metadata(volume),
            "output": str(folder / "volume.pdf"),
        }
        child_peak = _in_child(_merge, plan)
        output = Path(plan["output"])
        with output.open("rb") as merged:
            pages = len(PdfReader(merged).pages)
            merged.seek(0)
            name = default_storage.save(_storage_name(volume), File(merged))
        size = output.stat().st_size
    except Exception as error:
        _fail(volume_id, f"結合：{type(error).__name__}: {error}")
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    peaks = [c.peak_mb for c in chunks if c.peak_mb] + [child_peak, _peak_mb()]
    Volume.objects.filter(pk=volume_id, status=Volume.Status.ASSEMBLING).update(
        status=Volume.Status.DONE,
        pdf=name,
        pdf_size=size,
        pages=pages,
        finished_at=timezone.now(),
        seconds=sum(c.seconds or 0 for c in chunks) + time.perf_counter() - started,
        peak_mb=max(peaks),
    )
    public_content_changed.send(sender=Volume)  # the year page now links the volume
    for chunk in chunks:  # the parts are in the volume now
        default_storage.delete(chunk.pdf.name)
    VolumeChunk.objects.filter(volume=volume_id).update(pdf="")


def _storage_name(volume: Volume) -> str:
    scope = volume.department.slug if volume.department_id else "all"
    return f"volumes/{volume.fiscal_year.year}-{scope}-{volume.pk}.pdf"


def _metadata(volume: Volume) -> dict:
    return {
        "/Title": f"{volume.fiscal_year.label} 事務事業実績（{volume.scope_label}）合冊",
        "/Author": settings.PREFECTURE,
        "/Subject": f"{volume.fiscal_year.label}に各課が実施した事務事業の実績",
        "/Creator": settings.SITE_NAME,
    }


def _merge(plan: dict) -> None:
    """Join front matter and chunks, stamp page numbers, write bookmarks and page labels.
    Runs in a child process and touches no database: ``plan`` holds all it needs."""
    writer = PdfWriter()
    front = PdfReader(plan["front"])
    numbers = PdfReader(plan["numbers"])
    writer.append(front, import_outline=False)
    front_pages = len(front.pages)
    writer.add_outline_item("目次", 1 if front_pages > 1 else 0)
    department_item, department_id = None, None
    for path_, offset, outline, edition_ids in plan["parts"]:
        reader = PdfReader(path_)
        base = len(writer.pages)
        writer.append(reader, import_outline=False)
        for n in range(len(reader.pages)):
            writer.pages[base + n].merge_page(numbers.pages[offset + n])
        # The chunk's top-level bookmarks are its divisions, in order (volume_chunk.html).
        for edition_id, (_, page, children) in zip(edition_ids, outline, strict=False):
            dept_id, dept_name = plan["departments"][edition_id]
            if dept_id != department_id:
                department_item = writer.add_outline_item(dept_name, base + page)
                department_id = dept_id
            item = writer.add_outline_item(
                plan["divisions"][edition_id], base + page, parent=department_item
            )
            _add_outline(writer, children, base, item)
    writer.set_page_label(0, 0, prefix="表紙")
    if front_pages > 1:
        writer.set_page_label(1, front_pages - 1, style="/r")
    writer.set_page_label(front_pages, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata(plan["metadata"])
    writer._root_object[NameObject("/Lang")] = TextStringObject("ja")
    writer.page_mode = "/UseOutlines"
    with open(plan["output"], "wb") as out:
        writer.write(out)


def _add_outline(writer: PdfWriter, items: list, base: int, parent) -> None:
    for title, page, children in items:
        item = writer.add_outline_item(title, base + page, parent=parent)
        _add_outline(writer, children, base, item)


def _child(connection, function, argument) -> None:
    try:
        function(argument)
        result = ("ok", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    except BaseException as error:
        result = ("error", f"{type(error).__name__}: {error}")
    connection.send(result)
    connection.close()


def _in_child(function, argument, timeout: float = MERGE_TIMEOUT) -> float:
    """Run ``function(argument)`` in a forked child, so that the worker's memory goes back
    when it ends; the child's peak memory (MB)."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, function, argument))
    process.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            raise VolumeError(f"合冊の結合が制限時間（{timeout}秒）内に終わりませんでした。")
        outcome, payload = reader.recv()
    except EOFError:
        raise VolumeError("合冊を結合する処理が途中で終了しました。") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        reader.close()
    if outcome != "ok":
        raise VolumeError(payload)
    return payload


# The public download: the newest finished volume of a fiscal year (or of a department).


def download_filename(volume: Volume) -> str:
    """R02_事務事業実績_合冊.pdf, R02_スマートシティ戦略部_事務事業実績_合冊.pdf"""
    short = notation.fiscal_year_short(volume.fiscal_year.year)
    scope = f"{volume.department.name}_" if volume.department_id else ""
    return f"{short}_{scope}事務事業実績_合冊.pdf"


def latest_volumes(fiscal_year: FiscalYear) -> list[Volume]:
    """The newest finished volume of the whole year first, then of each department."""
    newest: dict[int | None, Volume] = {}
    for volume in (
        Volume.objects.ready()
        .filter(fiscal_year=fiscal_year)
        .select_related("fiscal_year", "department")
        .order_by("-finished_at", "-id")
    ):
        newest.setdefault(volume.department_id, volume)
    whole = [newest.pop(None)] if None in newest else []
    return whole + sorted(newest.values(), key=lambda v: (v.department.order, v.department_id))


@task()
def render_volume_chunk(chunk_id: int) -> None:
    """Lay out one chunk of a compiled volume; the last chunk done queues the assembly."""
    render_chunk(chunk_id)


@task()
def assemble_volume(volume_id: int) -> None:
    """Join a compiled volume's chunks into its PDF."""
    assemble(volume_id)
