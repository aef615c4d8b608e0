"""The report editor (文書編集): the report as it reads, with small forms and POST actions at
each group, initiative and block. Every action touches one node; nothing posts the tree.

Ids in the URL are looked up inside the report, itself looked up inside the user's divisions;
ids in a POST (the place of a new node, the node to move) must name a row of the same report
and the same parent, or the form says so in Japanese and nothing changes. Every change
records the last editor (``touch_report``), so the four-eyes rule of publishing holds."""

import secrets
import unicodedata
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone

from budgets.models import (
    AmountKind,
    AwardTable,
    Contract,
    ExpenditureItem,
    SettlementAmount,
    SettlementTable,
    SubsidyProgramme,
    Vendor,
)
from organisation.models import FiscalYear, Unit
from organisation.permissions import FOREIGN_ROW, can_edit, latest_change, scope
from programs.models import (
    ColumnType,
    Event,
    Fact,
    Figure,
    FreeTable,
    Initiative,
    Note,
    TextBlock,
)
from proofreading.panel import Panel, saved_message, saved_rows
from publication.tree import BLOCK_KINDS, load_report
from reports.editing import touch_report
from reports.models import Report, Section

# ---------------------------------------------------------------------------------------------
# Blocks: the kinds an initiative's content is made of, in one order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    slug: str  # as reports.tree names its pieces
    model: type
    label: str
    fields: tuple[str, ...] = ()


KINDS = {
    k.slug: k
    for k in (
        Kind("text", TextBlock, "文章", ("text",)),
        Kind("facts", Fact, "項目と内容", ("label", "value")),
        Kind(
            "figures",
            Figure,
            "実績値",
            ("label", "qualifier", "value", "unit", "is_approximate", "note"),
        ),
        Kind(
            "events",
            Event,
            "開催実績",
            (
                "title",
                "starts_on",
                "ends_on",
                "venue",
                "organisations",
                "participants",
                "cohosts",
                "description",
            ),
        ),
        Kind("settlement", SettlementTable, "決算額・予算額の表"),
        Kind(
            "contracts",
            Contract,
            "契約",
            ("title", "vendor", "starts_on", "ends_on", "amount", "tax_included", "notes"),
        ),
        Kind("awards", AwardTable, "補助金採択事業の表", ("programme", "fiscal_year", "unit")),
        Kind("notes", Note, "注記", ("text",)),
        Kind("free", FreeTable, "表"),
    )
}
assert set(KINDS) == set(BLOCK_KINDS)


def block_rows(initiative: Initiative) -> list:
    """Every block of ``initiative`` in the order the report shows them."""
    rows = []
    for kind in KINDS.values():
        rows += [(kind.slug, row) for row in kind.model.objects.filter(initiative=initiative)]
    rows.sort(key=lambda e: (e[1].order, BLOCK_KINDS.index(e[0]), e[1].pk))
    return [row for _, row in rows]


def _renumber(rows: list) -> None:
    """Give ``rows`` the orders 1, 2, 3… in their list order, saving only those that change
    (each save is recorded in the history)."""
    for position, row in enumerate(rows, start=1):
        if row.order != position:
            row.order = position
            row.save(update_fields=["order"])


def _siblings(node) -> list:
    if isinstance(node, Section):
        return list(Section.objects.filter(report=node.report_id).order_by("order", "id"))
    if isinstance(node, Initiative):
        return list(
            Initiative.objects.filter(section=node.section_id, parent=node.parent_id).order_by(
                "order", "id"
            )
        )
    return block_rows(node.initiative)


def _same(a, b) -> bool:
    return type(a) is type(b) and a.pk == b.pk


def move(node, step: int) -> bool:
    """Move ``node`` one place up (-1) or down (+1) among its siblings; False at an end."""
    rows = _siblings(node)
    index = next(n for n, row in enumerate(rows) if _same(row, node))
    target = index + step
    if not 0 <= target < len(rows):
        return False
    rows[index], rows[target] = rows[target], rows[index]
    _renumber(rows)
    return True


def place_after(node, after) -> None:
    """Put ``node`` right after its sibling ``after`` (first when None)."""
    rows = [row for row in _siblings(node) if not _same(row, node)]
    index = 0 if after is None else next(n for n, r in enumerate(rows) if _same(r, after)) + 1
    rows.insert(index, node)
    _renumber(rows)


