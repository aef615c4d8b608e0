from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The staff's side of a report: its admin page and workflow actions, the collection
    dashboard, the PDF preview and copying a report forward to the next year."""

    name = "editorial"
    verbose_name = "編集"
