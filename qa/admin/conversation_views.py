"""The conversation page's own buttons, each a POST to its own address (the
page's main form saves the state and sends the reply), and what the page shows
beside the form. Thin: every change is a conversations service.

Each view takes the QuestionAdmin, so that permissions are the admin's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext

from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from qa.admin.forms import ANSWER_PUBLICLY
from qa.admin.inbox_filters import database_id
from qa.models import Question, SavedReply

# Longer than any note staff write; bounds what one POST stores.
NOTE_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000
CHANGE_PERSON = "conversations.change_person"
# The same customer's other conversations listed beside this one (newest first).
EARLIER_SHOWN = 10


def page_context(model_admin, request, object_id) -> dict:
    """What the conversation page shows around the form (empty for an unknown id:
    the admin's change view then answers as it does)."""
    question = (
        Question.objects.select_related("asker", "person", "person__do_not_contact_by", "assignee")
        .filter(pk=database_id(str(object_id)))
        .first()
    )
    if question is None:
        return {}
    # Imported here: those views build on this module's POST helpers.
    from qa.admin import network_reply_views

    history = conversation_selectors.conversation_history(question=question)
    return {
        "conversation": question,
        "history": history,
        "has_reply": any(message.kind == message.Kind.REPLY for message in history),
        "earlier_conversations": list(
            conversation_selectors.conversation_earlier(question=question, limit=EARLIER_SHOWN)
        ),
        "can_reply_here": _can_reply_here(question),
        "can_note": hasattr(conversation_services, "conversation_note"),
        "can_mark_person": request.user.has_perm(CHANGE_PERSON) and question.person_id is not None,
        "saved_replies": list(SavedReply.objects.all()),
        "answer_publicly_button": ANSWER_PUBLICLY,
        # X and Facebook: the composer, the hand-over and likes (qa.admin.network_reply_views).
        **network_reply_views.network_reply_context(request, question),
    }


def _can_reply_here(question: Question) -> bool:
    """The web answer form (private or public, which may start a tip). X and
    Facebook conversations get the composer instead (network_reply_views);
    feed items are answered on the blog and recorded."""
    return question.source == Question.Source.WEB


def _question_for_change(model_admin, request, object_id) -> Question:
    if request.method != "POST":
        raise _NotPost
    question = get_object_or_404(Question.objects.select_related("person"), pk=object_id)
    if not model_admin.has_change_permission(request, question):
        raise PermissionDenied
    return question


class _NotPost(Exception):
    pass


def _post_only(view):
    def wrapped(model_admin, request, object_id):
        try:
            return view(model_admin, request, object_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])

    wrapped.__name__ = view.__name__
    return wrapped


def _back(question: Question) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:qa_question_change", args=[question.pk]))


@_post_only
def assign_to_me(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    conversation_services.conversation_assign(question=question, assignee=request.user)
    model_admin.message_user(request, gettext("The conversation is assigned to you."), messages.SUCCESS)
    return _back(question)


@_post_only
def add_note(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    body = request.POST.get("note", "")
    if not body.strip():
        model_admin.message_user(request, gettext("Write the note before adding it."), messages.ERROR)
    elif len(body) > NOTE_MAX_LENGTH:
        model_admin.message_user(
            request,
            gettext("Keep the note under %(limit)d characters (it has %(count)d).")
            % {"limit": NOTE_MAX_LENGTH, "count": len(body)},
            messages.ERROR,
        )
    else:
        conversation_services.conversation_note(question=question, author=request.user, body=body)
        added = gettext("Your note was added (the customer never sees it).")
        model_admin.message_user(request, added, messages.SUCCESS)
    return _back(question)


def _person_for_change(model_admin, request, object_id):
    question = _question_for_change(model_admin, request, object_id)
    if not request.user.has_perm(CHANGE_PERSON):
        raise PermissionDenied
    if question.person is None:
        model_admin.message_user(
            request, gettext("This conversation has no person on a network to mark."), messages.ERROR
        )
    elif request.POST.get("confirm") != "yes":
        model_admin.message_user(request, gettext("Tick the confirmation box to go on."), messages.ERROR)
        return question, None
    return question, question.person


@_post_only
def mark_do_not_contact(model_admin, request, object_id):
    question, person = _person_for_change(model_admin, request, object_id)
    if person is None:
        return _back(question)
    reason = request.POST.get("reason", "")
    if len(reason) > REASON_MAX_LENGTH:
        model_admin.message_user(
            request,
            gettext("Keep the reason under %(limit)d characters (it has %(count)d).")
            % {"limit": REASON_MAX_LENGTH, "count": len(reason)},
            messages.ERROR,
        )
        return _back(question)
    try:
        conversation_services.person_mark_do_not_contact(person=person, by=request.user, reason=reason)
    except ValidationError as error:
        model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
        return _back(question)
    model_admin.message_user(
        request, gettext("%(person)s is marked: nothing will be sent to them.") % {"person": person}, messages.SUCCESS
    )
    return _back(question)


@_post_only
def clear_do_not_contact(model_admin, request, object_id):
    question, person = _person_for_change(model_admin, request, object_id)
    if person is None:
        return _back(question)
    conversation_services.person_clear_do_not_contact(person=person)
    model_admin.message_user(
        request, gettext("%(person)s may be contacted again.") % {"person": person}, messages.SUCCESS
    )
    return _back(question)
