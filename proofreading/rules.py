"""The rules of 表記チェック: pure functions of a ``Document``.

Each rule yields ``Hit``s (where, why, and the replacement when a fix is safe); ``RULES`` turns
them into ``Finding``s with the rule's id and severity. Rules read only what editors typed:
markers, dates and amounts the system generates follow the notation by construction.
"""

import calendar
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from organisation import notation
from organisation.normalise import CONFUSABLES, fold_scripts, to_latin_width
from proofreading.document import (
    Config,
    Document,
    Edit,
    Finding,
    Kind,
    Rule,
    Severity,
    excerpt,
    replaced,
)

WORDS_FILE = Path(__file__).with_name("words.toml")


@dataclass
class Hit:
    message: str
    text: int | None = None
    start: int = 0
    end: int = 0
    replacement: str | None = None
    suggestion: str = ""
    table: int | None = None
    cell: tuple[int, int] | None = None
    severity: str | None = None


RULES: list[Rule] = []


def rule(id: str, name: str, severity: str):
    """Register a function yielding ``Hit``s as the rule ``id``."""

    def register(function):
        def check(document: Document, config: Config) -> Iterator[Finding]:
            for hit in function(document, config):
                yield _finding(id, severity, document, hit)

        RULES.append(Rule(id, name, severity, check, (function.__doc__ or "").strip()))
        return function

    return register


def _finding(rule_id: str, severity: str, document: Document, hit: Hit) -> Finding:
    if hit.text is not None:
        text = document.texts[hit.text]
        edits = ()
        suggestion = hit.suggestion
        if hit.replacement is not None:
            edits = (Edit(hit.text, hit.start, hit.end, hit.replacement),)
            suggestion = suggestion or replaced(text.value, hit.start, hit.end, hit.replacement)
        return Finding(
            rule=rule_id,
            severity=hit.severity or severity,
            message=hit.message,
            place=text.place,
            excerpt=excerpt(text.value, hit.start, hit.end),
            suggestion=suggestion,
            edits=edits,
            text=hit.text,
            start=hit.start,
            end=hit.end,
        )
    table = document.tables[hit.table]
    row, column = hit.cell
    cells = table.rows[row]
    header = table.headers[column] if column < len(table.headers) else ""
    return Finding(
        rule=rule_id,
        severity=hit.severity or severity,
        message=hit.message,
        place=f"{table.place} › {cells[0] or '（行見出しなし）'}／{header or f'{column + 1}列目'}",
        excerpt=cells[column],
        suggestion=hit.suggestion,
        table=hit.table,
        cell=hit.cell,
    )


def _texts(document: Document, kinds=Kind.ALL) -> Iterator[tuple[int, str]]:
    for index, text in enumerate(document.texts):
        if text.kind in kinds and text.value:
            yield index, text.value


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


FULL_DIGITS = "０１２３４５６７８９"
LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


def _paren_number(n: int) -> str:
    return f"（{notation.jnum(n)}）"


# 機種依存文字 ---------------------------------------------------------------------------------

_SQUARED = {"㎡": "m²", "㎥": "m³", "㎠": "cm²", "㎤": "cm³", "№": "No.", "℡": "TEL"}


def machine_dependent_form(char: str) -> str | None:
    """The standard form of a machine-dependent character, or None for an ordinary one."""
    if char in _SQUARED:
        return _SQUARED[char]
    code = ord(char)
    if 0x2460 <= code <= 0x2473:  # ①–⑳
        return _paren_number(code - 0x2460 + 1)
    if 0x3251 <= code <= 0x325F:  # ㉑–㉟
        return _paren_number(code - 0x3251 + 21)
    if 0x32B1 <= code <= 0x32BF:  # ㊱–㊿
        return _paren_number(code - 0x32B1 + 36)
    if 0x2474 <= code <= 0x2487:  # ⑴–⒇
        return _paren_number(code - 0x2474 + 1)
    if 0x2488 <= code <= 0x249B:  # ⒈–⒛
        return f"{notation.jnum(code - 0x2488 + 1)}．"
    if 0x3220 <= code <= 0x3243:  # ㈠ ㈱ ㈲ …: the ideograph in full-width brackets
        return f"（{_nfkc(char)[1:-1]}）"
    if 0x3280 <= code <= 0x32B0:  # ㊤ ㊥ ㊙ …
        return f"（{_nfkc(char)}）"
    if (
        0x2160 <= code <= 0x217F  # Ⅰ Ⅱ ⅰ …
        or 0x3300 <= code <= 0x3357  # ㌔ ㍉ …
        or 0x3371 <= code <= 0x33DF  # ㎏ ㎝ ㍻ ㍼ …
        or code == 0x32FF  # ㋿
    ):
        return _nfkc(char)
    return None


