from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EditorialConfig(AppConfig):
    """The staff's side of a report: its admin page and workflow actions, the collection
    dashboard, the PDF preview and copying a report forward to the next year."""

    default = True
    name = "editorial"
    verbose_name = "編集"

    def ready(self):
        # Patches a template filter of django-nested-admin, importable once apps are ready.
        from editorial import nested_admin_fixes

        nested_admin_fixes.install()


class ReportsAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with our site (editorial/sites.py) as the default one."""

    default = False
    default_site = "editorial.sites.ReportsAdminSite"
