"""No form reaches another division's rows: inline formsets and the report editor only load rows
of their own parent, inside the user's divisions. Each test is a forged POST by the editor of
division B."""

import pytest
from django.forms.models import model_to_dict

from budgets.models import AwardTable, Contract, SettlementTable
from programs.models import Event, Fact, Figure, Initiative, Note
from reports.models import Section
from tests import factories
from tests.forms import form_data

REFUSAL = "この画面で編集できない行が送られてきたため、保存しませんでした"


@pytest.fixture
def initiative_b(division_b):
    report = factories.report(2020, division_b)
    section = Section.objects.create(report=report, name="広報グループ")
    return Initiative.objects.create(section=section, title="府政だよりの発行", body="発行した。")


def _forged_row(row, prefix, parent, changes):
    """The fields of ``row`` as a form at index 0 of ``prefix``, re-parented to ``parent``."""
    values = {**model_to_dict(row), **changes}
    data = {}
    for name, value in values.items():
        if name == "initiative":
            value = parent.pk
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data[f"{prefix}-0-{name}"] = [str(getattr(v, "pk", v)) for v in value]
            continue
        data[f"{prefix}-0-{name}"] = ["on" if value is True else str(value)]
    data[f"{prefix}-TOTAL_FORMS"] = ["1"]
    data[f"{prefix}-INITIAL_FORMS"] = ["1"]
    return data


INLINE_ROWS = [
    ("facts", Fact, {"value": "改ざん"}),
    ("figures", Figure, {"label": "改ざん"}),
    ("events", Event, {"venue": "改ざん"}),
    ("notes", Note, {"text": "改ざん"}),
    ("contracts", Contract, {"title": "改ざん"}),
    ("settlement_tables", SettlementTable, {"years": 1}),
    ("award_tables", AwardTable, {"unit": "yen"}),
]


@pytest.mark.parametrize(("prefix", "model", "changes"), INLINE_ROWS)
def test_editor_of_b_cannot_take_a_row_of_a_through_own_initiative_page(
    client, seed, editor_b, initiative_b, prefix, model, changes
):
    row = model.objects.first()
    before = model_to_dict(row)
    client.force_login(editor_b)
    url = f"/admin/programs/initiative/{initiative_b.pk}/change/"
    data = form_data(client.get(url).content.decode(), "initiative_form")
    data.update(_forged_row(row, prefix, initiative_b, changes))

    response = client.post(url, data)

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    row.refresh_from_db()
    assert model_to_dict(row) == before


def test_editor_of_b_cannot_delete_a_note_of_a(client, seed, editor_b, initiative_b):
    note = Note.objects.get()
    client.force_login(editor_b)
    url = f"/admin/programs/initiative/{initiative_b.pk}/change/"
    data = form_data(client.get(url).content.decode(), "initiative_form")
    data.update(_forged_row(note, "notes", initiative_b, {}))
    data["notes-0-DELETE"] = ["on"]

    response = client.post(url, data)

    assert REFUSAL in response.content.decode()
    assert Note.objects.filter(pk=note.pk).exists()


def test_editor_of_b_cannot_move_an_initiative_of_a_into_own_report(
    client, seed, editor_b, initiative_b
):
    hanko = Initiative.objects.get(title="はんこレス")
    section_a = hanko.section_id
    client.force_login(editor_b)
    editor = f"/admin/reports/report/{initiative_b.section.report_id}/editor/"
    ops = form_data(client.get(editor).content.decode(), "ops")

    moved = client.post(
        f"{editor}op/",
        {**ops, "op": "place", "node": f"initiative.{hanko.pk}", "after": ""},
        follow=True,
    )
    added = client.post(
        f"{editor}initiative/add/", {"parent": hanko.pk, "title": "改ざん"}
    ).content.decode()
    edited = client.post(f"{editor}initiative/{hanko.pk}/", {"title": "改ざん"})

    assert REFUSAL in moved.content.decode() and REFUSAL in added
    assert edited.status_code == 404
    hanko.refresh_from_db()
    assert hanko.section_id == section_a and hanko.title == "はんこレス"
    assert not Initiative.objects.filter(title="改ざん").exists()


def test_editor_of_a_still_saves_own_rows_through_the_same_forms(client, seed, editor_a):
    tablet = Initiative.objects.get(title="タブレット端末機の本格導入")
    client.force_login(editor_a)
    url = f"/admin/programs/initiative/{tablet.pk}/change/"
    data = form_data(client.get(url).content.decode(), "initiative_form")
    [key] = [k for k, v in data.items() if k.startswith("facts-") and v == ["ｉＰａｄ"]]
    data[key] = ["ｉＰａｄ Air"]

    response = client.post(url, data)

    assert response.status_code == 302
    assert tablet.facts.filter(value="ｉＰａｄ Air").exists()