_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")


@rule("machine-dependent", "機種依存文字", Severity.WARNING)
def machine_dependent(document, config):
    """丸数字・（株）の合字・ローマ数字・㍻・半角カナなど、環境によって表示が変わる文字。"""
    for index, value in _texts(document):
        for position, char in enumerate(value):
            form = machine_dependent_form(char)
            if form is not None:
                yield Hit(
                    f"機種依存文字「{char}」は「{form}」と書きます。",
                    index,
                    position,
                    position + 1,
                    form,
                )
        for match in _HALF_KANA.finditer(value):
            form = _nfkc(match.group())
            yield Hit(
                f"半角カナ「{match.group()}」は全角で書きます。",
                index,
                match.start(),
                match.end(),
                form,
            )


# 文字種の混在 ---------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ\u0370-\u03ff\u0400-\u052f]+")


def _script(char: str) -> str:
    if "\u0370" <= char <= "\u03ff":
        return "ギリシャ文字"
    if "\u0400" <= char <= "\u052f":
        return "キリル文字"
    return "ラテン文字"


@rule("mixed-script", "文字種の混在", Severity.ERROR)
def mixed_script(document, config):
    """ラテン文字の語に紛れ込んだキリル文字・ギリシャ文字（検索で見つからなくなる）。"""
    for index, value in _texts(document):
        for match in _WORD.finditer(value):
            word = match.group()
            latin = [c for c in word if _script(c) == "ラテン文字"]
            foreign = [c for c in word if _script(c) != "ラテン文字"]
            if not latin or not any(c in CONFUSABLES for c in foreign):
                continue  # 10μm, β版: a Greek letter used as itself
            if all(c in CONFUSABLES for c in foreign):
                like = latin[0]
                fixed = "".join(
                    to_latin_width(CONFUSABLES[c], like) if c in CONFUSABLES else c for c in word
                )
            else:
                fixed = None
            names = "・".join(
                sorted({f"{_script(c)}「{c}」(U+{ord(c):04X})" for c in foreign}, key=str)
            )
            yield Hit(
                f"「{word}」に{names}が混じっています。見た目は同じでも検索で見つかりません。",
                index,
                match.start(),
                match.end(),
                fixed,
            )


# 制御文字・不可視文字 -------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\t\u00a0\u00ad\u180e\u200b-\u200f\u2028\u2029"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]+|\r(?!\n)"
)


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '制御文字')}"


@rule("invisible", "制御文字・不可視文字", Severity.ERROR)
def invisible(document, config):
    """タブ、ゼロ幅スペース、方向制御、改行以外の制御文字など、見えない文字。"""
    for index, value in _texts(document):
        for match in _INVISIBLE.finditer(value):
            chars = match.group()
            # A no-break space stands for a space; everything else goes.
            replacement = " " if set(chars) == {"\u00a0"} else ""
            yield Hit(
                f"見えない文字（{'、'.join(dict.fromkeys(map(_char_name, chars)))}）があります。",
                index,
                match.start(),
                match.end(),
                replacement,
            )


# 数字の全角・半角 -----------------------------------------------------------------------------

_NUMBER = re.compile(r"[0-9０-９]+(?:[,，.．][0-9０-９]+)*")
_ERA_BEFORE = re.compile(r"(明治|大正|昭和|平成|令和)$")
_NUMBER_JOINERS = set("-/:_#.／：＿＃－")
_TO_HALF = str.maketrans("０１２３４５６７８９，．", "0123456789,.")
_TO_FULL = str.maketrans("0123456789", FULL_DIGITS)


