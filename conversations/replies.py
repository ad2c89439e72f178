"""Replying where the customer wrote, on X and Facebook: staff replies, the
hand-over to a private channel, and likes (conversations.services re-exports
these; callers use that module).

A reply goes out through the publishing outbox (publishing.services.reply_enqueue):
the staff Message and its deliveries are created in one transaction, so the
reply is sent at most once by the same claim, reconcile and retries as tip posts,
and the message's sending state is its delivery's. When the first post is
recorded sent, publishing's delivery_sent signal copies its remote id and URL
to the message (publishing never imports conversations).

Refused, with a reason staff read (ReplyRefused), and nothing is created:
- the person (or the author of the post answered) is marked do not contact;
- the conversation has no customer post with a remote id to answer;
- on X, that post does not mention or quote the account (X lets a self-serve
  app reply only to those);
- the channel is not configured, or cannot send replies;
- the text needs more than three posts;
- the text shows personal data (qa.pii, the same check as tips) and staff have
  not confirmed it (ReplyNeedsPiiConfirmation carries the findings).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conversations import states
from conversations.compose import ReplyTooLong, reply_parts, reply_signature
from conversations.models import Network
from publishing import services as publishing_services
from publishing.channels import registry
from publishing.models import Delivery
from publishing.signals import delivery_sent
from qa.markup import plain_text_render
from qa.models import Message, Question
from qa.pii import pii_find

NETWORKS = (Network.X, Network.FACEBOOK)
# Between the posts of a thread, in the message that records what was sent.
PART_SEPARATOR = "\n\n"


class ReplyRefused(Exception):
    """A reply that must not be sent, with the reason staff read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReplyNeedsPiiConfirmation(ReplyRefused):
    """The reply shows what looks like personal data: staff must confirm it
    was checked (pii_confirmed=True) before it is sent."""

    def __init__(self, findings: list):
        self.findings = findings
        kinds = ", ".join(sorted({str(finding.label) for finding in findings}))
        super().__init__(
            _(
                "This public reply seems to contain personal data (%(kinds)s). Remove it, or confirm that you "
                "checked it and it may be public."
            )
            % {"kinds": kinds}
        )


# --- Checks ------------------------------------------------------------------------------------


def reply_target(question: Question) -> Message | None:
    """The post a reply answers: the customer's latest message that exists on the network."""
    return (
        question.messages.filter(kind=Message.Kind.CUSTOMER, channel=question.source)
        .exclude(remote_id="")
        .select_related("person")
        .order_by("-created_at", "-id")
        .first()
    )


def _do_not_contact_check(*people) -> None:
    for person in people:
        if person is not None and person.do_not_contact:
            raise ReplyRefused(
                _("%(person)s asked not to be contacted (%(reason)s). Nothing is sent to them.")
                % {"person": str(person), "reason": person.do_not_contact_reason or _("no reason given")}
            )


def _channel_for(network: str, *, likes: bool = False):
    label = Network(network).label
    try:
        channel = registry.get_channel(network)
    except ImproperlyConfigured:
        channel = None
    supported = channel is not None and (channel.supports_likes if likes else channel.supports_replies)
    if not supported:
        what = _("likes") if likes else _("replies")
        raise ReplyRefused(_("Tipcast cannot send %(what)s on %(network)s.") % {"what": what, "network": label})
    if not channel.enabled:
        raise ReplyRefused(
            _("%(network)s is not connected (its credentials are missing), so nothing can be sent there.")
            % {"network": label}
        )
    return channel


def reply_refusal(question: Question) -> str:
    """Why staff cannot reply on the network to this conversation at all ("" when
    they can): what the composer shows before anything is typed."""
    try:
        _reply_checks(question)
    except ReplyRefused as refusal:
        return refusal.message
    return ""


def _reply_checks(question: Question) -> tuple[Message, object]:
    """Everything that refuses any reply to this conversation; returns the
    post to answer and the channel that sends the reply."""
    if question.source not in NETWORKS:
        raise ReplyRefused(_("This conversation is not on X or Facebook."))
    target = reply_target(question)
    _do_not_contact_check(question.person, target.person if target else None)
    if target is None:
        raise ReplyRefused(_("There is no post from the customer on the network to reply to."))
    if question.source == Network.X and not target.mentions_account:
        raise ReplyRefused(
            _(
                "X lets an app reply only to posts that mention or quote the account, and the customer's latest "
                "post does not. Reply on X by hand, or wait for a post that mentions the account."
            )
        )
    return target, _channel_for(question.source)


