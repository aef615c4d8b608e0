from django.urls import path

from public import views

app_name = "reports"
urlpatterns = [
    path("", views.year_list, name="years"),
    path("<int:year>/", views.year_detail, name="year"),
    path("<int:year>/<slug:slug>/", views.report_detail, name="report"),
    path("<int:year>/<slug:slug>.pdf", views.report_pdf, name="report_pdf"),
    path(
        "<int:year>/<slug:slug>/editions/<int:number>/",
        views.edition_changes,
        name="edition_changes",
    ),
]