@rule("numeral-width", "数字の全角・半角", Severity.WARNING)
def numeral_width(document, config):
    """数字は１桁なら全角、２桁以上なら半角（報告書の表記）。"""
    for index, value in _texts(document, Kind.WRITTEN):
        for match in _NUMBER.finditer(value):
            number, start, end = match.group(), match.start(), match.end()
            before = value[start - 1] if start else ""
            after = value[end] if end < len(value) else ""
            if (before in _NUMBER_JOINERS and value[start - 2 : start - 1].isdigit()) or (
                after in _NUMBER_JOINERS and value[end + 1 : end + 2].isdigit()
            ):
                continue  # 2021-03-08, 10:00, 1/2, v1.2: not a running-text numeral
            digits = sum(c.isdigit() for c in number)
            if digits == 1:
                if number in FULL_DIGITS:
                    continue
                near = value[max(0, start - 2) : start].strip() or " "
                if LATIN.match(near[-1]) or LATIN.match(after or " "):
                    continue  # 2in1, Windows 7: part of a Latin name
                if number == "1" and _ERA_BEFORE.search(value[:start]):
                    continue  # 令和1年: the era-year rule writes 元
                fixed = number.translate(_TO_FULL)
                message = f"１桁の数字「{number}」は全角で書きます。"
            else:
                fixed = number.translate(_TO_HALF)
                if fixed == number:
                    continue
                message = f"２桁以上の数字「{number}」は半角で書きます。"
            yield Hit(message, index, start, end, fixed)


# 英字の全角・半角 -----------------------------------------------------------------------------

_LATIN_WORD = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+")


def _width(word: str) -> str:
    if word.isascii():
        return "half"
    if all("\uff21" <= c <= "\uff5a" for c in word):
        return "full"
    return "mixed"


def _in_width(word: str, width: str) -> str:
    half = _nfkc(word)
    if width == "half":
        return half
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in half)


@rule("latin-width", "英字の全角・半角の不統一", Severity.WARNING)
def latin_width(document, config):
    """同じ英字の語を全角と半角の両方で書いている（ＩＣＴ と ICT）。多いほうにそろえる。"""
    occurrences = defaultdict(list)
    for index, value in _texts(document, Kind.WRITTEN):
        for match in _LATIN_WORD.finditer(fold_scripts(value)):
            word = match.group()
            # A look-alike letter takes the width of its word: 「ОＣＲ」 is full-width.
            own = "".join(
                c
                for c, o in zip(word, value[match.start() : match.end()], strict=True)
                if o not in CONFUSABLES
            )
            occurrences[_nfkc(word)].append((index, match.start(), match.end(), own or word))
    for key, places in occurrences.items():
        widths = Counter(_width(word) for *_, word in places)
        if len(widths) < 2 and "mixed" not in widths:
            continue
        # The width most used wins; half-width on a tie (公用文作成の考え方).
        preferred = "full" if widths["full"] > widths["half"] else "half"
        forms = "・".join(f"「{_in_width(key, w)}」" for w in ("full", "half") if widths[w])
        for index, start, end, word in places:
            if _width(word) == preferred:
                continue
            fixed = _in_width(key, preferred)
            yield Hit(
                f"英字の語を全角と半角で書いています（{forms}）。「{fixed}」にそろえます。",
                index,
                start,
                end,
                fixed,
            )


# 空白 --------------------------------------------------------------------------------------

_SPACES = re.compile(
    r"(?P<run>(?<=\S)[ \t\u3000]{2,}(?=\S))"
    r"|(?P<wide>(?<=\S)\u3000(?=\S))"
    r"|(?P<half>(?<=[^\x00-\x7f\s]) (?=[^\x00-\x7f\s]))"
    r"|(?P<lead>^[ \t]*\u3000[ \t\u3000]*(?=\S))"
    r"|(?P<trail>(?<=\S)[ \t\u3000]+$)",
    re.MULTILINE,
)
# A space after these is how company and corporation names are often written.
_CORPORATE = re.compile(
    r"(株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人"
    r"|公益財団法人|特定非営利活動法人|社会福祉法人|独立行政法人|地方独立行政法人|国立大学法人"
    r"|学校法人|医療法人)$"
)
_WORD_CHAR = re.compile(r"[0-9A-Za-z]")


@rule("spacing", "文中の空白", Severity.WARNING)
def spacing(document, config):
    """文の途中の全角空白、続けて打った空白、行頭・行末の空白。"""
    for index, value in _texts(document):
        for match in _SPACES.finditer(value):
            start, end = match.start(), match.end()
            before = value[start - 1] if start else ""
            after = value[end] if end < len(value) else ""
            between_words = bool(_WORD_CHAR.match(before or "-")) and bool(
                _WORD_CHAR.match(after or "-")
            )
            kind = match.lastgroup
            if kind == "wide" and _CORPORATE.search(value[:start]):
                continue
            replacement = " " if kind in ("run", "wide") and between_words else ""
            message = {
                "run": "空白が続いています。",
                "wide": "文の途中に全角の空白があります。",
                "half": "文の途中に空白があります。",
                "lead": "行頭に空白があります（字下げは表示のときに付きます）。",
                "trail": "行末に空白があります。",
            }[kind]
            yield Hit(message, index, start, end, replacement)


