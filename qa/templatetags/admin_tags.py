"""Template filters for the staff pages."""

from django import template

from qa.waiting import answered_after_text, waiting_time_text

register = template.Library()


@register.filter
def waiting_time(start, end=None) -> str:
    """{{ question.created_at|waiting_time }} or {{ start|waiting_time:end }}."""
    return waiting_time_text(start, end) if start else ""


@register.filter
def answered_after(start, answered) -> str:
    """{{ question.created_at|answered_after:question.first_answered_at }}"""
    return answered_after_text(start, answered)


@register.tag(name="inbox_result_list")
def inbox_result_list(parser, token):
    """{% inbox_result_list cl %}: unfold's result list, its rows written by qa.admin.inbox_rows."""
    from django.contrib.admin.templatetags.base import InclusionAdminNode

    from qa.admin import inbox_rows

    return InclusionAdminNode(parser, token, func=inbox_rows.result_list, template_name="change_list_results.html")
