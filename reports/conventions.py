"""A report's document conventions: how its headings are marked, depth by depth.

A marker set is written as staff would write the first heading of each depth, from the top,
separated by spaces: ``１ (1) 〇 ① ・`` (today's reports), ``1 (1) ア (ア) ●`` (an older one).
Each form belongs to a kind (numbered, in parentheses, circle, …): the kinds are the values of
an initiative's ``marker_style``, so a heading that asks for a kind gets this report's form of it.
Pure functions: no models, no database.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from organisation import notation

ENCLOSED_DIGITS = "".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(
    chr(c) for c in range(0x3251, 0x3260)
)
KANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class MarkerForm:
    example: str  # how staff write it: the first marker of its kind
    kind: str
    label: str

    def marker(self, number: int) -> str:
        """The marker of the ``number``-th sibling (counted from 1)."""
        return FORMS_MARKER[self.example](number)


def _kana(number: int) -> str:
    return KANA[number - 1] if number <= len(KANA) else str(number)


def _enclosed(number: int) -> str:
    return ENCLOSED_DIGITS[number - 1] if number <= len(ENCLOSED_DIGITS) else f"({number})"


FORMS = (
    MarkerForm("１", "numeral", "１　２　３（全角。10からは半角）"),
    MarkerForm("1", "numeral", "1　2　3（半角）"),
    MarkerForm("(1)", "paren", "(1)　(2)　(3)"),
    MarkerForm("（１）", "paren", "（１）　（２）　（３）（全角）"),
    MarkerForm("〇", "circle", "〇"),
    MarkerForm("○", "circle", "○"),
    MarkerForm("●", "circle", "●"),
    MarkerForm("①", "enclosed", "①　②　③"),
    MarkerForm("・", "bullet", "・"),
    MarkerForm("ア", "kana", "ア　イ　ウ"),
    MarkerForm("(ア)", "paren_kana", "(ア)　(イ)　(ウ)"),
    MarkerForm("（ア）", "paren_kana", "（ア）　（イ）　（ウ）（全角）"),
)
FORMS_MARKER = {
    "１": notation.jnum,
    "1": str,
    "(1)": lambda n: f"({n})",
    "（１）": lambda n: f"（{str(n).translate(FULL_WIDTH)}）",
    "〇": lambda n: "〇",
    "○": lambda n: "○",
    "●": lambda n: "●",
    "①": _enclosed,
    "・": lambda n: "・",
    "ア": _kana,
    "(ア)": lambda n: f"({_kana(n)})",
    "（ア）": lambda n: f"（{_kana(n)}）",
}
BY_EXAMPLE = {form.example: form for form in FORMS}
# The form a kind takes when the report's set does not name it.
DEFAULT_FORM = {}
for _form in FORMS:
    DEFAULT_FORM.setdefault(_form.kind, _form)

DEFAULT_MARKER_SET = "１ (1) 〇 ① ・"
DEFAULT_DOCUMENT_NAME = "事務事業実績"


def marker_forms(marker_set: str) -> list[MarkerForm]:
    """The forms of a marker set, top depth first; an unknown form is a ``ValidationError``."""
    examples = (marker_set or DEFAULT_MARKER_SET).replace("\u3000", " ").split()
    unknown = [e for e in examples if e not in BY_EXAMPLE]
    if unknown:
        raise ValidationError(
            f"見出し記号「{'」「'.join(unknown)}」は使えません。使える記号：" + " ".join(BY_EXAMPLE)
        )
    return [BY_EXAMPLE[e] for e in examples] or marker_forms(DEFAULT_MARKER_SET)


@dataclass(frozen=True)
class Markers:
    """A report's markers: the form of each depth, and of each kind a heading may ask for."""

    forms: tuple[MarkerForm, ...]

    @classmethod
    def of(cls, marker_set: str) -> "Markers":
        return cls(tuple(marker_forms(marker_set)))

    def at_depth(self, depth: int) -> MarkerForm:
        return self.forms[min(depth, len(self.forms) - 1)]

    def of_kind(self, kind: str) -> MarkerForm | None:
        """This report's form of ``kind`` (its first in the set), or the usual one; None for a
        kind without marker."""
        return next((f for f in self.forms if f.kind == kind), DEFAULT_FORM.get(kind))
