"""Blocks of an initiative share one order. Existing rows are numbered in the order the
renderer showed them before (facts, figures, events, settlement tables, contracts, award
tables, notes; each kind by its own order), so every report reads as it did."""

from collections import defaultdict

from django.db import migrations

KINDS = [
    ("programs", "Fact", ["order", "id"]),
    ("programs", "Figure", ["order", "id"]),
    ("programs", "Event", ["order", "starts_on", "id"]),
    ("budgets", "SettlementTable", ["order", "id"]),
    ("budgets", "Contract", ["order", "id"]),
    ("budgets", "AwardTable", ["order", "id"]),
    ("programs", "Note", ["order", "id"]),
]


def renumber(apps, schema_editor):
    rows = defaultdict(list)
    for app, name, ordering in KINDS:
        model = apps.get_model(app, name)
        for row in model.objects.order_by("initiative_id", *ordering).only("initiative_id", "order"):
            rows[row.initiative_id].append(row)
    changed = defaultdict(list)
    for blocks in rows.values():
        for position, row in enumerate(blocks, start=1):
            if row.order != position:
                row.order = position
                changed[type(row)].append(row)
    for model, objs in changed.items():
        model.objects.bulk_update(objs, ["order"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_blocks_in_any_order"),
        ("budgets", "0004_amount_unit_item_qualifier"),
    ]

    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
