from django import template

from reports.volume import latest_volumes

register = template.Library()


@register.inclusion_tag("reports/volume_download.html")
def volume_downloads(fiscal_year):
    """The year page's download block: the newest finished compiled volumes (one query)."""
    return {"fiscal_year": fiscal_year, "volumes": latest_volumes(fiscal_year)}
