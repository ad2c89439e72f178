"""A customer who signs in with X or Facebook is the same person who wrote
to the company there: link the site account to that Person, so the web and
social history join (conversations.selectors.conversation_earlier).

allauth's signals are its documented hooks for this; the receivers only
translate allauth's objects into a service call.
"""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.dispatch import receiver

from conversations import services
from conversations.models import Network

# allauth provider id -> the network listening knows the person by.
PROVIDER_NETWORKS = {"twitter_oauth2": Network.X, "facebook": Network.FACEBOOK}


def _link(sociallogin) -> None:
    account = sociallogin.account
    network = PROVIDER_NETWORKS.get(account.provider)
    user = sociallogin.user
    if network is None or user is None or user.pk is None:
        return
    data = account.extra_data or {}
    handle = data.get("username", "") if network == Network.X else ""
    profile_url = f"https://x.com/{handle}" if handle else ""
    services.person_link_site_account(
        network=network,
        remote_id=str(account.uid),
        user=user,
        handle=handle,
        name=data.get("name", ""),
        profile_url=profile_url,
    )


@receiver(social_account_added)
@receiver(social_account_updated)
def link_person_on_social_login(sender, request, sociallogin, **kwargs):
    _link(sociallogin)


@receiver(user_signed_up)
def link_person_on_social_signup(sender, request, user, **kwargs):
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        _link(sociallogin)
