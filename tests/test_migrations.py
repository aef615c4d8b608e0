"""A database of the previous layout (organisation, editions and volumes inside ``reports``)
migrates to today's apps without losing a row, a permission or a link."""

import json
from pathlib import Path

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from organisation.models import Division, DivisionRole, FiscalYear
from publication.models import Edition, PublishedAmount
from reports.models import Report

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "fy2020.json"

# The last migrations before the organisation and publication apps existed.
PREVIOUS_LAYOUT = [
    ("reports", "0003_volume_and_indexes"),
    ("programs", "0002_workflow_editions_history"),
    ("budgets", "0002_workflow_editions_history"),
    ("organisation", None),
    ("publication", None),
]
# Where each model of the seed lived then.
PREVIOUS_LABEL = {
    "organisation.fiscalyear": "reports.fiscalyear",
    "organisation.department": "reports.department",
    "organisation.division": "reports.division",
}


def _load_seed(old_apps) -> tuple[dict[str, int], dict[str, int]]:
    """Write the seed fixture through the models as they were; how many rows of each, and of
    each model that did not exist then."""
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    later: dict[str, int] = {}
    many = []
    for row in rows:
        label = PREVIOUS_LABEL.get(row["model"], row["model"])
        try:
            model = old_apps.get_model(label)
        except LookupError:  # a model of a later migration (text blocks, free tables)
            later[row["model"]] = later.get(row["model"], 0) + 1
            continue
        known = {field.name for field in model._meta.get_fields()}
        values = {}
        for name, value in row["fields"].items():
            if name not in known:  # a field of a later migration
                continue
            field = model._meta.get_field(name)
            if field.many_to_many:
                many.append((model, row["pk"], name, value))
            elif field.is_relation:
                values[field.attname] = value
            else:
                values[name] = field.to_python(value)
        model.objects.create(pk=row["pk"], **values)
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    for model, pk, name, value in many:
        getattr(model.objects.get(pk=pk), name).set(value)
    return counts, later


def _publish_first_edition(old_apps) -> None:
    Report = old_apps.get_model("reports", "Report")
    Edition = old_apps.get_model("reports", "Edition")
    PublishedAmount = old_apps.get_model("reports", "PublishedAmount")
    report = Report.objects.get()
    edition = Edition.objects.create(
        report=report,
        number=1,
        is_current=True,
        published_at="2021-06-01T09:00:00+09:00",
        html="<h1>デジタル行政推進課</h1>",
        data={"division": {"slug": "digital-administration"}},
    )
    PublishedAmount.objects.create(
        edition=edition,
        item_code="lgwan-levy",
        item_name="地方公共団体情報システム機構への負担金",
        fiscal_year=2020,
        kind="settlement",
        amount=37_245_320,
        anchor="i-1",
    )


def _give_an_editor_a_role(old_apps) -> None:
    User = old_apps.get_model("auth", "User")
    Group = old_apps.get_model("auth", "Group")
    Permission = old_apps.get_model("auth", "Permission")
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    DivisionRole = old_apps.get_model("reports", "DivisionRole")
    user = User.objects.create(username="editor_a", is_staff=True)
    DivisionRole.objects.create(user=user, division_id=1, role="editor")
    fiscal_years, _ = ContentType.objects.get_or_create(app_label="reports", model="fiscalyear")
    permission, _ = Permission.objects.get_or_create(
        content_type=fiscal_years, codename="view_fiscalyear", defaults={"name": "年度の閲覧"}
    )
    group = Group.objects.create(name="編集者")
    group.permissions.add(permission)
    user.groups.add(group)


@pytest.mark.django_db(transaction=True)
def test_database_of_the_previous_layout_migrates_to_the_new_apps_without_loss():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(PREVIOUS_LAYOUT)
        ours = {app for app, _ in PREVIOUS_LAYOUT}
        others = [node for node in latest if node[0] not in ours]
        before = [node for node in PREVIOUS_LAYOUT if node[1]]
        old_apps = executor.loader.project_state(others + before).apps
        counts, later = _load_seed(old_apps)
        _publish_first_edition(old_apps)
        _give_an_editor_a_role(old_apps)

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    # Only the seed's two text blocks (the paragraphs around 中間サーバ交付金) had no home then.
    assert later == {"programs.textblock": 2}
    for label, count in counts.items():
        assert current_apps.get_model(label).objects.count() == count, label
    report = Report.objects.get()
    assert report.division.name == "デジタル行政推進課"
    assert report.fiscal_year == FiscalYear.objects.get(year=2020)
    assert report.division.department.slug == "smart-city-strategy"
    edition = Edition.objects.current().get()
    assert edition.report == report and edition.html == "<h1>デジタル行政推進課</h1>"
    assert PublishedAmount.objects.current().get().amount == 37_245_320
    role = DivisionRole.objects.get()
    assert role.division == Division.objects.get(slug="digital-administration")
    assert role.user.has_perm("organisation.view_fiscalyear")
