from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    """The narrative of a report: initiatives (a tree whose markers are generated) and what they
    hold (facts, figures, events, notes); their spreadsheet resources."""

    name = "programs"
    verbose_name = "取組"