# 括弧の対応 ---------------------------------------------------------------------------------

_PAIRS = {"「": "」", "『": "』", "（": "）", "(": ")", "［": "］", "[": "]", "【": "】",
          "〔": "〕", "｛": "｝", "{": "}", "“": "”", "‘": "’", "〈": "〉", "《": "》"}  # fmt: skip
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
# （ and ( close each other: width is another rule's business.
_FAMILY = {"(": "（", ")": "）", "[": "［", "]": "］", "{": "｛", "}": "｝"}
# 1) ア) a): a list marker, not a closing bracket
_LIST_MARKER = re.compile(
    r"(?:^|(?<=[\s、。：]))[0-9０-９A-Za-zＡ-Ｚａ-ｚア-ンぁ-ん]{1,2}[)）]", re.M
)


def _family(char: str) -> str:
    return _FAMILY.get(char, char)


def bracket_problems(value: str) -> Iterator[tuple[int, str]]:
    """Positions of brackets and quotes without their partner, with the missing partner."""
    markers = {m.end() - 1 for m in _LIST_MARKER.finditer(value)}
    stack: list[tuple[int, str]] = []
    for position, char in enumerate(value):
        if char in _PAIRS:
            stack.append((position, char))
        elif char in _CLOSERS:
            if position in markers:
                continue
            wanted = _family(_CLOSERS[char])
            depth = next(
                (n for n in range(len(stack) - 1, -1, -1) if _family(stack[n][1]) == wanted),
                None,
            )
            if depth is None:
                yield position, _CLOSERS[char]
                continue
            for opened, opener in stack[depth + 1 :]:
                yield opened, _PAIRS[opener]
            del stack[depth:]
    for opened, opener in stack:
        yield opened, _PAIRS[opener]


@rule("brackets", "括弧の対応", Severity.ERROR)
def brackets(document, config):
    """閉じていない括弧・かぎ括弧、開いていない閉じ括弧。"""
    for index, value in _texts(document):
        for position, partner in bracket_problems(value):
            char = value[position]
            if char in _PAIRS:
                message = f"「{char}」を閉じる「{partner}」がありません。"
            else:
                message = f"「{char}」に対応する「{partner}」がありません。"
            yield Hit(message, index, position, position + 1)


# 表記ゆれ ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    preferred: str
    variants: tuple[str, ...]
    followed_by: str = ""
    not_followed_by: str = ""
    note: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.preferred, *self.variants)


@cache
def words(path: Path = WORDS_FILE) -> tuple[Word, ...]:
    with path.open("rb") as file:
        data = tomllib.load(file)
    return tuple(
        Word(
            preferred=entry["preferred"],
            variants=tuple(entry["variants"]),
            followed_by=entry.get("followed_by", ""),
            not_followed_by=entry.get("not_followed_by", ""),
            note=entry.get("note", ""),
        )
        for entry in data["word"]
    )


@cache
def _word_pattern(word_list: tuple[Word, ...]) -> tuple[re.Pattern, dict[str, tuple[Word, str]]]:
    """One pattern for every form of every word, longest first, each a named group."""
    alternatives, groups = [], {}
    for n, word in enumerate(word_list):
        for m, form in enumerate(word.forms):
            context = ""
            if word.followed_by:
                context = f"(?=[{re.escape(word.followed_by)}])"
            elif word.not_followed_by:
                context = f"(?![{re.escape(word.not_followed_by)}])"
            name = f"w{n}_{m}"
            groups[name] = (word, form)
            alternatives.append((len(form), f"(?P<{name}>{re.escape(form)}{context})"))
    alternatives.sort(key=lambda a: -a[0])
    return re.compile("|".join(a for _, a in alternatives)), groups


def _quoted(value: str) -> list[tuple[int, int]]:
    """Spans inside 「」 and 『』: quotations and names are kept as written."""
    spans, stack = [], []
    for position, char in enumerate(value):
        if char in "「『":
            stack.append(position)
        elif char in "」』" and stack:
            spans.append((stack.pop(), position))
    return spans