def insert(node, siblings: list, index: int) -> None:
    """Save the new ``node`` at ``index`` among ``siblings`` (which do not hold it yet)."""
    node.order = index + 1
    node.save()
    _renumber([*siblings[:index], node, *siblings[index:]])


# ---------------------------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------------------------


def stale_refusal(record) -> str:
    who = f"{record.history_user}さん" if record.history_user else "別の人"
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    return (
        f"保存できませんでした。編集している間に{who}が{when}に保存しました。"
        "変更内容を控えてから、画面を開き直して編集してください。"
    )


class RevisionForm(forms.ModelForm):
    """A form of one saved row that refuses to save over someone else's newer save."""

    revision = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            record = latest_change(self.instance)
            self.fields["revision"].initial = str(record.history_id) if record else ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            record = latest_change(self.instance)
            if record and str(record.history_id) != (self.data.get("revision") or ""):
                raise ValidationError(stale_refusal(record), code="stale")
        return cleaned


class SectionForm(RevisionForm):
    class Meta:
        model = Section
        fields = ["name"]


class InitiativeForm(RevisionForm):
    class Meta:
        model = Initiative
        fields = ["marker_style", "is_new", "title", "body"]
        widgets = {
            "title": forms.TextInput(attrs={"size": 80}),
            "body": forms.Textarea(attrs={"rows": 10, "cols": 80}),
        }


class TextBlockForm(RevisionForm):
    class Meta:
        model = TextBlock
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8, "cols": 80})}


class NoteForm(RevisionForm):
    class Meta:
        model = Note
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 80})}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _model_form(kind: Kind):
    widgets = {name: DATE for name in kind.fields if name in ("starts_on", "ends_on", "renamed_on")}
    widgets.update(
        {
            name: forms.Textarea(attrs={"rows": 3, "cols": 80})
            for name in ("description", "notes")
            if name in kind.fields
        }
    )
    meta = type("Meta", (), {"model": kind.model, "fields": list(kind.fields), "widgets": widgets})
    return type(f"{kind.model.__name__}BlockForm", (RevisionForm,), {"Meta": meta})


class ContractForm(_model_form(KINDS["contracts"])):
    new_vendor = forms.CharField(
        label="新しい委託先",
        max_length=200,
        required=False,
        help_text="一覧にない事業者のときだけ入力します（入力すると上の選択より優先します）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].required = False
        self.fields["starts_on"].help_text = "月の初日で入力します（日は保存されません）。"
        self.fields["ends_on"].help_text = "月の初日で入力します（日は保存されません）。"

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("new_vendor") or "").strip()
        if name:
            cleaned["vendor"] = Vendor.objects.filter(name=name).first() or Vendor(name=name)
            self.instance.vendor = cleaned["vendor"]
        elif not cleaned.get("vendor"):
            self.add_error("vendor", "委託先を選ぶか、新しい委託先を入力してください。")
        return cleaned

    def _get_validation_exclusions(self):
        # A new vendor is saved with the contract; until then there is no id to check.
        exclusions = super()._get_validation_exclusions()
        if self.instance.vendor_id is None:
            exclusions.add("vendor")
        return exclusions

    def save(self, commit=True):
        if self.instance.vendor.pk is None:
            self.instance.vendor.save()
            self.instance.vendor_id = self.instance.vendor.pk
        return super().save(commit)


class AwardTableForm(_model_form(KINDS["awards"])):
    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = SubsidyProgramme.objects.filter(
            division=report.division
        )
        self.fields["programme"].error_messages["invalid_choice"] = FOREIGN_ROW


COLUMN_TYPES = {label: value for value, label in ColumnType.choices}


