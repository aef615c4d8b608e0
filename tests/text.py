"""Reading what a person sees: the visible text of HTML, normalised for comparison."""

import re
import unicodedata
from html.parser import HTMLParser


class _TextParser(HTMLParser):
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    return " ".join(parser.parts)


def squash(text: str) -> str:
    """NFKC-normalise and drop all whitespace, so layout differences do not matter."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def missing_in_order(text: str, facts) -> list[str]:
    """The facts not found in ``text`` after the previous fact's position."""
    haystack, position, missing = squash(text), 0, []
    for fact in facts:
        found = haystack.find(squash(fact), position)
        if found < 0:
            missing.append(fact)
        else:
            position = found + len(squash(fact))
    return missing
