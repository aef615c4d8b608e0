"""Submitting admin forms the way a browser would: every field with the value it shows."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.inside = True
        if not self.inside or ("name" not in a and tag not in ("option",)):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a["name"], a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(self._textarea, "")
        elif tag == "select":
            self._select, self._select_value, self._select_first = a["name"], None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._add(self._select, value)
                self._select_value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if self._select_value is None and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    """The fields a browser would submit from the form ``form_id`` (or the first form)."""
    parser = _FormParser(form_id)
    parser.feed(html)
    data = parser.data
    # Django's textarea rendering starts with a newline that browsers drop.
    return {k: [v[1:] if v.startswith("\n") else v for v in values] for k, values in data.items()}