class FreeTableForm(RevisionForm):
    columns_text = forms.CharField(
        label="列",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text=(
            "１行に１列。見出しのあとに「:」と種類（文字・数値・金額・日付）を書きます。"
            "種類を省くと文字。例：品名 / 数量:数値 / 金額:金額"
        ),
    )
    rows_text = forms.CharField(
        label="行",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text=(
            "Excelの表をそのまま貼り付けられます（セルはタブで区切られます）。"
            "見出しの行は貼り付けません。"
        ),
    )

    class Meta:
        model = FreeTable
        fields = ["caption", "unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        table = self.instance
        if table.pk is not None:
            labels = {v: k for k, v in COLUMN_TYPES.items()}
            self.fields["columns_text"].initial = "\n".join(
                c["label"] + ("" if c["type"] == "text" else f":{labels[c['type']]}")
                for c in table.columns
            )
            self.fields["rows_text"].initial = "\n".join(
                "\t".join(str(cell) for cell in row) for row in table.rows
            )

    def clean_columns_text(self):
        columns = []
        for n, line in enumerate(self.cleaned_data["columns_text"].splitlines(), start=1):
            if not line.strip():
                continue
            label, _, kind = line.replace("：", ":").partition(":")
            kind = kind.strip() or "文字"
            if kind not in COLUMN_TYPES:
                raise ValidationError(
                    f"{n}行目「{label.strip()}」：種類は 文字・数値・金額・日付 のどれかです。"
                )
            columns.append({"label": label.strip(), "type": COLUMN_TYPES[kind]})
        if not columns:
            raise ValidationError("列を１つ以上入力してください。")
        return columns

    def clean_rows_text(self):
        text = self.cleaned_data["rows_text"].replace("\r\n", "\n")
        return [line.split("\t") for line in text.split("\n") if line.strip()]

    def clean(self):
        cleaned = super().clean()
        if "columns_text" in cleaned and "rows_text" in cleaned:
            self.instance.columns = cleaned["columns_text"]
            self.instance.rows = cleaned["rows_text"]
        return cleaned

    def _update_errors(self, errors):
        # The model names its cells "rows"; here they are typed into "rows_text".
        if hasattr(errors, "error_dict") and "rows" in errors.error_dict:
            errors.error_dict["rows_text"] = errors.error_dict.pop("rows")
        super()._update_errors(errors)


class SettlementTableForm(RevisionForm):
    """A 決算額・予算額 table and, right there, its item's amounts by year."""

    new_item = forms.CharField(
        label="新しい費目名",
        max_length=200,
        required=False,
        help_text="一覧にない費目のときだけ入力します（入力すると上の選択より優先します）。",
    )
    new_qualifier = forms.CharField(
        label="新しい費目の区別",
        max_length=60,
        required=False,
        help_text="同じ名前の費目がほかにあるとき、見分けるための短い言葉。",
    )

    class Meta:
        model = SettlementTable
        fields = ["item", "kind", "unit", "years"]

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.fields["item"].queryset = ExpenditureItem.objects.filter(division=report.division)
        self.fields["item"].required = False
        self.fields["item"].error_messages["invalid_choice"] = FOREIGN_ROW
        self.fields["unit"].help_text = (
            "表の単位。下の金額は、年度ごとに選んだ単位のまま保存します"
            "（千円で入力した額を円に直しません）。"
        )
        self.years = list(range(report.fiscal_year.year - 4, report.fiscal_year.year + 1))
        item = self.instance.item if self.instance.item_id else None
        existing = {}
        if item is not None:
            existing = {
                (a.fiscal_year.year, a.kind): a
                for a in item.amounts.filter(fiscal_year__year__in=self.years).select_related(
                    "fiscal_year"
                )
            }
        self.amount_rows = []
        for year in self.years:
            for kind in AmountKind:
                amount = existing.get((year, kind))
                prefix = f"{kind}_{year}"
                label = f"{FiscalYear(year=year).label} {kind.label}"
                self.fields[f"{prefix}_amount"] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=0,
                    initial=amount.amount if amount else None,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 14}),
                )
                self.fields[f"{prefix}_unit"] = forms.ChoiceField(
                    label=f"{label}の単位",
                    choices=[("", "表の単位"), *Unit.choices],
                    required=False,
                    initial=amount.unit if amount else "",
                )
                self.fields[f"{prefix}_period"] = forms.CharField(
                    label=f"{label}の期間の注記",
                    max_length=30,
                    required=False,
                    initial=amount.period_label if amount else "",
                    widget=forms.TextInput(attrs={"size": 10}),
                )
                self.amount_rows.append((year, kind, prefix, label))

    def table_fields(self):
        return [
            self[name] for name in ("item", "new_item", "new_qualifier", "kind", "unit", "years")
        ]

    def amount_fields(self):
        """(label, amount, unit, period) bound fields for the template's year table."""
        return [
            (
                label,
                self[f"{prefix}_amount"],
                self[f"{prefix}_unit"],
                self[f"{prefix}_period"],
            )
            for _, _, prefix, label in self.amount_rows
        ]

    def full_clean(self):
        # Amounts are typed as on paper: 38,294,000 or ３８２９４０００.
        if self.is_bound:
            data = self.data.copy()
            for _, _, prefix, _ in self.amount_rows:
                key = f"{prefix}_amount"
                if key in data:
                    data[key] = unicodedata.normalize("NFKC", data[key]).replace(",", "").strip()
            self.data = data
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("new_item") or "").strip()
        if name:
            self.instance.item = ExpenditureItem(
                division=self.report.division,
                code=f"item-{self.report.division_id}-{secrets.token_hex(4)}",
                name=name,
                qualifier=(cleaned.get("new_qualifier") or "").strip(),
            )
            cleaned["item"] = self.instance.item
        elif not cleaned.get("item"):
            self.add_error("item", "費目を選ぶか、新しい費目名を入力してください。")
        return cleaned

    def _get_validation_exclusions(self):
        # A new item is saved with the table; until then there is no id to check.
        exclusions = super()._get_validation_exclusions()
        if self.instance.item_id is None:
            exclusions.add("item")
        return exclusions

    def save_amounts(self, user) -> None:
        item = self.instance.item
        years = {fy.year: fy for fy in FiscalYear.objects.filter(year__in=self.years)}
        current = {(a.fiscal_year_id, a.kind): a for a in item.amounts.all()}
        for year, kind, prefix, _ in self.amount_rows:
            value = self.cleaned_data.get(f"{prefix}_amount")
            unit = self.cleaned_data.get(f"{prefix}_unit") or self.instance.unit or Unit.YEN
            period = self.cleaned_data.get(f"{prefix}_period") or ""
            fiscal_year = years.get(year)
            if fiscal_year is None:
                if value is None:
                    continue
                fiscal_year = FiscalYear.objects.create(year=year)
            amount = current.get((fiscal_year.pk, kind))
            if value is None:
                if amount is not None:
                    amount.delete()
                continue
            if amount is None:
                amount = SettlementAmount(item=item, fiscal_year=fiscal_year, kind=kind)
            elif (amount.amount, amount.unit, amount.period_label) == (value, unit, period):
                continue
            amount.amount, amount.unit, amount.period_label = value, unit, period
            amount.full_clean()
            amount.save()

    def save(self, commit=True):
        if self.instance.item.pk is None:
            self.instance.item.save()
            self.instance.item_id = self.instance.item.pk
        return super().save(commit)


