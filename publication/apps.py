from django.apps import AppConfig


class PublicationConfig(AppConfig):
    """Editions: the report tree loaded and rendered (HTML, JSON, PDF), frozen when published;
    compiled volumes; the background jobs that render them."""

    name = "publication"
    verbose_name = "公開"