def _split(*, question: Question, author, body: str, target: Message, channel) -> list[str]:
    """The posts the reply becomes (signature, @handle on X, numbering):
    conversations.compose.reply_parts, the one splitter; refused beyond what
    the channel threads (three posts on X, one comment on Facebook)."""
    language = _language(question)
    person = target.person or question.person
    try:
        parts = reply_parts(
            text=body,
            network=question.source,
            handle=person.handle if person is not None else "",
            language=language,
            signature=reply_signature(user=author, language=language),
        )
    except ReplyTooLong as error:
        raise ReplyRefused(str(error)) from error
    if len(parts) > channel.reply_max_parts:
        raise ReplyRefused(
            _("This reply needs %(parts)d posts; %(network)s takes at most %(limit)d. Shorten it.")
            % {"parts": len(parts), "network": Network(question.source).label, "limit": channel.reply_max_parts}
        )
    return parts


def _language(question: Question) -> str:
    return question.language or settings.LANGUAGE_CODE


def _render(text: str) -> str:
    """The message's HTML: a network reply is plain text, through the one sanitiser."""
    return plain_text_render(text).html


# --- Replying ----------------------------------------------------------------------------------


def network_reply(*, question: Question, author, body: str, pii_confirmed: bool = False) -> Message:
    """Staff reply publicly on the network the conversation lives on (the
    network branch of conversations.services.conversation_reply)."""
    if not body.strip():
        raise ReplyRefused(_("A message cannot be empty."))
    target, channel = _reply_checks(question)
    parts = _split(question=question, author=author, body=body, target=target, channel=channel)
    findings = pii_find(PART_SEPARATOR.join(parts))
    if findings and not pii_confirmed:
        raise ReplyNeedsPiiConfirmation(findings)
    return _reply_record(question=question, author=author, parts=parts, target=target)


@transaction.atomic
def _reply_record(*, question: Question, author, parts: list[str], target: Message) -> Message:
    # Locked, so two staff sending at once queue their replies one after the other
    # (the caller's instance is kept: the state change below is mirrored on it).
    Question.objects.select_for_update().filter(pk=question.pk).first()
    text = PART_SEPARATOR.join(parts)
    delivery = publishing_services.reply_enqueue(channel=question.source, in_reply_to=target.remote_id, parts=parts)
    now = timezone.now()
    message = Message.objects.create(
        question=question,
        kind=Message.Kind.REPLY,
        author=author,
        body=text,
        body_html=_render(text),
        is_public=True,
        channel=question.source,
        language=_language(question),
        delivery=delivery,
        created_at=now,
    )
    states.after_staff_reply(question, at=now)
    return message


def _handover_text(*, question: Question, link: str) -> str:
    with translation.override(_language(question)):
        return _(
            "Thank you for getting in touch. So that we can look into this without sharing your details in "
            "public, please write to us privately here: %(link)s"
        ) % {"link": link}


def conversation_hand_over(*, question: Question, author) -> Message:
    """Post a short public reply pointing to the private ask form (pre-filled,
    signed for this person and conversation) and close the conversation as
    handed over. The customer's web question then joins the person's history."""
    target, channel = _reply_checks(question)
    person = target.person or question.person
    if person is None:
        raise ReplyRefused(_("The customer on the network is unknown, so there is no one to hand over to."))
    from conversations.handover import handover_link  # conv-web's signed link to the ask form

    body = _handover_text(question=question, link=handover_link(person=person, question=question))
    parts = _split(question=question, author=author, body=body, target=target, channel=channel)
    with transaction.atomic():
        message = _reply_record(question=question, author=author, parts=parts, target=target)
        states.close(question, reason=Question.CloseReason.HANDED_OVER, at=timezone.now())
    return message


# --- Likes -------------------------------------------------------------------------------------


def message_like(*, message: Message) -> Delivery:
    """Like the customer's post (thanks and praise, seed 003) where the network
    allows it. Liking the same post again returns the like already queued or sent."""
    if message.kind != Message.Kind.CUSTOMER or message.channel not in NETWORKS or not message.remote_id:
        raise ReplyRefused(_("Only a customer's post on X or Facebook can be liked."))
    _do_not_contact_check(message.person, message.question.person)
    _channel_for(message.channel, likes=True)
    with transaction.atomic():
        # Locked, so a double click queues one like.
        Question.objects.select_for_update().filter(pk=message.question_id).first()
        existing = (
            Delivery.objects.filter(
                purpose=Delivery.Purpose.LIKE, channel=message.channel, in_reply_to=message.remote_id
            )
            .exclude(status__in=[Delivery.Status.CANCELLED, Delivery.Status.FAILED])
            .first()
        )
        if existing is not None:
            return existing
        return publishing_services.like_enqueue(channel=message.channel, remote_id=message.remote_id)


# --- Sent ---------------------------------------------------------------------------------------


@receiver(delivery_sent, dispatch_uid="conversations.replies.message_sent")
def message_record_sent(*, delivery: Delivery, remote, **kwargs) -> None:
    """A reply's first post is on the network: the message records where
    (its remote id also keeps ingestion from reading our own reply back as
    the customer's)."""
    if delivery.purpose != Delivery.Purpose.REPLY or delivery.part != 1 or not remote.id:
        return
    Message.objects.filter(delivery_id=delivery.pk).update(
        remote_id=remote.id, remote_url=remote.url, updated_at=timezone.now()
    )