FORMS = {
    "text": TextBlockForm,
    "notes": NoteForm,
    "facts": _model_form(KINDS["facts"]),
    "figures": _model_form(KINDS["figures"]),
    "events": _model_form(KINDS["events"]),
    "contracts": ContractForm,
    "awards": AwardTableForm,
    "settlement": SettlementTableForm,
    "free": FreeTableForm,
}
NEEDS_REPORT = {"awards", "settlement"}


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def editor_url(report, anchor: str = "") -> str:
    url = reverse("admin:reports_report_editor", args=[report.pk])
    return f"{url}#{anchor}" if anchor else url


def _report(request, pk) -> Report:
    return get_object_or_404(
        scope(Report.objects.select_related("fiscal_year", "division__department"), request.user),
        pk=pk,
    )


def _editable(request, pk, model=None, action="change") -> Report:
    """The report, if the user may change its content (and ``action`` rows of ``model``)."""
    report = _report(request, pk)
    if not can_edit(request.user, report.division):
        raise PermissionDenied
    if model is not None:
        opts = model._meta
        if not request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            raise PermissionDenied
    return report


PLACED = "at-"  # the tag of a message shown where a row was saved: at-<anchor>
TO_PANEL = "proofreading"  # the tag of a message of findings, linked to the 表記チェック panel


