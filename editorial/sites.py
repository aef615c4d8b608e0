"""The admin site: Japanese titles, and each person's work on its index page."""

from django.contrib import admin
from django.urls import path

from reports.workflow import awaiting_approval, editors_work


class ReportsAdminSite(admin.AdminSite):
    site_header = site_title = "事務事業実績 管理"
    index_title = "管理メニュー"

    def __init__(self, name="admin"):
        super().__init__(name)
        self._pages = []

    def register_page(self, route: str, view, name: str) -> None:
        """Add a staff page that belongs to no model (an app's admin module calls this); the
        view runs behind the admin's login, staff check and CSRF protection."""
        self._pages.append((route, view, name))

    def get_urls(self):
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return pages + super().get_urls()

    def index(self, request, extra_context=None):
        sent_back, drafts = editors_work(request.user)
        work = {"awaiting": awaiting_approval(request.user), "sent_back": sent_back}
        return super().index(request, {**work, "drafts": drafts, **(extra_context or {})})
