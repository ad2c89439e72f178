"""Replying on X and Facebook from the conversation page: the composer
(conversations.forms.ReplyComposerForm), the hand-over to a private channel
and the like. Each is a POST to its own address; every change is a
conversations service, which refuses (ReplyRefused) what must not be sent.

A refused or invalid reply loses nothing: what staff typed is kept in their
session and the page shows it again, bound, with the reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from conversations import services as conversation_services
from conversations.compose import reply_signature
from conversations.forms import ReplyComposerForm
from conversations.replies import NETWORKS, ReplyNeedsPiiConfirmation, reply_refusal
from qa.admin.conversation_views import _back, _post_only, _question_for_change
from qa.models import Message, Question

# The composer's inputs live inside the admin's own form on the page (forms
# cannot nest): they name this separate form with the `form` attribute.
COMPOSER_FORM_ID = "tipcast-reply-form"
_DRAFT_KEY = "tipcast-reply-draft-{pk}"
_DRAFT_FIELDS = ("text", "saved_reply", "tip", "pii_confirmed")


def _composer(question: Question, user, data=None) -> ReplyComposerForm:
    language = question.language or "en"
    form = ReplyComposerForm(
        data,
        network=question.source,
        handle=question.person.handle if question.person_id else "",
        language=language,
        signature=reply_signature(user=user, language=language),
        prefix="composer",
    )
    for field in form.fields.values():
        field.widget.attrs["form"] = COMPOSER_FORM_ID
    return form


def network_reply_context(request, question: Question) -> dict:
    """What the conversation page needs to reply on the network ({} on the web and in feeds)."""
    if question.source not in NETWORKS:
        return {}
    refusal = reply_refusal(question)
    draft = request.session.pop(_DRAFT_KEY.format(pk=question.pk), None)
    composer = None
    if not refusal:
        composer = _composer(question, request.user, data=draft)
        if draft is not None:
            composer.is_valid()  # shows the errors the draft came back with
    return {
        "network_reply": True,
        "reply_refusal": refusal,
        "composer": composer,
        "composer_form_id": COMPOSER_FORM_ID,
        "likeable": {m.pk for m in _likeable_messages(question)} if not refusal else set(),
    }


def _likeable_messages(question: Question):
    return question.messages.filter(kind=Message.Kind.CUSTOMER, channel__in=NETWORKS).exclude(remote_id="")


def _keep_draft(request, question: Question) -> None:
    request.session[_DRAFT_KEY.format(pk=question.pk)] = {
        f"composer-{name}": request.POST.get(f"composer-{name}", "") for name in _DRAFT_FIELDS
    }


@_post_only
def send_reply(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    if question.source not in NETWORKS:
        # The web has its own answer form on the page (private or public, which may start a tip).
        model_admin.message_user(request, gettext("This conversation is not on X or Facebook."), messages.ERROR)
        return _back(question)
    form = _composer(question, request.user, data=request.POST)
    if not form.is_valid():
        _keep_draft(request, question)
        model_admin.message_user(request, gettext("The reply was not sent: see below."), messages.ERROR)
        return _back(question)
    try:
        message = conversation_services.conversation_reply(
            question=question,
            author=request.user,
            body=form.cleaned_data["reply_text"],
            pii_confirmed=form.cleaned_data.get("pii_confirmed", False),
        )
    except ReplyNeedsPiiConfirmation as refusal:
        _keep_draft(request, question)
        model_admin.message_user(request, refusal.message, messages.ERROR)
        return _back(question)
    except conversation_services.ReplyRefused as refusal:
        _keep_draft(request, question)
        model_admin.message_user(request, refusal.message, messages.ERROR)
        return _back(question)
    sent = gettext("Your reply is on its way to %(channel)s; its state shows beside it.")
    model_admin.message_user(request, sent % {"channel": message.get_channel_display()}, messages.SUCCESS)
    return _back(question)


@_post_only
def hand_over(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    try:
        conversation_services.conversation_hand_over(question=question, author=request.user)
    except conversation_services.ReplyRefused as refusal:
        model_admin.message_user(request, refusal.message, messages.ERROR)
        return _back(question)
    model_admin.message_user(
        request,
        gettext("A reply pointing to the private ask form is on its way; the conversation is closed as handed over."),
        messages.SUCCESS,
    )
    return _back(question)


@_post_only
def like(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    message = get_object_or_404(_likeable_messages(question), pk=request.POST.get("message") or 0)
    try:
        conversation_services.message_like(message=message)
    except conversation_services.ReplyRefused as refusal:
        model_admin.message_user(request, refusal.message, messages.ERROR)
        return _back(question)
    model_admin.message_user(request, gettext("Liked (thanks sent)."), messages.SUCCESS)
    return _back(question)
