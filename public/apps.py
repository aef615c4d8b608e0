from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site: report pages, search, open data, sitemaps, charts and the page cache."""

    name = "public"
    verbose_name = "公開サイト"

    def ready(self):
        # Models are importable only once the registry is ready.
        from public.caching import connect_signals

        connect_signals()
