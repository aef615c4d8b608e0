"""Spreadsheet columns of the narrative's records (events, figures) for CSV / XLSX import and
export; an initiative is named by its report's year and division and its path of headings."""

from programs.models import Event, Figure
from spreadsheets.resources import (
    INITIATIVE_HELP,
    BooleanWidget,
    Column,
    DateWidget,
    DecimalWidget,
    InitiativeWidget,
    IntegerWidget,
    SpreadsheetResource,
    TextWidget,
    _division_of_report,
    _order,
    _year_of_report,
)


class EventResource(SpreadsheetResource):
    year = _year_of_report("initiative")
    division = _division_of_report("initiative")
    initiative = Column("initiative", widget=InitiativeWidget(), help_text=INITIATIVE_HELP)
    title = Column("title", widget=TextWidget(), help_text="空欄でもかまいません。")
    starts_on = Column("starts_on", widget=DateWidget(), help_text="例：2021-01-28")
    ends_on = Column("ends_on", widget=DateWidget(), help_text="１日だけなら空欄。")
    venue = Column("venue", widget=TextWidget(), help_text="例：Web配信")
    organisations = Column("organisations", widget=IntegerWidget(("団体",)))
    participants = Column("participants", widget=IntegerWidget(("名", "人")))
    cohosts = Column("cohosts", widget=TextWidget())
    description = Column("description", widget=TextWidget())
    order = _order()

    related = (
        "initiative__section__report__fiscal_year",
        "initiative__section__report__division",
    )
    validate_constraints = True

    class Meta:
        model = Event
        fields = (
            "year",
            "division",
            "initiative",
            "title",
            "starts_on",
            "ends_on",
            "venue",
            "organisations",
            "participants",
            "cohosts",
            "description",
            "order",
        )
        import_id_fields = ("initiative", "starts_on", "title")
        name = "開催実績"


class FigureResource(SpreadsheetResource):
    year = _year_of_report("initiative")
    division = _division_of_report("initiative")
    initiative = Column("initiative", widget=InitiativeWidget(), help_text=INITIATIVE_HELP)
    label = Column("label", widget=TextWidget())
    qualifier = Column("qualifier", widget=TextWidget(), help_text="例：年間推計")
    value = Column("value", widget=DecimalWidget())
    unit = Column("unit", widget=TextWidget(), help_text="例：時間、件、％")
    is_approximate = Column("is_approximate", "約", BooleanWidget(), help_text="はい／いいえ")
    note = Column("note", widget=TextWidget())
    order = _order()

    related = (
        "initiative__section__report__fiscal_year",
        "initiative__section__report__division",
    )
    validate_constraints = True

    class Meta:
        model = Figure
        fields = (
            "year",
            "division",
            "initiative",
            "label",
            "qualifier",
            "value",
            "unit",
            "is_approximate",
            "note",
            "order",
        )
        import_id_fields = ("initiative", "label")
        name = "実績値"
