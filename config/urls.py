from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "事務事業実績 管理"
admin.site.site_title = "事務事業実績 管理"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    path("", RedirectView.as_view(url="/reports/", permanent=False)),
    path("admin/", admin.site.urls),
    path("nested_admin/", include("nested_admin.urls")),
    path("reports/", include("reports.urls")),
]
