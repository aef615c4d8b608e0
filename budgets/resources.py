"""Spreadsheet columns of budgets records (amounts, items, contracts, vendors, municipalities,
subsidy awards), for CSV / XLSX import and export.

Files name things by natural keys that staff can read, never by database ids: fiscal year by its
western first year (2020; 令和２年度 is read too), division by its URL name, expenditure item by its
code, vendor by its name (a former name is read too), municipality by its 6-digit code, subsidy
programme by its name, an initiative by the report's year and division and its path of headings.
"""

import re

from django.core.exceptions import ValidationError
from import_export import widgets

from budgets.models import (
    AmountKind,
    Contract,
    ExpenditureItem,
    Municipality,
    SettlementAmount,
    SettlementTable,
    SubsidyAward,
    SubsidyProgramme,
    Vendor,
)
from spreadsheets.resources import (
    INITIATIVE_HELP,
    BooleanWidget,
    ChoiceWidget,
    CodeWidget,
    Column,
    DivisionWidget,
    FiscalYearWidget,
    InitiativeWidget,
    LookupWidget,
    MonthWidget,
    SpreadsheetResource,
    TextWidget,
    YenWidget,
    _division_of_report,
    _order,
    _year_of_report,
    is_blank,
    key_text,
    nfkc,
    shown,
)


