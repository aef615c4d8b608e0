"""The common ground of our spreadsheet resources (django-import-export): widgets that read what
staff type, columns that explain themselves, natural keys, bulk saving, previews and diffs.
Each app declares its own resources on top of this (``budgets/resources.py``,
``programs/resources.py``).

Files name things by natural keys that staff can read, never by database ids:

- fiscal year by its western first year (2020; 令和２年度 is read too),
- division by its URL name (digital-administration),
- expenditure item by its code, vendor by its name (a former name is read too),
- municipality by its 6-digit code, subsidy programme by its name,
- an initiative (of a contract, event or figure) by the report's year and division and its
  path of headings from the group down:
  ``市町村連携グループ > 市町村の自治体情報セキュリティ対策の支援 > 契約状況``.

Every resource takes ``divisions``: the divisions whose records the user may touch (None
means all). Rows outside them are neither read nor written; the admin decides the set in
one place (``SpreadsheetAdminMixin.get_import_divisions``).
"""

import copy
import functools
import re
import unicodedata
from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, Result, RowResult
from simple_history.utils import bulk_create_with_history

from organisation.models import Division, FiscalYear, Unit
from organisation.notation import ERAS, comma
from reports.editing import affected_reports, touch_report
from spreadsheets.importing import restore
from spreadsheets.limits import ImportFileError
from spreadsheets.stale_imports import changed_since, stale_message

PATH_SEPARATOR = " > "
YEN_SUFFIX = "（円）"


def nfkc(value) -> str:
    """Full-width digits and letters to half-width, ㈱ to (株), ｶﾅ to カナ; trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def key_text(value) -> str:
    """A natural key as compared: NFKC with runs of white space made one space."""
    return re.sub(r"\s+", " ", nfkc(value))


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value) -> str:
    """A cell's value quoted for a message: "abc"."""
    text = str(value).replace("\n", " ")
    return f'"{text[:30]}…"' if len(text) > 30 else f'"{text}"'


# Widgets: each turns a cell into a value or raises ValueError with a Japanese reason.

_MINUS = str.maketrans({"−": "-", "‐": "-", "△": "-", "▲": "-"})


def parse_decimal(value, suffixes: tuple[str, ...] = ()) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"数値ではありません（{shown(value)}）")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"数値ではありません（{shown(value)}）")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = re.sub(r"\s", "", nfkc(value).translate(_MINUS))
    for suffix in suffixes:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    text = text.replace(",", "")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        raise ValueError(f"数値ではありません（{shown(value)}）")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"数値ではありません（{shown(value)}）") from None


class YenWidget(widgets.Widget):
    """Amounts in yen. ``scale`` is 1000 when the column (or the form) says 千円."""

    def __init__(self):
        super().__init__(coerce_to_string=False)
        self.scale = 1

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, str):
            text = re.sub(r"\s", "", nfkc(value))
            if self.scale == 1 and text.endswith("千円"):
                raise ValueError(
                    f"この列は円単位です。千円ではなく円で入力してください（{shown(value)}）"
                )
            if self.scale == 1000 and text.endswith("円") and not text.endswith("千円"):
                raise ValueError(f"この列は千円単位です（{shown(value)}）")
        number = parse_decimal(value, ("千円", "円"))
        yen = number * self.scale
        if yen != yen.to_integral_value():
            raise ValueError(f"1円未満の端数があります（{shown(value)}）")
        if abs(yen) >= 10**15:
            raise ValueError(f"金額が大きすぎます（{shown(value)}）")
        return int(yen)

    def render(self, value, obj=None, **kwargs):
        return value


class IntegerWidget(widgets.Widget):
    def __init__(self, suffixes: tuple[str, ...] = ()):
        super().__init__(coerce_to_string=False)
        self.suffixes = suffixes

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        number = parse_decimal(value, self.suffixes)
        if number != number.to_integral_value():
            raise ValueError(f"整数で入力してください（{shown(value)}）")
        if abs(number) >= 10**15:
            raise ValueError(f"数が大きすぎます（{shown(value)}）")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return value


