"""The admin site: Japanese titles, and each person's work on its index page."""

from django.contrib import admin

from reports.workflow import awaiting_approval, editors_work


class ReportsAdminSite(admin.AdminSite):
    site_header = site_title = "事務事業実績 管理"
    index_title = "管理メニュー"

    def index(self, request, extra_context=None):
        sent_back, drafts = editors_work(request.user)
        work = {"awaiting": awaiting_approval(request.user), "sent_back": sent_back}
        return super().index(request, {**work, "drafts": drafts, **(extra_context or {})})