def _changed(request, report, message: str, anchor: str = "", saved=None):
    """Record the change and return to the editor at ``anchor``. After a save (``saved``, the
    row whose texts were typed) the message is shown there, with what 表記チェック finds in
    those texts."""
    touch_report(report, request.user)
    if saved is None:
        messages.success(request, message)
    else:
        messages.success(request, message, extra_tags=PLACED + anchor)
        found = saved_message(saved_rows(report, [saved]))
        if found:
            messages.warning(request, found, extra_tags=f"{PLACED}{anchor} {TO_PANEL}")
    return HttpResponseRedirect(editor_url(report, anchor))


@dataclass
class Placed:
    """Messages of a save, shown at the section, initiative or block (``kind``, ``pk``)
    saved, where the editor returns to, rather than at the top of the page."""

    anchor: str
    messages: list[dict]
    kind: str = ""
    pk: int | None = None


def _messages(request, tree) -> tuple[list, Placed | None]:
    """The messages for the top of the page, and those of a save for its place. A place no
    longer on the page (deleted meanwhile) shows its messages at the top."""
    anchors = {s.anchor for s in tree.sections}
    for node in tree.nodes():
        anchors.add(node.anchor)
        anchors.update(f"b-{piece.kind}-{piece.rows[0].pk}" for piece in node.pieces)
    top, placed = [], None
    for message in messages.get_messages(request):
        tags = (message.extra_tags or "").split()
        anchor = next((t.removeprefix(PLACED) for t in tags if t.startswith(PLACED)), "")
        if anchor not in anchors or (placed and placed.anchor != anchor):
            top.append(message)
            continue
        if placed is None:
            placed = Placed(anchor, [])
            if anchor.startswith("b-"):
                kind, _, pk = anchor[2:].rpartition("-")
                placed.kind, placed.pk = kind, int(pk)
        placed.messages.append(
            {"level": message.level_tag, "text": message.message, "to_panel": TO_PANEL in tags}
        )
    if placed:
        # What was saved, then its findings: a long list may have come back by another
        # storage (cookie, session) than the line before it.
        placed.messages.sort(key=lambda m: m["to_panel"])
    return top, placed


def _page(admin, request, report, template, context):
    return render(
        request,
        template,
        {
            **admin.admin_site.each_context(request),
            "opts": Report._meta,
            "original": report,
            "report": report,
            "editor_home": editor_url(report),
            **context,
        },
    )


def seen_token(report) -> str:
    """What the page knew of the report's last change when it was opened."""
    at = report.last_edited_at
    return f"{at.timestamp():.6f}" if at else ""


def editor_view(admin, request, pk):
    report = _report(request, pk)
    if not admin.has_view_permission(request, report):
        raise PermissionDenied
    tree = load_report(report, merge=False)
    editable = can_edit(request.user, report.division)
    top, placed = _messages(request, tree)
    context = {
        "title": f"{report}：文書編集",
        "tree": tree,
        "editor": {
            "base": editor_url(report),
            "can_edit": editable,
            "kinds": [(k.slug, k.label) for k in KINDS.values()],
        }
        if editable
        else None,
        "seen": seen_token(report),
        "can_edit_in_excel": editable and admin.can_edit_in_excel(request),
        **admin._workflow_context(request, report),
        "messages": top,
        "placed": placed,
        # 表記チェック from the tree this page loaded (its counts, and for those who may edit,
        # its panel); a fix returns here with the panel open.
        "proofreading": Panel(
            report,
            request.user,
            next_url=f"{editor_url(report)}?proofreading=open#proofreading",
            tree=tree,
        ),
        "proofreading_open": request.GET.get("proofreading") == "open",
    }
    return _page(admin, request, report, "admin/reports/report/editor.html", context)


def _node_from(report, value: str):
    """The node a POST names as "kind.id", looked up inside ``report``; None when it is not."""
    what, _, pk = (value or "").partition(".")
    if not pk.isdigit():
        return None
    if what == "section":
        return Section.objects.filter(report=report, pk=pk).first()
    if what == "initiative":
        return Initiative.objects.filter(section__report=report, pk=pk).first()
    if what in KINDS:
        return (
            KINDS[what]
            .model.objects.filter(initiative__section__report=report, pk=pk)
            .select_related("initiative")
            .first()
        )
    return None


