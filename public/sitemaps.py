"""sitemap.xml: the public pages of current editions; drafts never appear here."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from publication.models import Edition, PublishedAmount, published_years


class StaticPagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["home", "reports:years", "awards"]

    def location(self, item):
        return reverse(item)


class FiscalYearSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return published_years().annotate(published=Max("reports__editions__published_at"))

    def lastmod(self, fiscal_year):
        return fiscal_year.published


class ReportSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return (
            Edition.objects.current()
            .select_related("report__fiscal_year", "report__division")
            .defer("html", "data")
            .order_by("-report__fiscal_year__year", "report__division__slug")
        )

    def location(self, edition):
        return edition.report.get_absolute_url()

    def lastmod(self, edition):
        return edition.published_at


class ExpenditureItemSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return (
            PublishedAmount.objects.current()
            .values_list("item_code", flat=True)
            .distinct()
            .order_by("item_code")
        )

    def location(self, code):
        return reverse("item", args=[code])


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "years": FiscalYearSitemap,
    "reports": ReportSitemap,
    "items": ExpenditureItemSitemap,
}