@rule("variants", "表記ゆれ", Severity.WARNING)
def variants(document, config, word_list=None):
    """同じ語を二通り以上に書いている（手続／手続き）。公用文作成の考え方の書き方にそろえる。"""
    pattern, groups = _word_pattern(word_list or words())
    found = defaultdict(list)
    for index, value in _texts(document, Kind.WRITTEN):
        quoted = _quoted(value) if "「" in value or "『" in value else []
        for match in pattern.finditer(value):
            if any(s < match.start() < e for s, e in quoted):
                continue
            word, form = groups[match.lastgroup]
            found[word].append((index, match.start(), match.end(), form))
    for word, places in found.items():
        forms = list(dict.fromkeys(form for *_, form in places))
        if len(forms) < 2:
            continue
        listed = "と".join(f"「{f}」" for f in forms)
        note = f"（{word.note}）" if word.note else ""
        for index, start, end, form in places:
            if form != word.preferred:
                yield Hit(
                    f"表記ゆれ：この報告書には{listed}があります。「{word.preferred}」にそろえます{note}。",
                    index,
                    start,
                    end,
                    word.preferred,
                )


# 日付 --------------------------------------------------------------------------------------

_ERAS = {era.name: era for era in notation.ERAS}
_D12 = "[0-9０-９]{1,2}"
DATE = re.compile(
    r"(?:(?P<era>明治|大正|昭和|平成|令和)(?P<ey>元|[0-9０-９]{1,2})"
    r"|(?<![0-9０-９,，])(?P<wy>[12１２][0-9０-９]{3}))年"
    rf"(?:(?P<fy>度)|(?:(?P<m>{_D12})月(?:(?P<d>{_D12})日)?)?)"
)
_RANGE_TO = re.compile(r"[ 　]*(?:から|～|〜|~)[ 　]*")
_PARTIAL = re.compile(rf"(?:(?P<m>{_D12})月)?(?:(?P<d>{_D12})日)?")
_WEEKDAY = re.compile(r"[ 　]?[（(](?P<w>[月火水木金土日])(?:曜日?)?[）)]")
WEEKDAYS = "月火水木金土日"


def _int(digits: str) -> int:
    return 1 if digits == "元" else int(_nfkc(digits))


def _era_end(era) -> date:
    later = [e.start for e in notation.ERAS if e.start > era.start]
    return date.fromordinal(later[0].toordinal() - 1) if later else date.max


def _covers(era, first: date, last: date) -> bool:
    return era.start <= last and _era_end(era) >= first


@dataclass
class DateMention:
    start: int
    end: int
    year: int  # western
    month: int | None
    day: int | None
    fiscal: bool
    era_span: tuple[int, int] | None  # where 令和２ is written, to correct the era
    era_year: int | None = None


def _mention(value: str, match: re.Match) -> DateMention:
    era_year = None
    if match.group("era"):
        era = _ERAS[match.group("era")]
        era_year = _int(match.group("ey"))
        year = era.start.year + era_year - 1
        era_span = (match.start("era"), match.end("ey"))
    else:
        year, era_span = _int(match.group("wy")), None
    month = _int(match.group("m")) if match.group("m") else None
    day = _int(match.group("d")) if match.group("d") else None
    return DateMention(
        match.start(), match.end(), year, month, day, bool(match.group("fy")), era_span, era_year
    )


def _bounds(mention: DateMention) -> tuple[date, date] | None:
    """The first and last day the mention can mean, or None when no such day exists."""
    year, month, day = mention.year, mention.month, mention.day
    if not 1 <= year <= 9999:
        return None
    if mention.fiscal:
        return date(year, 4, 1), date(year + 1, 3, 31)
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, 1), date(year, month, last)
    if not 1 <= day <= last:
        return None
    return date(year, month, day), date(year, month, day)


def _era_text(d: date) -> str:
    name, era_year = notation.era_for(d)
    return f"{name}{notation.era_year_text(era_year)}"


def date_mentions(value: str) -> Iterator[DateMention]:
    for match in DATE.finditer(value):
        yield _mention(value, match)


@rule("date-invalid", "存在しない日付", Severity.ERROR)
def date_invalid(document, config):
    """２月30日、13月、令和０年など、暦にない日付。"""
    for index, value in _texts(document):
        for mention in date_mentions(value):
            if _bounds(mention) is None or mention.era_year == 0:
                yield Hit(
                    f"「{value[mention.start : mention.end]}」という日付はありません。",
                    index,
                    mention.start,
                    mention.end,
                )