class DecimalWidget(widgets.Widget):
    def __init__(self):
        super().__init__(coerce_to_string=False)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        return parse_decimal(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else value


class TextWidget(widgets.Widget):
    """Text kept as typed; a ``'`` that our export put before ``=`` and the like is removed."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime):
            value = value.date() if value.time() == datetime.min.time() else value
        if isinstance(value, date):
            return value.isoformat()
        return restore(str(value)).replace("\r\n", "\n").replace("\r", "\n")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CodeWidget(TextWidget):
    """Codes and slugs: half-width, no surrounding space; a number cell keeps its zeros."""

    def __init__(self, digits: int = 0):
        super().__init__()
        self.digits = digits

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and self.digits:
            return str(value).zfill(self.digits)
        return "" if value is None else nfkc(value)


class BooleanWidget(widgets.Widget):
    TRUE = {"1", "true", "yes", "y", "はい", "○", "〇", "◯", "✓", "✔"}
    FALSE = {"", "0", "false", "no", "n", "いいえ", "×", "-"}

    def clean(self, value, row=None, **kwargs):
        if value is None or value is False or value == 0:
            return False
        if value is True or value == 1:
            return True
        text = nfkc(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"「はい」か「いいえ」で入力してください（{shown(value)}）")

    def render(self, value, obj=None, **kwargs):
        return "はい" if value else "いいえ"


class ChoiceWidget(widgets.Widget):
    """A choice by its label (決算額) or its stored value (settlement)."""

    def __init__(self, choices, default=None):
        super().__init__()
        self.labels = dict(choices)
        self.values = {key_text(label): v for v, label in self.labels.items()}
        self.values.update({key_text(v): v for v in self.labels})
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return self.default
        try:
            return self.values[key_text(value)]
        except KeyError:
            names = "、".join(str(label) for label in self.labels.values())
            raise ValueError(f"{names} のどれかを入力してください（{shown(value)}）") from None

    def render(self, value, obj=None, **kwargs):
        return str(self.labels.get(value, value or ""))


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?(?:[-/.](\d{1,2})日?)?")
_ERA_DATE = re.compile(r"(明治|大正|昭和|平成|令和)(元|\d+)年(\d{1,2})月(?:(\d{1,2})日)?")


def _era_year(era: str, year: str) -> int:
    start = next(e.start.year for e in ERAS if e.name == era)
    return start + (1 if year == "元" else int(year)) - 1


def parse_date(value, month_only: bool = False) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1) if month_only else value
    text = re.sub(r"\s", "", nfkc(value))
    try:
        if m := _ERA_DATE.fullmatch(text):
            day = 1 if month_only else int(m[4] or 0)
            return date(_era_year(m[1], m[2]), int(m[3]), day)
        if month_only and (m := _MONTH.fullmatch(text)):
            return date(int(m[1]), int(m[2]), 1)
        if not month_only and (m := _DATE.fullmatch(text)):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    example = "2016-09" if month_only else "2021-01-28"
    raise ValueError(f"日付として読めません（{shown(value)}）。{example} のように入力します")


class DateWidget(widgets.Widget):
    def __init__(self):
        super().__init__(coerce_to_string=False)

    def clean(self, value, row=None, **kwargs):
        return None if is_blank(value) else parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value


class MonthWidget(widgets.Widget):
    """Year and month (契約期間): 2016-09, 2016/9, 2016年9月, 平成28年9月, or a date cell."""

    def clean(self, value, row=None, **kwargs):
        return None if is_blank(value) else parse_date(value, month_only=True)

    def render(self, value, obj=None, **kwargs):
        return f"{value:%Y-%m}" if value else ""


def parse_year(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = re.sub(r"\s", "", nfkc(value)).removesuffix("年度")
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    if m := re.fullmatch(r"(明治|大正|昭和|平成|令和)(元|\d+)", text):
        return _era_year(m[1], m[2])
    raise ValueError(f"年度として読めません（{shown(value)}）。2020 のように西暦で入力します")


def _same(obj, memo):
    return obj


def keep_shared(obj):
    """Let ``deepcopy`` share ``obj`` rather than copy it.

    django-import-export deep-copies every row's record to diff it, and with it the related
    records it holds (費目, 年度, …). Those are only read by an import, so sharing is safe and
    spares copying them once per row.
    """
    if isinstance(obj, models.Model):
        obj.__deepcopy__ = functools.partial(_same, obj)
    return obj


def _snapshot(obj, memo):
    """A copy of a record as it is now: its own field values, its related records shared."""
    clone = copy.copy(obj)  # Model.__getstate__: own __dict__, _state and fields cache
    if "_prefetched_objects_cache" in obj.__dict__:
        clone._prefetched_objects_cache = dict(obj._prefetched_objects_cache)
    return clone


class LookupWidget(widgets.Widget):
    """A related record found by a natural key; the records are read once per import."""

    def bind(self, resource):
        self.resource = resource
        self._index = None

    def index(self) -> dict:
        if self._index is None:
            self._index = {key: keep_shared(obj) for key, obj in self.build_index().items()}
        return self._index

    @abstractmethod
    def build_index(self) -> dict:
        """Every record this widget can find, by its natural key (each subclass says how)."""

    def scoped(self, queryset, path: str):
        divisions = self.resource.divisions
        return queryset if divisions is None else queryset.filter(**{f"{path}__in": divisions})


class FiscalYearWidget(LookupWidget):
    def build_index(self):
        return {fy.year: fy for fy in FiscalYear.objects.all()}

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        year = parse_year(value)
        try:
            return self.index()[year]
        except KeyError:
            raise ValueError(
                f"{year}年度は登録されていません（管理画面の「年度」で登録します）"
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.year if value else None


class DivisionWidget(LookupWidget):
    def build_index(self):
        index = {}
        for division in self.scoped(Division.objects.all(), "pk"):
            index[key_text(division.name)] = division
            index[key_text(division.slug)] = division
        return index

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return self.index()[key_text(value)]
        except KeyError:
            if Division.objects.filter(slug=nfkc(value)).exists():
                raise ValueError(f"課 {shown(value)} の記録は変更できません") from None
            raise ValueError(
                f"課 {shown(value)} が見つかりません"
                "（URL名で入力します。例：digital-administration）"
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class InitiativeWidget(LookupWidget):
    """An initiative by the row's 年度 and 課 and its path of headings: グループ > 見出し."""

    def build_index(self):
        # The initiative model is the one the resource's ``initiative`` field points to.
        model = self.resource._meta.model._meta.get_field("initiative").related_model
        initiatives = self.scoped(
            model.objects.select_related(
                "section__report__fiscal_year", "section__report__division"
            ),
            "section__report__division",
        )
        by_id = {i.pk: i for i in initiatives}
        self.paths = {}
        index: dict[tuple, list] = {}
        for initiative in by_id.values():
            parts = []
            node = initiative
            while node is not None:
                parts.insert(0, self.label(node))
                node = by_id.get(node.parent_id)
            report = initiative.section.report
            parts.insert(0, initiative.section.name)
            self.paths[initiative.pk] = PATH_SEPARATOR.join(parts)
            key = (
                report.fiscal_year.year,
                report.division.slug,
                tuple(key_text(p) for p in parts),
            )
            index.setdefault(key, []).append(initiative)
        self.divisions = {
            key_text(i.section.report.division.name): i.section.report.division.slug
            for i in by_id.values()
        }
        return index

    @staticmethod
    def label(initiative) -> str:
        """A heading, or for an untitled paragraph the start of its text."""
        if initiative.title:
            return initiative.title
        first_line = initiative.body.strip().split("\n")[0]
        return first_line[:20] + "…"

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        row = row or {}
        if is_blank(row.get("年度")) or is_blank(row.get("課")):
            raise ValueError("取組を探すには「年度」と「課」の列も入力してください")
        year = parse_year(row["年度"])
        index = self.index()
        division = key_text(row["課"])
        division = self.divisions.get(division, division)
        parts = tuple(key_text(p) for p in nfkc(value).split(">"))
        found = index.get((year, division, parts), [])
        if len(found) > 1:
            raise ValueError(f"取組 {shown(value)} が複数あります。見出しを変えて区別してください")
        if not found:
            raise ValueError(
                f"取組 {shown(value)} が{year}年度の {division} の事務事業実績に見つかりません"
                "（「グループ名 > 見出し > 見出し」の形で書きます）"
            )
        return found[0]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self._index is None or value.pk not in self.paths:
            self._index = self.build_index()
        return self.paths.get(value.pk, "")


# Columns and resources


class Column(Field):
    """A resource field with what the import page tells staff about it.

    ``required``: the file must have this column. ``blank``: a cell may be empty. Where they are
    not given, the label is the model field's ``verbose_name``, a cell may be empty when the field
    may be blank or has a default, and the column is required when neither.
    """

    def __init__(
        self,
        attribute=None,
        column_name=None,
        widget=None,
        *,
        required=None,
        blank=None,
        help_text="",
        **kwargs,
    ):
        super().__init__(attribute=attribute, column_name=column_name, widget=widget, **kwargs)
        self.label_from_model = column_name is None
        self.required = required
        self.blank = blank
        self.help_text = help_text

    def take_defaults(self, model) -> None:
        """Fill in what was not given from the model field this column names."""
        try:
            field = model._meta.get_field(self.attribute or "")
        except FieldDoesNotExist:
            field = None
        if field is not None and self.label_from_model:
            self.column_name = str(field.verbose_name)
        may_be_blank = field is None or field.blank or field.has_default()
        if self.blank is None:
            self.blank = may_be_blank
        if self.required is None:
            self.required = not may_be_blank

    def clean(self, row, **kwargs):
        # A key column is read twice per row (to find the record, then to set it): once will do.
        if getattr(self, "_last_row", None) is row:
            return self._last_value
        if not self.blank and is_blank(row.get(self.column_name)):
            raise ValueError("空欄です。入力してください")
        value = super().clean(row, **kwargs)
        self._last_row, self._last_value = row, value
        return value


class NaturalKeyInstanceLoader(BaseInstanceLoader):
    """Finds existing records by their natural key, reading the user's records once."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = {}
        for obj in resource.get_queryset():
            for related in obj._state.fields_cache.values():
                keep_shared(related)
            self.instances[resource.instance_key(obj)] = obj

    def get_instance(self, row):
        key = self.resource.row_key(row)
        return None if key is None else self.instances.get(key)


CHANGE_REASON = "ファイルの取り込み"


def save_in_bulk(model, create: list, update: list, fields: list[str], user=None, batch_size=None):
    """Write imported rows in bulk, with their history as ``user``'s change.

    Changed rows are written one UPDATE each: Django's ``bulk_update`` builds a CASE per
    field and row, which is several times slower for thousands of rows.
    """
    if create:
        bulk_create_with_history(
            create,
            model,
            batch_size=batch_size,
            default_user=user,
            default_change_reason=CHANGE_REASON,
        )
    if update:
        attnames = [model._meta.get_field(f).attname for f in fields]
        manager = model._default_manager
        for obj in update:
            manager.filter(pk=obj.pk).update(**{a: getattr(obj, a) for a in attnames})
        model.history.bulk_history_create(
            update,
            batch_size=batch_size,
            update=True,
            default_user=user,
            default_change_reason=CHANGE_REASON,
        )


@dataclass
class Cell:
    old: str
    new: str
    changed: bool


@dataclass
class PreviewRow:
    number: int
    status: str
    label: str
    cells: list[Cell]
    errors: list[str] = field(default_factory=list)


STATUS_LABELS = {
    RowResult.IMPORT_TYPE_NEW: "新規",
    RowResult.IMPORT_TYPE_UPDATE: "変更",
    RowResult.IMPORT_TYPE_SKIP: "変更なし",
    RowResult.IMPORT_TYPE_INVALID: "エラー",
    RowResult.IMPORT_TYPE_ERROR: "エラー",
}


def display(value, grouped: bool = False) -> str:
    """A value as the preview shows it; amounts and counts with thousands separators."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if grouped and isinstance(value, int | Decimal):
        return comma(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CellDiff:
    """Old and new value of every column, for the preview; no HTML diff of characters.

    With bulk writing the values are read only when the preview shows them (``original``
    is a snapshot that the import does not change; a confirmed import never shows them).
    Otherwise they are read at once, while the dry run's writes are still in the database.
    """

    def __init__(self, resource, instance, new):
        self.resource = resource
        self.original = instance
        self.instance = None
        self.new = new

    def compare_with(self, resource, instance):
        self.instance = instance

    def as_html(self):
        cells = LazyCells(self)
        if not self.resource._meta.use_bulk:
            list(cells)
        return cells

    def cells(self) -> list[Cell]:
        fields = self.resource.get_import_fields()
        getters = self.resource.export_getters(fields)
        cells = []
        for f, value in zip(fields, getters, strict=True):
            old = None if self.original is None else value(self.original)
            new = None if self.instance is None else value(self.instance)
            grouped = isinstance(f.widget, YenWidget | IntegerWidget)
            cells.append(
                Cell(
                    "" if self.new else display(old, grouped),
                    display(new, grouped),
                    not self.new and old != new,
                )
            )
        return cells


class LazyCells:
    def __init__(self, diff: CellDiff):
        self.diff = diff
        self._cells = None

    def _all(self) -> list[Cell]:
        if self._cells is None:
            self._cells = self.diff.cells()
        return self._cells

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


class ImportResult(Result):
    """A result that can say, in Japanese, what each row of the file will do."""

    resource = None
    row_numbers: list[int] = []

    def line(self, index: int) -> int:
        """The spreadsheet row number of the ``index``-th data row (1-based)."""
        if self.row_numbers and 0 < index <= len(self.row_numbers):
            return self.row_numbers[index - 1]
        return index + 1

    def is_ok(self) -> bool:
        return not self.has_errors() and not self.has_validation_errors()

    def counts(self) -> dict[str, int]:
        t = self.totals
        return {
            "new": t[RowResult.IMPORT_TYPE_NEW],
            "update": t[RowResult.IMPORT_TYPE_UPDATE],
            "skip": t[RowResult.IMPORT_TYPE_SKIP],
            "error": t[RowResult.IMPORT_TYPE_INVALID] + t[RowResult.IMPORT_TYPE_ERROR],
        }

    def summary(self) -> str:
        c = self.counts()
        return (
            f"新規 {c['new']}件・変更 {c['update']}件・変更なし {c['skip']}件・"
            f"エラー {c['error']}件"
        )

    def messages(self) -> list[str]:
        """Every error: 「3行目 金額（円）: 数値ではありません（"abc"）」."""
        lines = [_error_text(e.error) for e in self.base_errors]
        for row in self.invalid_rows:
            lines += self._row_messages(self.line(row.number), row.error)
        for row in self.error_rows:
            lines += [f"{self.line(row.number)}行目: {_error_text(e.error)}" for e in row.errors]
        return lines

    def _row_messages(self, number: int, error: ValidationError) -> list[str]:
        try:
            errors = error.message_dict
        except AttributeError:
            errors = {NON_FIELD_ERRORS: error.messages}
        lines = []
        for key, messages in errors.items():
            column = "" if key == NON_FIELD_ERRORS else self.resource.column_label(key)
            where = f"{number}行目 {column}" if column else f"{number}行目"
            lines += [f"{where}: {m.rstrip('。')}" for m in messages]
        return lines

    def changes(self) -> list[PreviewRow]:
        """The rows that will be added or changed, or that stop the import."""
        return [r for r in self.preview() if r.status != RowResult.IMPORT_TYPE_SKIP]

    def unchanged(self) -> list[PreviewRow]:
        return [r for r in self.preview() if r.status == RowResult.IMPORT_TYPE_SKIP]

    def preview(self) -> list[PreviewRow]:
        if getattr(self, "_preview", None) is None:
            self._preview = self._build_preview()
        return self._preview

    def _build_preview(self) -> list[PreviewRow]:
        rows = []
        headers = self.diff_headers
        for index, row in enumerate(self.rows, 1):
            number = self.line(index)
            label = STATUS_LABELS.get(row.import_type, row.import_type)
            cells = row.diff or [Cell("", display(row.row_values.get(h)), False) for h in headers]
            errors = []
            if row.validation_error is not None:
                errors = self._row_messages(number, row.validation_error)
            errors += [f"{number}行目: {_error_text(e.error)}" for e in row.errors]
            rows.append(PreviewRow(number, row.import_type, label, cells, errors))
        return rows


def _error_text(error) -> str:
    if isinstance(error, ImportFileError | ValueError | ValidationError):
        text = "、".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return text
    return f"保存できませんでした（{type(error).__name__}: {error}）"


class ColumnDefaults(type(resources.ModelResource)):
    """Columns take what they do not say from their model's fields (``Column.take_defaults``)."""

    def __new__(mcs, name, bases, attrs):
        cls = super().__new__(mcs, name, bases, attrs)
        if cls._meta.model is not None:
            for column in cls.fields.values():
                if isinstance(column, Column):
                    column.take_defaults(cls._meta.model)
        return cls


class SpreadsheetResource(resources.ModelResource, metaclass=ColumnDefaults):
    """Our resources' common ground: natural keys, Japanese messages, division scope.

    Subclasses set ``related`` (select_related paths) and may add checks in :meth:`check_row`;
    rows are limited to the user's divisions by the model's ``division_path``.
    """

    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    validate_constraints = False  # True where a constraint is not covered by a validator

    class Meta:
        instance_loader_class = NaturalKeyInstanceLoader
        skip_unchanged = True
        report_skipped = True
        store_row_values = True
        store_instance = True
        use_transactions = True

    def __init__(self, divisions=None, unit=Unit.YEN, since=None, **kwargs):
        super().__init__(**kwargs)
        self.divisions = divisions
        self.unit = unit
        # The history mark of the preview this import confirms (spreadsheets/stale_imports.py).
        self.since = since
        self.changed = {}
        self.source_headers: dict[str, str] = {}
        self.row_numbers: list[int] = []
        self.seen_keys: dict[tuple, int] = {}
        self.user = None
        self._getters = None
        self._import_fields = None
        for f in self.fields.values():
            if isinstance(f.widget, LookupWidget):
                f.widget.bind(self)

    @classmethod
    def get_result_class(cls):
        return ImportResult

    @classmethod
    def get_diff_class(cls):
        return CellDiff

    @classmethod
    def columns(cls) -> list[Column]:
        return [f for f in cls.fields.values() if isinstance(f, Column)]

    def export_getters(self, fields) -> list:
        """For each field, what reads its exported value from a record (cached)."""
        if self._getters is None:
            self._getters = {}
            for name, f in self.fields.items():
                method = getattr(self, f.get_dehydrate_method(name), None)
                self._getters[id(f)] = method if callable(method) else f.export
        return [self._getters[id(f)] for f in fields]

    def get_import_fields(self):
        # Asked for several times per row by django-import-export; the fields never change.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def after_init_instance(self, instance, new, row, **kwargs):
        # The row's record is copied next to diff it; a snapshot is enough (and much cheaper
        # than a deep copy).
        instance.__deepcopy__ = functools.partial(_snapshot, instance)

    def get_queryset(self):
        queryset = self._meta.model.objects.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return self.scope(queryset)

    def scope(self, queryset):
        division_path = getattr(self._meta.model, "division_path", None)
        if self.divisions is None or division_path is None:
            return queryset
        return queryset.filter(**{f"{division_path}__in": self.divisions})

    def filter_export(self, queryset, **kwargs):
        queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return self.scope(queryset)

    # Natural keys

    def _key_part(self, name, value):
        model_field = self._meta.model._meta.get_field(self.fields[name].attribute)
        if isinstance(value, models.Model):
            return value.pk
        if isinstance(model_field, models.CharField) and value is not None:
            return key_text(value)
        return value

    def instance_key(self, instance) -> tuple:
        parts = []
        for name in self.get_import_id_fields():
            model_field = self._meta.model._meta.get_field(self.fields[name].attribute)
            parts.append(self._key_part(name, getattr(instance, model_field.attname)))
        return tuple(parts)

    def row_key(self, row) -> tuple | None:
        parts = []
        for name in self.get_import_id_fields():
            try:
                value = self.fields[name].clean(row)
            except (ValueError, KeyError):
                return None
            parts.append(self._key_part(name, value))
        return tuple(parts)

    # Headers

    def column_label(self, attribute: str) -> str:
        """The column of a model field, named as in the user's file."""
        for f in self.fields.values():
            if f.attribute == attribute and not f.readonly:
                return self.source_headers.get(f.column_name, f.column_name)
        return attribute

    def prepare(self, dataset):
        """Map the file's headers to our columns; refuse unknown, missing and repeated ones."""
        known: dict[str, tuple[Field, int | None]] = {}
        form_scale = 1000 if self.unit == Unit.THOUSAND_YEN else 1
        for f in self.fields.values():
            name = f.column_name
            if isinstance(f.widget, YenWidget):
                base = name.removesuffix(YEN_SUFFIX)
                known[_header_key(base + "（円）")] = (f, 1)
                known[_header_key(base + "（千円）")] = (f, 1000)
                known[_header_key(base)] = (f, form_scale)
            else:
                known[_header_key(name)] = (f, None)
        problems, headers, seen = [], [], {}
        for header in dataset.headers:
            match = known.get(_header_key(header))
            if match is None:
                problems.append(f"不明な列「{header}」があります。")
                headers.append(header)
                continue
            f, scale = match
            if f.column_name in seen:
                problems.append(
                    f"列「{header}」が2回あります（「{seen[f.column_name]}」と同じ列）。"
                )
            seen[f.column_name] = header
            headers.append(f.column_name)
            self.source_headers[f.column_name] = header
            if scale is not None:
                f.widget.scale = scale
        missing = [
            c.column_name for c in self.columns() if c.required and c.column_name not in seen
        ]
        if missing:
            problems.append(
                "必須の列がありません：" + "、".join(f"「{m}」" for m in missing) + "。"
            )
        if problems:
            usable = "、".join(c.column_name for c in self.columns())
            problems.append(f"使える列は {usable} です（1行目に列の名前を書きます）。")
            raise ImportFileError("\n".join(problems))
        prepared = type(dataset)(*dataset, headers=headers)
        for name in self.get_import_id_fields():
            f = self.fields[name]
            if f.column_name not in seen:
                # An optional part of the key (種類) falls back to its default.
                prepared.append_col([None] * len(prepared), header=f.column_name)
        self.row_numbers = getattr(dataset, "row_numbers", None) or list(range(2, len(dataset) + 2))
        return prepared

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        self.user = kwargs.get("user")
        self.seen_keys = {}
        if self.since is not None and not dry_run:
            self.changed = changed_since(self._meta.model, self.since)
        try:
            prepared = self.prepare(dataset)
        except ImportFileError as error:
            result = self.get_result_class()()
            result.resource = self
            for line in error.message.split("\n"):
                result.append_base_error(Error(ImportFileError(line)))
            return result
        result = super().import_data(
            prepared,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )
        result.resource = self
        result.row_numbers = self.row_numbers
        return result

    # Rows

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for f in self.get_import_fields():
            if isinstance(f.widget, widgets.ManyToManyWidget) and not f.readonly:
                try:
                    instance._import_m2m = {**getattr(instance, "_import_m2m", {})}
                    instance._import_m2m[f.attribute] = f.clean(row)
                except ValueError as error:
                    errors[f.attribute] = ValidationError(str(error))
        if not errors:
            try:
                self.check_row(instance, row)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if not errors:
            self.check_repeated_key(instance, kwargs.get("row_number"), errors)
        if instance.pk in self.changed:
            errors[NON_FIELD_ERRORS] = ValidationError(stale_message(self.changed[instance.pk]))
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row):
        """Checks that need the whole row; raise ValidationError (a dict by model field)."""

    def rows_that_touch_reports(self, rows: list) -> list:
        """The imported records that some report shows (all of them unless a resource knows)."""
        return rows

    def touch_key(self, obj) -> tuple:
        """Records with the same key touch the same reports: their reports are read once."""
        if getattr(obj, "initiative_id", None):
            return ("initiative", obj.initiative_id)
        return (type(obj).__name__, obj.pk)

    def check_repeated_key(self, instance, row_number, errors):
        key = self.instance_key(instance)
        number = self.row_numbers[row_number - 1] if row_number else 0
        first = self.seen_keys.setdefault(key, number)
        if first != number:
            columns = "・".join(self.fields[n].column_name for n in self.get_import_id_fields())
            errors[NON_FIELD_ERRORS] = ValidationError(
                f"{first}行目と{columns}が同じです（同じ記録を2回取り込むことはできません）"
            )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run") and result.is_ok() and self.user is not None:
            touch_affected_reports(self, result, self.user)

    def before_save_instance(self, instance, row, **kwargs):
        # Rows saved one by one (not in bulk) record their history as the importing user's.
        if self.user is not None:
            instance._history_user = self.user
        instance._change_reason = CHANGE_REASON

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Validate in Python: field validators, ``clean()`` and, where asked, constraints.

        Related fields are skipped: their widgets found the records already. Unique keys
        are kept by the natural-key loader and the repeated-key check.
        """
        errors = dict(import_validation_errors or {})
        opts = self._meta.model._meta
        exclude = set(errors) | {f.name for f in opts.fields if f.is_relation}
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            try:
                instance.clean()
                if self.validate_constraints:
                    instance.validate_constraints(exclude=exclude - {"id"})
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # A dry run of a bulk import writes nothing: rows are checked in Python (fields, keys,
    # repeats), and the confirm that writes them is all or nothing whatever happens.

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.create_instances.clear()
        if self.create_instances:
            try:
                save_in_bulk(self._meta.model, self.create_instances, [], [], self.user, batch_size)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.update_instances.clear()
        if self.update_instances:
            keys = self.get_import_id_fields()
            fields = [
                f.attribute
                for name, f in self.fields.items()
                if not f.readonly and f.attribute and "__" not in f.attribute and name not in keys
            ]
            try:
                save_in_bulk(
                    self._meta.model, [], self.update_instances, fields, self.user, batch_size
                )
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.update_instances.clear()


def touch_affected_reports(resource, result, user) -> None:
    """The reports that show imported rows count as edited by ``user``, as an admin save does."""
    rows = [
        row.instance
        for row in result.rows
        if row.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)
        and row.instance is not None
    ]
    reports, seen = {}, set()
    for obj in resource.rows_that_touch_reports(rows):
        key = resource.touch_key(obj)
        if key not in seen:
            seen.add(key)
            reports.update({r.pk: r for r in affected_reports(obj)})
    for report in reports.values():
        touch_report(report, user)


def _header_key(header) -> str:
    return re.sub(r"\s", "", nfkc(header or ""))


def _year_of_report(path: str) -> Column:
    return Column(
        f"{path}__section__report__fiscal_year__year",
        "年度",
        readonly=True,
        required=True,
        help_text="事務事業実績の年度を西暦で（例：2020）。取組を探すのに使います。",
    )


def _division_of_report(path: str) -> Column:
    return Column(
        f"{path}__section__report__division__slug",
        "課",
        readonly=True,
        required=True,
        help_text="事務事業実績の課の URL 名（例：digital-administration）。",
    )


INITIATIVE_HELP = (
    "取組の見出しを、グループ名から順に「 > 」でつないで書きます。"
    "例：市町村連携グループ > 市町村の自治体情報セキュリティ対策の支援 > 契約状況。"
    "番号（１、(1)、〇 など）は書きません。見出しのない段落は本文の先頭20字と「…」で表します。"
)


def _order() -> Column:
    return Column("order", "表示順", IntegerWidget(), default=0, help_text="小さい順に並びます。")
