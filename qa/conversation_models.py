"""Conversations and their messages.

A question asked on the site is a conversation that began on the web; a
mention on X, a comment on the Facebook Page or a feed item begins one too
(conversations.ingest). Everything said in a conversation is a Message: the
customer's opening and follow-ups, staff replies (public or private) and
staff's internal notes. One inbox, one history, one set of timestamps.

Models hold data and constraints only; conversations.services and
qa.services make every change (the state rules live in conversations.states).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.models import Network
from qa.validators import MARKDOWN_LENGTH_VALIDATORS


def inbox_rank() -> models.Case:
    """0 for a conversation waiting on staff (new, or the customer wrote again), 1
    for the rest: the inbox's first sort key, and the first column of its index, so
    that the database reads the first page of the inbox in order instead of sorting
    every conversation (conversations.selectors.INBOX_ORDERING)."""
    return models.Case(
        models.When(status__in=["new", "waiting_us"], then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


class InboxRankInSQL(models.Func):
    """inbox_rank() for ORDER BY, its values written into the SQL the way the
    index's definition was (the schema editor's quote_value) instead of passed
    as parameters. SQLite uses an expression index only for the same SQL text:
    against `IN (?, ?) THEN ? ELSE ?` it sorted every conversation for each
    inbox page (60 ms for the first page of 100,000, 200 ms for page 200). The
    values are the expression's own constants, never a request's."""

    template = "%(expressions)s"

    def __init__(self):
        super().__init__(inbox_rank(), output_field=models.IntegerField())

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        quote_value = connection.schema_editor().quote_value
        return sql % tuple(quote_value(value) for value in params), ()


class Question(models.Model):
    """A conversation with a customer, whatever its channel (verbose name:
    conversation; the class keeps the name customers know it by)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WAITING_US = "waiting_us", _("Waiting on us")
        WAITING_CUSTOMER = "waiting_customer", _("Waiting on the customer")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        NONE = "", "—"
        RESOLVED = "resolved", _("Resolved")
        EXPIRED = "expired", _("Expired (no answer)")
        HANDED_OVER = "handed_over", _("Handed over to a private channel")
        IGNORED = "ignored", _("Ignored")
        SPAM = "spam", _("Spam")

    # Where the conversation began.
    Source = Network

    # The customer's site account: empty for a conversation that began on a
    # network (its `person` says who), set when they asked on the site.
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("asker"),
    )
    person = models.ForeignKey(
        "conversations.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("person"),
    )
    title = models.CharField(_("title"), max_length=settings.QUESTION_TITLE_MAX_LENGTH)
    # The opening text (also the conversation's first Message): the admin's
    # search and the tip made from the conversation read it here.
    body = models.TextField(_("body"), help_text=_("Markdown."), validators=MARKDOWN_LENGTH_VALIDATORS)
    body_html = models.TextField(editable=False, default="")
    category = models.ForeignKey(
        "qa.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("category"),
    )
    status = models.CharField(_("state"), max_length=16, choices=Status.choices, default=Status.NEW)
    close_reason = models.CharField(_("closed as"), max_length=16, choices=CloseReason.choices, blank=True)
    source = models.CharField(_("channel"), max_length=16, choices=Network.choices, default=Network.WEB)
    # The language of the conversation: the customer's page language when they
    # asked on the site (their e-mails are written in it), else detected from the text.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_questions",
        verbose_name=_("assignee"),
        limit_choices_to={"is_staff": True},
    )
    labels = models.ManyToManyField("conversations.Label", blank=True, related_name="conversations")
    created_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the conversation entered its current state: the inbox shows the
    # longest-waiting first, and expiry counts the customer's silence from here.
    waiting_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(_("customer last wrote at"), null=True, blank=True)
    last_staff_reply_at = models.DateTimeField(_("staff last replied at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "waiting_since"]),
            models.Index(inbox_rank(), "waiting_since", "id", name="question_inbox_order"),
        ]
        constraints = [
            # A reason only when closed, and every closed conversation has one.
            models.CheckConstraint(
                condition=Q(status="closed", close_reason__gt="") | (~Q(status="closed") & Q(close_reason="")),
                name="close_reason_only_when_closed",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("qa:my_question", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    # What the customer reads of the state on My questions: "waiting on us" is staff's word.
    CUSTOMER_STATES = {
        Status.NEW: ("new", _("Waiting for an answer")),
        Status.WAITING_US: ("new", _("Waiting for an answer")),
        Status.WAITING_CUSTOMER: ("answered", _("Answered")),
        Status.CLOSED: ("closed", _("Closed")),
    }

    @property
    def customer_state(self) -> str:
        return self.CUSTOMER_STATES[self.status][0]

    @property
    def customer_state_label(self) -> str:
        return self.CUSTOMER_STATES[self.status][1]

    @property
    def staff_replies(self) -> list:
        """The staff replies the customer sees (reads prefetched messages when there are)."""
        return [message for message in self.messages.all() if message.kind == Message.Kind.REPLY]

    @property
    def is_spam(self) -> bool:
        return self.status == self.Status.CLOSED and self.close_reason == self.CloseReason.SPAM


class MessageQuerySet(models.QuerySet):
    def visible_to_customer(self):
        """What the customer sees of their conversation: never staff notes."""
        return self.exclude(kind=Message.Kind.NOTE)


class Message(models.Model):
    """One thing said in a conversation, by the customer or by staff."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        REPLY = "reply", _("Staff reply")
        NOTE = "note", _("Internal note")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EMAIL = "email", _("E-mail")
        X = "x", _("X")
        FACEBOOK = "facebook", _("Facebook")
        FEED = "feed", _("Feed")

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REPLY)
    # Staff for a reply or a note; the customer's site account for what they wrote on the site.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages_written",
        verbose_name=_("author"),
    )
    # The customer on a network.
    person = models.ForeignKey(
        "conversations.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("person"),
    )
    # Markdown for what was written on the site; plain text for what came from a network.
    body = models.TextField(_("message"), help_text=_("Markdown."), validators=MARKDOWN_LENGTH_VALIDATORS)
    # Always the one sanitiser's output (qa.markup).
    body_html = models.TextField(editable=False, default="")
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Private answers are visible only to the asker.")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The post, comment or feed item on the network: what a customer wrote
    # there, or (copied from its delivery once sent) our reply.
    remote_id = models.CharField(_("remote id"), max_length=200, blank=True)
    remote_url = models.URLField(_("link"), max_length=500, blank=True)
    # The remote id of the post this customer message answered (threading).
    in_reply_to_remote_id = models.CharField(_("in reply to"), max_length=200, blank=True)
    # X lets an app reply only to posts that mention or quote its account.
    mentions_account = models.BooleanField(_("mentions the account"), default=False)
    # A reply sent to a network goes through the outbox: its first post's
    # delivery (further posts of a thread chain from it) holds the sending state.
    delivery = models.OneToOneField(
        "publishing.Delivery",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="message",
        verbose_name=_("delivery"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            # Ingestion is idempotent: a post or comment is stored once.
            models.UniqueConstraint(
                fields=["channel", "remote_id"], condition=~Q(remote_id=""), name="one_message_per_remote_post"
            ),
        ]
        indexes = [
            models.Index(fields=["question", "created_at"]),
            # The weekly audit sample reads one week of replies out of every message ever written.
            models.Index(fields=["created_at"], name="message_created_at"),
        ]

    def __str__(self):
        return f"{self.question} ({self.created_at:%Y-%m-%d})"

    @property
    def is_from_customer(self) -> bool:
        return self.kind == self.Kind.CUSTOMER