def _anchor(node) -> str:
    if isinstance(node, Section):
        return f"s{node.pk}"
    if isinstance(node, Initiative):
        return f"i{node.pk}"
    return f"i{node.initiative_id}"


@transaction.atomic
def op_view(admin, request, pk):
    """上へ・下へ and drag-and-drop: move one node among its siblings."""
    if request.method != "POST":
        return HttpResponseRedirect(editor_url(_report(request, pk)))
    report = _editable(request, pk)
    # One move at a time per report: two drags at once would renumber the same siblings.
    report = Report.objects.select_for_update().get(pk=report.pk)
    op = request.POST.get("op", "")
    if op == "place":
        node = _node_from(report, request.POST.get("node"))
        after_value = request.POST.get("after") or ""
        after = _node_from(report, after_value) if after_value else None
        if node is None or (after_value and (after is None or not _is_sibling(node, after))):
            messages.error(request, FOREIGN_ROW)
            return HttpResponseRedirect(editor_url(report))
    else:
        value, _, direction = op.rpartition(".")
        node = _node_from(report, value)
        if node is None or direction not in ("up", "down"):
            messages.error(request, FOREIGN_ROW)
            return HttpResponseRedirect(editor_url(report))
    model = type(node)
    if not request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
        raise PermissionDenied
    # Someone else changed the report since this page was opened: the buttons the user
    # pressed may no longer mean what they showed.
    seen = request.POST.get("seen")
    if (
        seen is not None
        and report.last_edited_by_id not in (None, request.user.pk)
        and seen_token(report) != seen
    ):
        messages.error(request, stale_refusal(latest_change(report)))
        return HttpResponseRedirect(editor_url(report, _anchor(node)))
    if op == "place":
        place_after(node, after)
    elif not move(node, -1 if direction == "up" else 1):
        messages.info(request, "これ以上は動かせません。")
        return HttpResponseRedirect(editor_url(report, _anchor(node)))
    return _changed(request, report, "並び順を変えました。", _anchor(node))


def _is_sibling(node, other) -> bool:
    if type(node) is not type(other) and not (
        hasattr(node, "initiative_id") and hasattr(other, "initiative_id")
    ):
        return False
    if isinstance(node, Section):
        return True
    if isinstance(node, Initiative):
        return (node.section_id, node.parent_id) == (other.section_id, other.parent_id)
    return node.initiative_id == other.initiative_id


def _place(request, **querysets) -> tuple[dict, str]:
    """The rows that say where a new node goes, read from the POST (or from the link that opened
    the form). Each id must name a row of its queryset (this report, the same parent): any
    other id is a Japanese error, and nothing is saved."""
    data = request.POST if request.method == "POST" else request.GET
    rows, problem = {}, ""
    for name, queryset in querysets.items():
        raw = (data.get(name) or "").strip()
        row = queryset.filter(pk=raw).first() if raw.isdigit() else None
        if raw and row is None:
            problem = FOREIGN_ROW
        rows[name] = row
    return rows, problem


def section_view(admin, request, pk, section_id=None):
    """Add a group (after another, or last) or rename one."""
    action = "change" if section_id else "add"
    report = _editable(request, pk, Section, action)
    section = get_object_or_404(Section, report=report, pk=section_id) if section_id else None
    form = SectionForm(request.POST or None, instance=section or Section(report=report))
    place, problem = {"after": None}, ""
    if section is None:
        place, problem = _place(request, after=report.sections.all())
    if request.method == "POST" and not problem and form.is_valid():
        with transaction.atomic():
            if section is None:
                siblings = list(report.sections.order_by("order", "id"))
                after = place["after"]
                index = len(siblings) if after is None else siblings.index(after) + 1
                insert(form.instance, siblings, index)
                message = f"グループ「{form.instance.name}」を追加しました。"
            else:
                form.save()
                message = f"グループ名を「{form.instance.name}」にしました。"
            return _changed(request, report, message, f"s{form.instance.pk}", form.instance)
    return _page(
        admin,
        request,
        report,
        "admin/reports/report/editor_form.html",
        {
            "title": "グループ名の編集" if section else "グループの追加",
            "form": form,
            "fields": form.visible_fields(),
            "problem": problem,
            "hidden": {k: v.pk for k, v in place.items() if v},
            "back": editor_url(report, f"s{section.pk}" if section else ""),
        },
    )


