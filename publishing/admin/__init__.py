"""The staff side of publishing: deliveries, channel health, per-tip settings.

Thin: every change goes through publishing.services, every read that needs
care through publishing.selectors.

- deliveries.py: the delivery list, its actions, one action on one delivery,
  and the live character count's preview;
- channel_health.py: the channel list as a health page (re-authorisation,
  monthly cap, held posts, backlog);
- tip_page.py: what TipAdmin (qa/admin/tips.py) shows: the tip's deliveries,
  its settings per channel, and the tip list's posting actions;
- delivery_actions.py, delivery_display.py: shared by the delivery list and
  the tip's page (what staff can do to a delivery, how one reads).

Django's autodiscovery imports this package: importing deliveries and
channel_health registers their admins.
"""

from publishing.admin.channel_health import ChannelStateAdmin
from publishing.admin.deliveries import DeliveryAdmin
from publishing.admin.delivery_actions import delivery_action_forms
from publishing.admin.tip_page import (
    DeliveryInline,
    TipChannelSettingInline,
    tip_post_again_action,
    tip_post_now_action,
)

__all__ = [
    "ChannelStateAdmin",
    "DeliveryAdmin",
    "DeliveryInline",
    "TipChannelSettingInline",
    "delivery_action_forms",
    "tip_post_again_action",
    "tip_post_now_action",
]
