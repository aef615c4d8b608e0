"""表記チェック in the admin, under a report's admin URL (config/urls.py mounts it before the
admin's own URLs): the page, and the fixes its buttons post."""

from django.contrib import admin
from django.urls import path

from proofreading import views

app_name = "proofreading"
urlpatterns = [
    path("", admin.site.admin_view(views.report_check), name="report"),
    path("fix/", admin.site.admin_view(views.fix), name="fix"),
]