def initiative_view(admin, request, pk, initiative_id=None):
    """Add an initiative (下に追加 / 中に追加 / 取組を追加) or edit one."""
    action = "change" if initiative_id else "add"
    report = _editable(request, pk, Initiative, action)
    initiative = (
        get_object_or_404(Initiative, section__report=report, pk=initiative_id)
        if initiative_id
        else None
    )
    form = InitiativeForm(request.POST or None, instance=initiative or Initiative())
    place, problem = {}, ""
    if initiative is None:
        initiatives = Initiative.objects.filter(section__report=report)
        place, problem = _place(
            request, after=initiatives, parent=initiatives, section=report.sections.all()
        )
        if not problem and not any(place.values()):
            problem = "追加する場所がわかりません。文書編集の画面から追加してください。"
    if request.method == "POST" and not problem and form.is_valid():
        with transaction.atomic():
            if initiative is None:
                node = form.instance
                after, parent = place["after"], place["parent"]
                if after is not None:
                    node.parent, node.section = after.parent, after.section
                elif parent is not None:
                    node.parent, node.section = parent, parent.section
                else:
                    node.section = place["section"]
                siblings = list(
                    Initiative.objects.filter(section=node.section, parent=node.parent_id).order_by(
                        "order", "id"
                    )
                )
                index = len(siblings) if after is None else siblings.index(after) + 1
                insert(node, siblings, index)
                message = f"取組「{node}」を追加しました。"
            else:
                node = form.save()
                message = f"取組「{node}」を保存しました。"
            return _changed(request, report, message, f"i{node.pk}", node)
    title = "取組の編集" if initiative else "取組の追加"
    return _page(
        admin,
        request,
        report,
        "admin/reports/report/editor_form.html",
        {
            "title": title,
            "form": form,
            "fields": form.visible_fields(),
            "problem": problem,
            "hidden": {k: v.pk for k, v in place.items() if v},
            "where": _where(place) if place and not problem else "",
            "details": reverse("admin:programs_initiative_change", args=[initiative.pk])
            + "?next="
            + editor_url(report)
            if initiative
            else "",
            "back": editor_url(report, f"i{initiative.pk}" if initiative else ""),
        },
    )


def _where(place) -> str:
    after, parent, section = (place.get(f) for f in ("after", "parent", "section"))
    if after is not None:
        return f"「{after}」の下に追加します。"
    if parent is not None:
        return f"「{parent}」の中（最後）に追加します。"
    return f"グループ「{section}」の最後に追加します。"


def block_view(admin, request, pk, kind, block_id=None):
    """Add a block at the end of an initiative, or edit one."""
    if kind not in KINDS:
        raise PermissionDenied
    spec = KINDS[kind]
    action = "change" if block_id else "add"
    report = _editable(request, pk, spec.model, action)
    problem = ""
    if block_id:
        block = get_object_or_404(spec.model, initiative__section__report=report, pk=block_id)
        initiative = block.initiative
    else:
        block = spec.model()
        place, problem = _place(
            request, initiative=Initiative.objects.filter(section__report=report)
        )
        initiative = place["initiative"]
        if initiative is None:
            problem = problem or "追加する取組がわかりません。文書編集の画面から追加してください。"
        block.initiative = initiative
        if kind == "awards":
            block.fiscal_year = report.fiscal_year
            block.unit = Unit.THOUSAND_YEN
    extra = {"report": report} if kind in NEEDS_REPORT else {}
    form = FORMS[kind](request.POST or None, instance=block, **extra)
    if request.method == "POST" and not problem and form.is_valid():
        with transaction.atomic():
            if block_id is None:
                siblings = block_rows(initiative)
                form.instance.order = (siblings[-1].order if siblings else 0) + 1
            saved = form.save()
            if kind == "settlement":
                form.save_amounts(request.user)
            verb = "保存しました" if block_id else "追加しました"
            return _changed(
                request, report, f"{spec.label}を{verb}。", f"b-{kind}-{saved.pk}", saved
            )
    return _page(
        admin,
        request,
        report,
        "admin/reports/report/editor_form.html",
        {
            "title": f"{spec.label}の{'編集' if block_id else '追加'}",
            "form": form,
            "problem": problem,
            "hidden": {"initiative": initiative.pk} if initiative and not block_id else {},
            "where": f"取組「{initiative}」の最後に追加します。"
            if initiative and not block_id
            else "",
            "amounts": form.amount_fields() if kind == "settlement" else None,
            "fields": form.table_fields() if kind == "settlement" else form.visible_fields(),
            "back": editor_url(report, f"i{initiative.pk}" if initiative else ""),
        },
    )


