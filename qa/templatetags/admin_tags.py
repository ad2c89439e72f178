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
