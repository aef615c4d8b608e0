"""Character folding shared by the proofreader and public search. Pure: no Django.

Letters of Cyrillic and Greek that look exactly like Latin ones are folded to Latin, so that
ＡＩ－ОＣＲ typed with a Cyrillic О still reads as OCR to a machine. Folding is one character for
one character, so positions in a folded text are positions in the original.
"""

import unicodedata

# Cyrillic and Greek letters drawn like a Latin letter, with that letter. Letters that merely
# resemble one (Greek μ, ν; Cyrillic и, п) are left out: they are used as themselves (μm).
CONFUSABLES = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    # Cyrillic small letters
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small letters
    "ο": "o",
}  # fmt: skip

_FOLD = str.maketrans(CONFUSABLES)


def is_confusable(char: str) -> bool:
    return char in CONFUSABLES


def fold_scripts(text: str) -> str:
    """``text`` with look-alike Cyrillic and Greek letters written as Latin, same length."""
    return text.translate(_FOLD)


def to_latin_width(latin: str, like: str) -> str:
    """The Latin letter ``latin`` in the width of ``like`` (full-width Ｃ → full-width)."""
    if "\uff21" <= like <= "\uff5a":
        return chr(ord(latin) + 0xFEE0)
    return latin


def search_form(text: str) -> str:
    """The form search compares: look-alike letters folded to Latin, NFKC (full-width →
    half-width), lower case."""
    return unicodedata.normalize("NFKC", fold_scripts(text)).lower()