def _consequences(node) -> list[str]:
    """What goes with ``node`` when it is deleted, in words."""
    if isinstance(node, Section):
        initiatives = Initiative.objects.filter(section=node)
    elif isinstance(node, Initiative):
        initiatives = Initiative.objects.filter(pk__in=_descendants(node))
    else:
        if isinstance(node, SettlementTable):
            return ["表だけを削除します。費目と年度ごとの金額は残ります。"]
        if isinstance(node, AwardTable):
            return ["表だけを削除します。補助金の採択事業は残ります。"]
        return []
    lines = []
    count = initiatives.count() - (1 if isinstance(node, Initiative) else 0)
    if count:
        lines.append(f"{'下位の' if isinstance(node, Initiative) else ''}取組 {count}件")
    for kind in KINDS.values():
        n = kind.model.objects.filter(initiative__in=initiatives).count()
        if n:
            lines.append(f"{kind.label} {n}件")
    return lines


def _descendants(node: Initiative) -> list[int]:
    ids, frontier = [node.pk], [node.pk]
    while frontier:
        frontier = list(Initiative.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def delete_view(admin, request, pk, what, node_id):
    """Confirm, naming what goes with the node, then delete it."""
    model = {"section": Section, "initiative": Initiative}.get(what) or (
        KINDS[what].model if what in KINDS else None
    )
    if model is None:
        raise PermissionDenied
    report = _editable(request, pk, model, "delete")
    node = _node_from(report, f"{what}.{node_id}")
    if node is None:
        raise PermissionDenied
    label = (
        f"グループ「{node}」"
        if isinstance(node, Section)
        else f"取組「{node}」"
        if isinstance(node, Initiative)
        else f"{KINDS[what].label}「{node}」"
    )
    record = latest_change(node)
    revision = str(record.history_id) if record else ""
    error = ""
    if request.method == "POST":
        if revision != request.POST.get("revision", ""):
            error = stale_refusal(record)
        else:
            anchor = "" if isinstance(node, Section | Initiative) else _anchor(node)
            with transaction.atomic():
                node.delete()
            return _changed(request, report, f"{label}を削除しました。", anchor)
    return _page(
        admin,
        request,
        report,
        "admin/reports/report/editor_delete.html",
        {
            "title": f"{label}の削除",
            "label": label,
            "consequences": _consequences(node),
            "revision": revision,
            "error": error,
            "back": editor_url(report, _anchor(node)),
        },
    )


def editor_urls(admin) -> list:
    """The editor's URLs under the report's admin."""

    def view(function):
        return admin.admin_site.admin_view(partial(function, admin))

    return [
        path("<int:pk>/editor/", view(editor_view), name="reports_report_editor"),
        path("<int:pk>/editor/op/", view(op_view), name="reports_report_editor_op"),
        path("<int:pk>/editor/section/add/", view(section_view)),
        path("<int:pk>/editor/section/<int:section_id>/", view(section_view)),
        path("<int:pk>/editor/initiative/add/", view(initiative_view)),
        path("<int:pk>/editor/initiative/<int:initiative_id>/", view(initiative_view)),
        path("<int:pk>/editor/block/<str:kind>/add/", view(block_view)),
        path("<int:pk>/editor/block/<str:kind>/<int:block_id>/", view(block_view)),
        path("<int:pk>/editor/<str:what>/<int:node_id>/delete/", view(delete_view)),
    ]
