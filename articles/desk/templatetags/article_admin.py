"""Template tags for the editors' article list in the admin."""

from django import template
from django.contrib.admin.views.main import ChangeList

from articles.desk.drilldown import date_drilldown

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def article_date_hierarchy(cl: ChangeList) -> dict:
    """Django's source-date drill-down, found with index probes (see ``date_drilldown``)."""
    return date_drilldown(cl)
