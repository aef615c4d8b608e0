from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from config.health import healthz
from reports import views as public
from reports.sitemaps import SITEMAPS

admin.site.site_header = "事務事業実績 管理"
admin.site.site_title = "事務事業実績 管理"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("items/<slug:code>/", public.expenditure_item, name="item"),
    path("awards/", public.awards, name="awards"),
    path("municipalities/<str:code>/", public.municipality, name="municipality"),
    path("vendors/<int:pk>/", public.vendor, name="vendor"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", public.robots_txt, name="robots"),
    path("favicon.ico", public.favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("nested_admin/", include("nested_admin.urls")),
    path("reports/", include("reports.urls")),
    path("", include("reports.volume")),
    path("", include("reports.opendata")),
]

handler500 = "reports.views.server_error"
