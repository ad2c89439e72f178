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


# --- The reply composer: who is speaking ------------------------------------------------


class StaffProfile(models.Model):
    """How a staff member signs replies on networks (seed 001: say who you
    are, "○○会社の××です"): a name customers may see, never the account's
    username or e-mail address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("user")
    )
    display_name = models.CharField(
        _("display name"), max_length=50, help_text=_("The name customers see in your replies, e.g. “Watanabe”.")
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return self.display_name


class SignatureTemplate(models.Model):
    """The site-wide signature for replies in one language. {company} is
    SITE_NAME and {name} the staff member's display name. A language without
    a row uses conversations.compose.DEFAULT_SIGNATURES."""

    class Position(models.TextChoices):
        # Japanese replies open with the introduction ("Tipcastの山田です。…",
        # seed 001); English ones sign off at the end.
        START = "start", _("Before the text")
        END = "end", _("After the text")

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, unique=True)
    template = models.CharField(
        _("template"), max_length=100, help_text=_("{company} is the site's name and {name} the staff member's name.")
    )
    position = models.CharField(_("position"), max_length=8, choices=Position.choices, default=Position.END)

    class Meta:
        ordering = ["language"]
        verbose_name = _("signature template")
        verbose_name_plural = _("signature templates")

    def __str__(self):
        return f"{self.get_language_display()}: {self.template}"


# --- Support hours ----------------------------------------------------------------------


class SupportHours(models.Model):
    """One opening period on one weekday, in SUPPORT_TIME_ZONE (seed 001: the
    call centre's hours). Several rows per day allowed (a lunch break is two
    rows). Closing at 00:00 means midnight at the end of the day; a shift past
    midnight is two rows. No rows at all means around the clock."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("support hours")
        verbose_name_plural = _("support hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")) | models.Q(closes="00:00"),
                name="support_hours_close_after_opening",
                violation_error_message=_("Closing time must be after opening time (00:00 means midnight)."),
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class SupportHoliday(models.Model):
    """A day the team is off whatever the weekly schedule says."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("support holiday")
        verbose_name_plural = _("support holidays")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


# --- Listening -------------------------------------------------------------------------------------


class FeedSubscription(models.Model):
    """An RSS or Atom feed staff follow (a blog search, an alert feed): each new
    item becomes a conversation (conversations.sources.feeds)."""

    url = models.URLField(_("feed URL"), max_length=1000, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["title", "url"]
        verbose_name = _("feed subscription")
        verbose_name_plural = _("feed subscriptions")

    def __str__(self):
        return self.title or self.url

    @property
    def source_kind(self) -> str:
        """Its ListeningState's kind."""
        return f"feed:{self.pk}"


class ListeningState(models.Model):
    """Where one source stands: its cursor and its health. One row per source
    kind ("x_mentions", "facebook_comments") or feed ("feed:<subscription id>")."""

    kind = models.CharField(_("source"), max_length=100, unique=True)
    # The source's own cursor (X: the newest post id; a feed: JSON with its
    # ETag and the entries seen). Saved only after the items it covers are stored.
    cursor = models.TextField(_("cursor"), blank=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    needs_reauth = models.BooleanField(_("needs re-authorisation"), default=False)
    # After a failure, no poll before this (backoff, or the network's Retry-After).
    next_poll_at = models.DateTimeField(_("next poll not before"), null=True, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("listening state")
        verbose_name_plural = _("listening health")

    def __str__(self):
        return self.kind


class ListeningReadMonth(models.Model):
    """Reads a source made in one month (UTC), as the network bills them (X
    charges each post a poll returns)."""

    kind = models.CharField(_("source"), max_length=100)
    month = models.DateField(_("month"))  # its first day
    reads = models.PositiveIntegerField(_("reads"), default=0)

    class Meta:
        ordering = ["-month", "kind"]
        verbose_name = _("reads in a month")
        verbose_name_plural = _("reads by month")
        constraints = [models.UniqueConstraint(fields=["kind", "month"], name="one_read_count_per_source_month")]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m}: {self.reads}"
