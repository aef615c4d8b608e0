"""A report's body as HTML (the same templates for the web page and the PDF), and the forms of
its text that pages and search read."""

from django.template.loader import render_to_string

from organisation.normalise import search_form
from publication.tree import ReportTree
from reports.models import Report


def normalize(text: str) -> str:
    """The form search compares: look-alike Cyrillic and Greek letters as Latin, NFKC
    (full-width → half-width) and lower case."""
    return search_form(text)


def body_html(report: Report, tree: ReportTree) -> str:
    return render_to_string("reports/_report_body.html", {"report": report, "tree": tree})


def split_contents(html: str) -> tuple[str, str, str]:
    """Split an edition's body into what precedes its table of contents, the table of
    contents (the page's sidebar) and the rest."""
    start = html.find('<nav class="toc"')
    end = html.find("</nav>", start)
    if start < 0 or end < 0:
        return "", "", html
    end += len("</nav>")
    return html[:start], html[start:end], html[end:]