@rule("era-name", "元号の誤り", Severity.ERROR)
def era_name(document, config):
    """その日に使われていない元号（平成31年５月 → 令和元年５月）、元年を１年と書いたもの。"""
    for index, value in _texts(document):
        for mention in date_mentions(value):
            if mention.era_span is None:
                continue
            bounds = _bounds(mention)
            start, end = mention.era_span
            written = value[start:end]
            era = _ERAS[written[:2]]
            if bounds is None or mention.era_year == 0:
                continue
            first, last = bounds
            if mention.fiscal:
                # A fiscal year is named by the era on 31 December of its first year.
                right = _era_text(date(mention.year, 12, 31))
                wrong = not written.startswith(right[:2])
            else:
                right = _era_text(last)
                wrong = not _covers(era, first, last)
            if wrong:
                yield Hit(
                    f"「{value[mention.start : mention.end]}」の元号が違います。",
                    index,
                    start,
                    end,
                    right,
                )
            elif written[2:] in ("1", "１"):
                yield Hit(
                    "元号の最初の年は「元年」と書きます。",
                    index,
                    start,
                    end,
                    f"{written[:2]}元",
                    severity=Severity.WARNING,
                )


def _range_end(value: str, first: DateMention) -> DateMention | None:
    joiner = _RANGE_TO.match(value, first.end)
    if not joiner:
        return None
    full = DATE.match(value, joiner.end())
    if full:
        return _mention(value, full)
    if first.fiscal or first.month is None:
        return None
    partial = _PARTIAL.match(value, joiner.end())
    if not partial or not partial.group():
        return None
    month = _int(partial.group("m")) if partial.group("m") else first.month
    day = _int(partial.group("d")) if partial.group("d") else None
    if first.day is not None and day is None:
        return None  # 令和３年３月８日～４月: not a date range of the same precision
    return DateMention(first.start, partial.end(), first.year, month, day, False, None)


@rule("date-range", "期間の前後", Severity.ERROR)
def date_range(document, config):
    """終わりが始まりより前になっている期間（令和３年４月１日から令和２年４月１日まで）。"""
    for index, value in _texts(document):
        for first in date_mentions(value):
            last = _range_end(value, first)
            if last is None or first.fiscal != last.fiscal:
                continue
            first_bounds, last_bounds = _bounds(first), _bounds(last)
            if first_bounds and last_bounds and last_bounds[1] < first_bounds[0]:
                yield Hit(
                    "期間の終わりが始まりより前になっています。",
                    index,
                    first.start,
                    last.end,
                )


@rule("weekday", "曜日の誤り", Severity.ERROR)
def weekday(document, config):
    """日付に添えた曜日がその日の曜日と違う。"""
    for index, value in _texts(document):
        for mention in date_mentions(value):
            shown = _WEEKDAY.match(value, mention.end)
            bounds = _bounds(mention)
            if not shown or mention.day is None or bounds is None:
                continue
            right = WEEKDAYS[bounds[0].weekday()]
            if shown.group("w") != right:
                yield Hit(
                    f"{value[mention.start : mention.end]}は{right}曜日です。",
                    index,
                    mention.start,
                    shown.end(),
                    suggestion=f"日付か曜日を確かめてください（{right}曜日）。",
                )


# 数値 --------------------------------------------------------------------------------------

_CELL = re.compile(
    r"^\s*(?P<approx>約)?\s*(?P<n>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<u>[^\s0-9（(]*)\s*"
    r"(?:[（(].*[）)])?\s*$"
)
TOTAL_LABELS = {"合計", "計", "総計", "小計"}
_MULTIPLIER = {"円": 1, "千円": 1000, "万円": 10_000, "億円": 100_000_000}


def cell_number(cell: str) -> tuple[Decimal, str] | None:
    """A cell's number and its unit as written (''), or None when it holds no number."""
    match = _CELL.match(_nfkc(cell).replace("－", "-"))
    if not match:
        return None
    try:
        return Decimal(match.group("n").replace(",", "")), match.group("u")
    except InvalidOperation:
        return None


def _label(cells: list[str]) -> str:
    return re.sub(r"\s", "", _nfkc(cells[0])) if cells else ""


