"""The admin index's list of what waits for the person who opens it."""

from django import template

from reports.workflow import awaiting_approval, editors_work

register = template.Library()


@register.inclusion_tag("admin/reports/report/_my_work.html", takes_context=True)
def my_work(context):
    user = context["request"].user
    sent_back, drafts = editors_work(user)
    return {"awaiting": awaiting_approval(user), "sent_back": sent_back, "drafts": drafts}
