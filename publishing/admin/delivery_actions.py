"""What staff can do to one delivery from the tip's page, and the message an
action leaves (shared by the delivery list's actions and the tip's)."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from publishing import services
from publishing.models import Delivery


def report_action_outcome(request, done: int, message, *, skipped: int = 0) -> None:
    """`message(count)` is the ngettext'd success text."""
    if done:
        messages.success(request, message(done) % {"count": done})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d delivery was skipped: its status does not allow this action.",
                "%(count)d deliveries were skipped: their status does not allow this action.",
                skipped,
            )
            % {"count": skipped},
        )


# The actions staff can take on one delivery from the tip's page, by status.
DELIVERY_ACTIONS = {
    "retry": (_("Retry now"), services.delivery_retry_now, {Delivery.Status.FAILED, Delivery.Status.PENDING}),
    "send-anyway": (_("Send anyway"), services.delivery_send_anyway, {Delivery.Status.UNKNOWN}),
    "cancel": (
        _("Cancel"),
        services.delivery_cancel,
        {Delivery.Status.PENDING, Delivery.Status.FAILED, Delivery.Status.UNKNOWN},
    ),
}


def delivery_actions_allowed(delivery: Delivery) -> list[tuple[str, str]]:
    return [
        (action, label) for action, (label, _service, allowed) in DELIVERY_ACTIONS.items() if delivery.status in allowed
    ]


def delivery_action_form_id(delivery: Delivery, action: str) -> str:
    return f"tipcast-delivery-{delivery.pk}-{action}"


def delivery_action_forms(*, tip) -> list[dict]:
    """The small POST forms the tip page's delivery buttons submit (one per button)."""
    return [
        {
            "id": delivery_action_form_id(delivery, action),
            "url": reverse("admin:publishing_delivery_action", args=[delivery.pk, action]),
        }
        for delivery in tip.deliveries.only("pk", "status")
        for action, _label in delivery_actions_allowed(delivery)
    ]