@rule("table-total", "合計の不一致", Severity.ERROR)
def table_total(document, config):
    """合計の行が、その上の行の和になっていない。"""
    for table_index, table in enumerate(document.tables):
        if table.by_row:
            continue
        above: list[list[str]] = []
        for row_index, cells in enumerate(table.rows):
            if _label(cells) not in TOTAL_LABELS:
                above.append(cells)
                continue
            for column in range(1, len(cells)):
                total = cell_number(cells[column])
                if total is None:
                    continue
                cells_above = [cell_number(r[column]) for r in above if column < len(r)]
                cells_above = [c for c in cells_above if c is not None]
                if len({unit or table.unit for _, unit in [*cells_above, total]}) > 1:
                    continue  # units differ: table-units says so, a sum would mislead
                numbers = [n for n, _ in cells_above]
                if not numbers or sum(numbers) == total[0]:
                    continue
                yield Hit(
                    f"合計 {cells[column]} が上の行の和 {notation.comma(sum(numbers))} と"
                    "一致しません。",
                    table=table_index,
                    cell=(row_index, column),
                    suggestion=f"上の行の和は {notation.comma(sum(numbers))} です。",
                )
            above = []


def _unit(cell: str, declared: str) -> str | None:
    number = cell_number(cell)
    if number is None:
        return None
    return number[1] or declared


@rule("table-units", "表の単位の混在", Severity.WARNING)
def table_units(document, config):
    """ひとつの表の同じ列（金額の系列）に、違う単位の値が混じっている。"""
    for table_index, table in enumerate(document.tables):
        width = max((len(r) for r in table.rows), default=0)
        if table.by_row:
            series = [[(r, c) for c in range(1, len(row))] for r, row in enumerate(table.rows)]
        else:
            series = [[(r, c) for r in range(len(table.rows))] for c in range(1, width)]
        for cells in series:
            units = {
                (r, c): _unit(table.rows[r][c], table.unit)
                for r, c in cells
                if c < len(table.rows[r]) and _label(table.rows[r]) not in TOTAL_LABELS
            }
            units = {k: u for k, u in units.items() if u is not None}
            counts = Counter(units.values())
            if len(counts) < 2:
                continue
            usual = counts.most_common(1)[0][0]
            for (r, c), unit in units.items():
                if unit != usual:
                    yield Hit(
                        f"この列の単位は「{usual}」ですが、この値は「{unit}」です。",
                        table=table_index,
                        cell=(r, c),
                        suggestion=f"単位を「{usual}」にそろえてください。",
                    )


_AMOUNT = re.compile(
    r"(?P<approx>約)?(?P<n>[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?)\s*(?P<u>億円|万円|千円|円)"
)
_RATIO = re.compile(r"前年度比[^0-9０-９。]{0,8}?(?P<n>[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*[%％]")
_SENTENCE = re.compile(r"[^。\n]+。?")


def _near_nodes(document: Document, node: int | None) -> set[int]:
    """A text's initiative, its parent, its children and its siblings."""
    if node is None:
        return set()
    parent = document.parents.get(node)
    near = {node}
    if parent is not None:
        near.add(parent)
    for other, other_parent in document.parents.items():
        if other_parent == node or (parent is not None and other_parent == parent):
            near.add(other)
    return near


def _table_years(table) -> dict[int, int]:
    """Column → fiscal year, from headers such as 令和２年度（～９月末）."""
    years = {}
    for column, header in enumerate(table.headers):
        match = DATE.search(header)
        if match and match.group("fy"):
            years[column] = _mention(header, match).year
    return years


def _decimal(digits: str) -> Decimal:
    return Decimal(_nfkc(digits).replace(",", ""))


def _agrees(written: Decimal, multiplier: int, yen: Decimal) -> bool:
    """A written amount agrees with an amount in yen when equal at the written precision."""
    if written * multiplier == yen:
        return True
    return (yen / multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP) == written


@rule("text-vs-table", "本文と表の不一致", Severity.ERROR)
def text_vs_table(document, config):
    """本文に書いた年度の金額・前年度比が、同じ取組の表と違う。"""
    by_node = defaultdict(list)
    for table in document.tables:
        if table.by_row and table.node is not None:
            by_node[table.node].append(table)
    if not by_node:
        return
    for index, text in enumerate(document.texts):
        if text.kind not in (Kind.PROSE, Kind.ITEM) or text.node is None:
            continue
        tables = [t for n in _near_nodes(document, text.node) for t in by_node.get(n, [])]
        if not tables:
            continue
        amounts, ratios = defaultdict(list), defaultdict(list)
        for table in tables:
            multiplier = _MULTIPLIER.get(table.unit, 1)
            for column, year in _table_years(table).items():
                for row in table.rows:
                    number = cell_number(row[column]) if column < len(row) else None
                    if number is None:
                        continue
                    if _label(row) == "前年度比":
                        ratios[year].append((number[0], row[column]))
                    else:
                        unit_multiplier = _MULTIPLIER.get(number[1], multiplier)
                        amounts[year].append((number[0] * unit_multiplier, row[column]))
        for sentence in _SENTENCE.finditer(text.value):
            years = [(m.start, m.year) for m in date_mentions(sentence.group()) if m.fiscal]
            yield from _compare_amounts(index, sentence, years, amounts, ratios)


