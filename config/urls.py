from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from config.health import healthz
from public import views as public
from public.sitemaps import SITEMAPS

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
    path("admin/reports/report/<int:pk>/proofreading/", include("proofreading.urls")),
    path("admin/", admin.site.urls),
    path("nested_admin/", include("nested_admin.urls")),
    path("reports/", include("public.urls")),
    path("volumes/<int:year>.pdf", public.volume_pdf, name="volume_pdf"),
    path(
        "volumes/<int:year>/<slug:department>.pdf", public.volume_pdf, name="volume_department_pdf"
    ),
    path("", include("public.opendata")),
]

handler500 = "public.views.server_error"
