"""E-mails to staff about channels. Called after commit by publishing.services."""

from django.conf import settings
from django.urls import reverse

from qa.notifications import send_templated_mail, staff_recipients


def staff_channel_needs_reauth(*, kind: str, message: str) -> None:
    from publishing.channels.registry import get_channel

    context = {
        "channel": get_channel(kind),
        "kind": kind,
        "message": message,
        "health_url": settings.SITE_URL + reverse("admin:publishing_channelstate_changelist"),
    }
    send_templated_mail(
        template="publishing/email/channel_needs_reauth", context=context, recipients=staff_recipients()
    )


def staff_channel_budget_reached(*, kind: str, month, message: str) -> None:
    """Once per channel per month (publishing.budget): due posts now wait."""
    from publishing.channels.registry import get_channel

    context = {
        "channel": get_channel(kind),
        "kind": kind,
        "month": month,
        "message": message,
        "health_url": settings.SITE_URL + reverse("admin:publishing_channelstate_changelist"),
    }
    send_templated_mail(
        template="publishing/email/channel_budget_reached", context=context, recipients=staff_recipients()
    )
