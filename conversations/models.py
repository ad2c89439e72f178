"""The people Tipcast talks with, and the labels staff put on conversations.

The conversation itself is qa.Question (a web question is a conversation that
began on the web) and everything said in it is a qa.Message; this app holds
what listening to networks adds. Models hold data and constraints only;
conversations.services makes every change.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Network(models.TextChoices):
    """Where a person, a conversation or a message lives."""

    WEB = "web", _("Web")
    X = "x", _("X")
    FACEBOOK = "facebook", _("Facebook")
    FEED = "feed", _("Feed")


class Person(models.Model):
    """One identity on one network: an X account, a Facebook user, a blog.

    Linked to a site account when the customer signs in with that network,
    so web and social history join. Do not contact: staff marked that the
    person declined; nothing is ever sent to them (conversations.services).
    """

    network = models.CharField(_("network"), max_length=16, choices=Network.choices)
    # The network's stable id for the account (X user id, Facebook app-scoped
    # id); for a feed, the feed item's author link or name.
    remote_id = models.CharField(_("remote id"), max_length=200)
    handle = models.CharField(_("handle"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    profile_url = models.URLField(_("profile URL"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="social_people",
        verbose_name=_("site account"),
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    do_not_contact_reason = models.TextField(_("why not to contact"), blank=True)
    do_not_contact_since = models.DateTimeField(_("do not contact since"), null=True, blank=True)
    do_not_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    created_at = models.DateTimeField(_("first seen at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network", "handle", "remote_id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [models.UniqueConstraint(fields=["network", "remote_id"], name="one_person_per_network_identity")]

    def __str__(self):
        if self.handle:
            return f"@{self.handle}" if self.network == Network.X else self.handle
        return self.name or self.remote_id


class Label(models.Model):
    """A tag staff put on conversations ("refund", "bug"). Kept apart from the
    tips' public tags: a label never makes a public tag page."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")

    def __str__(self):
        return self.name