class ItemWidget(LookupWidget):
    def build_index(self):
        items = self.scoped(ExpenditureItem.objects.select_related("division"), "division")
        return {key_text(item.code): item for item in items}

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return self.index()[key_text(value)]
        except KeyError:
            if ExpenditureItem.objects.filter(code=nfkc(value)).exists():
                raise ValueError(
                    f"費目コード {shown(value)} の費目は変更できない課のものです"
                ) from None
            raise ValueError(
                f"費目コード {shown(value)} は登録されていません（先に「費目」を登録してください）"
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class VendorWidget(LookupWidget):
    """A vendor by its current name or a former one (ケイ・オプティコム → オプテージ)."""

    def build_index(self):
        index = {}
        for vendor in Vendor.objects.prefetch_related("former_names"):
            for former in vendor.former_names.all():
                index.setdefault(key_text(former.name), vendor)
        index.update({key_text(v.name): v for v in Vendor.objects.all()})
        return index

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return self.index()[key_text(value)]
        except KeyError:
            raise ValueError(
                f"事業者 {shown(value)} は登録されていません（先に「事業者」を登録してください）"
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class ProgrammeWidget(LookupWidget):
    def build_index(self):
        programmes = self.scoped(SubsidyProgramme.objects.all(), "division")
        return {key_text(p.name): p for p in programmes}

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return self.index()[key_text(value)]
        except KeyError:
            raise ValueError(f"補助金 {shown(value)} が見つかりません") from None

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class MunicipalitiesWidget(widgets.ManyToManyWidget):
    """Municipality codes separated by 、 or commas: 271004、272094."""

    def __init__(self):
        super().__init__(Municipality, separator="、", field="code")
        self._index = None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return []
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            codes = [str(value).zfill(6)]
        else:
            codes = [c for c in re.split(r"[、,・/\s]+", nfkc(value)) if c]
        if self._index is None:
            self._index = {m.code: m for m in Municipality.objects.all()}
        found = []
        for code in codes:
            if code not in self._index:
                raise ValueError(f"市町村コード {shown(code)} が見つかりません")
            found.append(self._index[code])
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else "、".join(m.code for m in value.all())


class SettlementAmountResource(SpreadsheetResource):
    fiscal_year = Column(
        "fiscal_year",
        widget=FiscalYearWidget(),
        help_text="西暦の年度（例：2020）。「令和２年度」とも書けます。",
    )
    division = Column(
        "item__division__slug",
        "課",
        readonly=True,
        help_text="費目の課の URL 名。確認用で、費目の課と違うとエラーになります。",
    )
    item = Column(
        "item", "費目コード", ItemWidget(), help_text="登録済みの費目のコード（例：lgwan-levy）。"
    )
    item_name = Column(
        "item__name",
        "費目名",
        readonly=True,
        help_text="確認用です。費目名は「費目」の取り込みで変えます。",
    )
    kind = Column(
        "kind",
        widget=ChoiceWidget(AmountKind.choices, default=AmountKind.SETTLEMENT),
        help_text="決算額 か 予算額。空欄なら決算額。",
    )
    amount = Column(
        "amount",
        "金額（円）",
        YenWidget(),
        blank=True,
        help_text=(
            "38,294,000、３８，２９４，０００、38294000円 のどれでも。列名を「金額（千円）」に"
            "すると千円単位で読みます。新しい行で空欄なら取り込みません。"
        ),
    )
    period_label = Column(
        "period_label", widget=TextWidget(), help_text="年度の一部だけの額のとき（例：～９月末）。"
    )

    related = ("item__division", "fiscal_year")

    class Meta:
        model = SettlementAmount
        fields = (
            "fiscal_year",
            "division",
            "item",
            "item_name",
            "kind",
            "amount",
            "period_label",
        )
        import_id_fields = ("item", "fiscal_year", "kind")
        use_bulk = True
        batch_size = 1000
        name = "決算額・予算額"

    def check_row(self, instance, row):
        division = row.get("課")
        item = instance.item
        if not is_blank(division) and key_text(division) not in (
            key_text(item.division.slug),
            key_text(item.division.name),
        ):
            raise ValidationError(
                {
                    "item": f"費目 {item.code} は課 {item.division.slug} の費目です"
                    f"（課の列は {shown(division)}）"
                }
            )
        if instance.amount is None and instance.pk is not None:
            raise ValidationError(
                {"amount": "空欄です。金額をなくすときは管理画面で削除してください"}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A new row without an amount (a blank line of the round-trip sheet) is left out.
        if instance.pk is None and instance.amount is None and not import_validation_errors:
            return True
        return super().skip_row(instance, original, row, import_validation_errors)

    def rows_that_touch_reports(self, rows):
        # Only amounts of items that some report's table shows can touch a report.
        shown_items = set(
            SettlementTable.objects.filter(item__in={a.item_id for a in rows}).values_list(
                "item", flat=True
            )
        )
        return [a for a in rows if a.item_id in shown_items]

    def touch_key(self, obj):
        return ("amount", obj.item_id, obj.fiscal_year_id)


class ExpenditureItemResource(SpreadsheetResource):
    division = Column(
        "division",
        widget=DivisionWidget(),
        help_text="費目の課の URL 名（例：digital-administration）。",
    )
    code = Column(
        "code",
        widget=CodeWidget(),
        help_text="半角英数字とハイフン（例：lgwan-levy）。決算額の取り込みで使います。",
    )
    name = Column("name", widget=TextWidget())

    related = ("division",)

    class Meta:
        model = ExpenditureItem
        fields = ("division", "code", "name")
        import_id_fields = ("code",)
        name = "費目"

    def check_row(self, instance, row):
        if instance.pk is None and ExpenditureItem.objects.filter(code=instance.code).exists():
            raise ValidationError({"code": f"費目コード {instance.code} は他の課で使われています"})


class VendorResource(SpreadsheetResource):
    name = Column("name", "事業者名", TextWidget())
    former_names = Column(
        None, "旧名称", readonly=True, help_text="確認用です。旧名称は管理画面で登録します。"
    )

    prefetch = ("former_names",)

    class Meta:
        model = Vendor
        fields = ("name", "former_names")
        import_id_fields = ("name",)
        name = "事業者"

    def dehydrate_former_names(self, vendor):
        if vendor.pk is None:
            return ""
        return "、".join(
            f"{f.name}（{f.renamed_on:%Y-%m-%d} 改名）" for f in vendor.former_names.all()
        )


class MunicipalityResource(SpreadsheetResource):
    code = Column(
        "code",
        widget=CodeWidget(digits=6),
        help_text="全国地方公共団体コード（検査数字を含む６桁）。例：大阪市 271004",
    )
    name = Column("name", widget=TextWidget())
    kana = Column("kana", widget=TextWidget())
    kind = Column(
        "kind", widget=ChoiceWidget(Municipality.Kind.choices), help_text="市・町・村 のどれか。"
    )

    class Meta:
        model = Municipality
        fields = ("code", "name", "kana", "kind")
        import_id_fields = ("code",)
        name = "市町村"


class ContractResource(SpreadsheetResource):
    year = _year_of_report("initiative")
    division = _division_of_report("initiative")
    initiative = Column("initiative", widget=InitiativeWidget(), help_text=INITIATIVE_HELP)
    title = Column("title", widget=TextWidget())
    vendor = Column(
        "vendor", widget=VendorWidget(), help_text="登録済みの事業者名（旧名称でも探します）。"
    )
    starts_on = Column("starts_on", widget=MonthWidget(), help_text="例：2016-09")
    ends_on = Column("ends_on", widget=MonthWidget(), help_text="例：2027-03")
    amount = Column(
        "amount",
        widget=YenWidget(),
        help_text="列名を「契約金額（千円）」にすると千円単位で読みます。",
    )
    tax_included = Column("tax_included", "税込", BooleanWidget(), help_text="はい／いいえ")
    notes = Column("notes", widget=TextWidget())
    order = _order()

    related = (
        "vendor",
        "initiative__section__report__fiscal_year",
        "initiative__section__report__division",
    )
    validate_constraints = True

    class Meta:
        model = Contract
        fields = (
            "year",
            "division",
            "initiative",
            "title",
            "vendor",
            "starts_on",
            "ends_on",
            "amount",
            "tax_included",
            "notes",
            "order",
        )
        import_id_fields = ("initiative", "title")
        name = "契約"


class SubsidyAwardResource(SpreadsheetResource):
    fiscal_year = Column(
        "fiscal_year", widget=FiscalYearWidget(), help_text="採択の年度を西暦で（例：2020）。"
    )
    programme = Column("programme", widget=ProgrammeWidget(), help_text="登録済みの補助金名。")
    title = Column("title", widget=TextWidget())
    municipalities = Column(
        "municipalities",
        "市町村コード",
        MunicipalitiesWidget(),
        help_text="６桁の団体コード。共同実施は「、」で区切ります（例：272116、272272）。",
    )
    municipality_names = Column(None, "市町村名", readonly=True, help_text="確認用です。")
    subsidy = Column(
        "subsidy",
        widget=YenWidget(),
        help_text="列名を「補助額（千円）」にすると千円単位で読みます。",
    )
    total_cost = Column(
        "total_cost",
        widget=YenWidget(),
        help_text="列名を「総事業費（千円）」にすると千円単位で読みます。",
    )
    order = _order()

    related = ("programme", "fiscal_year")
    prefetch = ("municipalities",)
    validate_constraints = True

    class Meta:
        model = SubsidyAward
        fields = (
            "fiscal_year",
            "programme",
            "title",
            "municipalities",
            "municipality_names",
            "subsidy",
            "total_cost",
            "order",
        )
        import_id_fields = ("programme", "fiscal_year", "title")
        name = "補助金採択事業"

    def dehydrate_municipality_names(self, award):
        if award.pk is None:
            return ""
        return "・".join(m.name for m in award.municipalities.all())

    def check_row(self, instance, row):
        municipalities = instance._import_m2m.get("municipalities", [])
        if not municipalities:
            raise ValidationError({"municipalities": "市町村コードを入力してください"})
        instance.check_programme_limits(len(municipalities))

    def touch_key(self, obj):
        return ("award", obj.programme_id, obj.fiscal_year_id)
