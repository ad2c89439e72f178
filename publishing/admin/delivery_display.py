"""How a delivery reads in the admin, on its own list and on the tip's page:
its status (and what became of the remote post), its link, its channel's name."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from publishing.channels import registry
from publishing.models import Delivery


def remote_post_link(delivery: Delivery):
    """The remote post as a link staff can open (its id when the network gave no URL)."""
    if delivery.remote_url:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', delivery.remote_url, _("View post")
        )
    return delivery.remote_id or "—"


def channel_label(kind: str) -> str:
    """The channel's name as staff know it ("X", "Facebook"), or its kind if it is no longer configured."""
    labels = {channel.kind: channel.label for channel in registry.all_channels()}
    return labels.get(kind) or kind


def delivery_state_html(delivery: Delivery):
    """The status, and for a sent post what became of it after unpublishing."""
    status = delivery.get_status_display()
    if delivery.deleted_at:
        return format_html(
            '{}<span class="tipcast-deleted">{}</span>',
            status,
            _("removed from the network on %(date)s")
            % {"date": date_format(timezone.localtime(delivery.deleted_at), "SHORT_DATETIME_FORMAT")},
        )
    if delivery.delete_error:
        return format_html(
            '{}<span class="tipcast-deleted">{}: {}</span>',
            status,
            _("could not be removed from the network"),
            delivery.delete_error[:160],
        )
    tip_gone = delivery.tip is None or not delivery.tip.is_published
    is_tip_post = delivery.purpose == Delivery.Purpose.POST
    if is_tip_post and delivery.status == Delivery.Status.SENT and delivery.remote_id and tip_gone:
        # Unpublished or deleted a moment ago: the worker is taking the post down.
        return format_html('{}<span class="tipcast-deleted">{}</span>', status, _("being removed from the network"))
    if (
        delivery.purpose == Delivery.Purpose.REPLY
        and delivery.status == Delivery.Status.PENDING
        and not delivery.in_reply_to
    ):
        # A later part of a thread: due once the part before it is sent.
        return format_html(
            '{}<span class="tipcast-deleted">{}</span>', status, _("waits until the part before it is sent")
        )
    return status