def _year_before(years, position):
    earlier = [year for start, year in years if start < position]
    return earlier[-1] if earlier else None


def _compare_amounts(index, sentence, years, amounts, ratios):
    offset = sentence.start()
    for match in _AMOUNT.finditer(sentence.group()):
        year = _year_before(years, match.start())
        if year is None or year not in amounts:
            continue
        written = _decimal(match.group("n"))
        multiplier = _MULTIPLIER[match.group("u")]
        if any(_agrees(written, multiplier, yen) for yen, _ in amounts[year]):
            continue
        shown = "、".join(cell for _, cell in amounts[year])
        yield Hit(
            f"{notation.fiscal_year_label(year)}の金額が表（{shown}）と違います。",
            index,
            offset + match.start(),
            offset + match.end(),
            suggestion=f"表では {shown} です。",
        )
    for match in _RATIO.finditer(sentence.group()):
        year = _year_before(years, match.start()) or max(ratios, default=None)
        if year is None or year not in ratios:
            continue
        written = _decimal(match.group("n"))
        places = Decimal(1).scaleb(written.as_tuple().exponent)
        if any(r.quantize(places, rounding=ROUND_HALF_UP) == written for r, _ in ratios[year]):
            continue
        shown = "、".join(cell for _, cell in ratios[year])
        yield Hit(
            f"{notation.fiscal_year_label(year)}の前年度比が表（{shown}）と違います。",
            index,
            offset + match.start(),
            offset + match.end(),
            suggestion=f"表では {shown} です。",
        )


# 文 ----------------------------------------------------------------------------------------

_SENTENCES = re.compile(r"[^。！？\n]+[。！？]?")


def sentences(value: str) -> Iterator[re.Match]:
    for match in _SENTENCES.finditer(value):
        if match.group().strip():
            yield match


@rule("sentence-length", "長い文", Severity.HINT)
def sentence_length(document, config):
    """一文が長すぎる（上限は設定 PROOFREADING_MAX_SENTENCE_LENGTH）。"""
    limit = config.max_sentence_length
    for index, value in _texts(document, (Kind.PROSE,)):
        for match in sentences(value):
            length = len(re.sub(r"\s", "", match.group()))
            if length > limit:
                yield Hit(
                    f"一文が{length}字あります（目安は{limit}字以内）。",
                    index,
                    match.start(),
                    match.end(),
                    suggestion="文を分けることを検討してください。",
                )


_POLITE = re.compile(r"(です|ます|でした|ました|ません|でしょう|ましょう|ください)[」）)]*[。！]$")
_PLAIN = re.compile(r"(である|であった|であろう|だ|だった|た|る|ない|ぬ|う|い|ず)[」）)]*。$")


@rule("style-mix", "文体の混在", Severity.WARNING)
def style_mix(document, config):
    """「です・ます」の文と「である」の文がひとつの報告書に混じっている。"""
    polite, plain = [], []
    for index, value in _texts(document, (Kind.PROSE,)):
        for match in sentences(value):
            sentence = match.group().strip()
            if _POLITE.search(sentence):
                polite.append((index, match))
            elif _PLAIN.search(sentence):
                plain.append((index, match))
    if not polite or not plain:
        return
    minority, style = (polite, "です・ます") if len(polite) <= len(plain) else (plain, "である")
    usual = "である" if style == "です・ます" else "です・ます"
    for index, match in minority:
        yield Hit(
            f"この報告書は主に「{usual}」調ですが、この文は「{style}」調です。",
            index,
            match.start(),
            match.end(),
            suggestion=f"「{usual}」調にそろえてください。",
        )


RULE_IDS = tuple(r.id for r in RULES)


def rules_named(ids: Iterable[str]) -> list[Rule]:
    wanted = set(ids)
    return [r for r in RULES if r.id in wanted]
