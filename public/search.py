"""Search over the passages of current editions, insensitive to width and case (NFKC).

Passages are stored normalised (``SearchEntry.normalized``); the query is normalised the same
way and matched with ``contains``, which behaves alike on SQLite and PostgreSQL.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from publication.models import SITE_ORDER, SearchEntry
from publication.rendering import normalize

MAX_QUERY_LENGTH = 100
MAX_TERMS = 5
SNIPPET_BEFORE = 40
SNIPPET_LENGTH = 160


def terms(query: str) -> list[str]:
    """The normalised words of a query: every one must occur in a passage."""
    words = normalize(query[:MAX_QUERY_LENGTH]).split()
    return list(dict.fromkeys(words))[:MAX_TERMS]


def entries(words: list[str]):
    """Passages of current editions that contain every word, newest fiscal year first."""
    found = SearchEntry.objects.current()
    for word in words:
        found = found.filter(normalized__contains=word)
    return (
        found.select_related("edition__report__fiscal_year", "edition__report__division")
        .defer("normalized", "edition__html", "edition__data")
        .order_by(
            "-edition__report__fiscal_year__year",
            *(f"edition__{field}" for field in SITE_ORDER),
            "edition__report_id",
            "order",
        )
    )


def _normalised_with_positions(text: str) -> tuple[str, list[int]]:
    """``text`` normalised one character at a time, with the source index of each result
    character, so that a match in the normalised form can be mapped back."""
    chars, positions = [], []
    for index, char in enumerate(text):
        for normal in normalize(char):
            chars.append(normal)
            positions.append(index)
    return "".join(chars), positions


def _matches(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (source indexes) where a word occurs, merged and sorted."""
    normal, positions = _normalised_with_positions(text)
    spans = []
    for word in words:
        start = normal.find(word)
        while start >= 0:
            end = start + len(word)
            spans.append((positions[start], positions[end - 1] + 1))
            start = normal.find(word, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, words: list[str]) -> SafeString:
    """``text`` escaped, with each occurrence of a word in ``<mark>``."""
    out, position = [], 0
    for start, end in _matches(text, words):
        out += [escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>"]
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


# Letters and digits of Latin script, half- and full-width: a cut between two of them splits a
# word (「…ech大阪」 of GovTech大阪).
_LATIN = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# A snippet cut just before the match starts after one of these if it comes soon enough.
_CLAUSE_ENDS = "。、．，！？」』）) \u3000"
CLAUSE_SEARCH = 20


def _splits_word(text: str, position: int) -> bool:
    return 0 < position < len(text) and all(
        _LATIN.match(c) for c in text[position - 1 : position + 1]
    )


def _snippet_start(text: str, match: int) -> int:
    """Where a snippet of ``text`` around a match at ``match`` begins: after a clause break
    near the cut, else not inside a Latin word."""
    start = max(0, match - SNIPPET_BEFORE)
    if start == 0:
        return 0
    for offset, char in enumerate(text[start : min(start + CLAUSE_SEARCH, match)]):
        if char in _CLAUSE_ENDS:
            return start + offset + 1
    while _splits_word(text, start):
        start -= 1
    return start


def snippet(text: str, words: list[str]) -> SafeString:
    """The part of ``text`` around its first match, highlighted, on one line; it neither
    starts nor ends inside a word of Latin letters."""
    text = re.sub(r"\s*\n\s*", " ", text.strip())
    spans = _matches(text, words)
    start = _snippet_start(text, spans[0][0]) if spans else 0
    end = min(len(text), start + SNIPPET_LENGTH)
    while _splits_word(text, end):
        end += 1
    part = highlight(text[start:end], words)
    return mark_safe(("…" if start else "") + part + ("…" if end < len(text) else ""))


@dataclass
class Hit:
    entry: SearchEntry
    heading: SafeString
    passage: SafeString


@dataclass
class ReportHits:
    """One report's matching passages on a page of results."""

    edition: object
    hits: list[Hit]


def group_by_report(page_entries, words: list[str]) -> list[ReportHits]:
    groups: list[ReportHits] = []
    for entry in page_entries:
        hit = Hit(entry, highlight(entry.heading, words), snippet(entry.text, words))
        if groups and groups[-1].edition.pk == entry.edition_id:
            groups[-1].hits.append(hit)
        else:
            groups.append(ReportHits(entry.edition, [hit]))
    return groups
