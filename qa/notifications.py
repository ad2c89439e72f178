"""E-mails about questions. Called by services after the transaction commits,
so a rolled-back change never sends mail."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def staff_recipients() -> list[str]:
    if settings.STAFF_NOTIFY_EMAILS:
        return list(settings.STAFF_NOTIFY_EMAILS)
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(users.values_list("email", flat=True))


def send_templated_mail(*, template: str, context: dict, recipients: list[str]) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` and send them.
    A mail-server failure is logged, never raised: the change that caused the
    mail is already saved."""
    if not recipients:
        return
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        # The change itself is saved; a mail server outage must not undo it.
        logger.exception("Could not send %s to %d recipient(s)", template, len(recipients))


def staff_new_question(*, question_id: int) -> None:
    from qa.models import Question

    question = Question.objects.select_related("asker", "category").get(pk=question_id)
    context = {
        "question": question,
        "admin_url": settings.SITE_URL + reverse("admin:qa_question_change", args=[question.pk]),
    }
    send_templated_mail(template="qa/email/staff_new_question", context=context, recipients=staff_recipients())


def staff_customer_follow_up(*, message_id: int) -> None:
    """The customer wrote again: tell the assignee, or every staff member when
    nobody is assigned. Staff read it in the site's language (settings.LANGUAGE_CODE),
    never in the language the customer happened to browse in."""
    from qa.models import Message

    message = Message.objects.select_related("question__asker", "question__assignee").get(pk=message_id)
    question = message.question
    assignee = question.assignee
    if assignee is not None and assignee.is_active and assignee.email:
        recipients = [assignee.email]
    else:
        recipients = staff_recipients()
    context = {
        "question": question,
        "message": message,
        "attachment_count": message.attachments.count(),
        "conversation_url": settings.SITE_URL + reverse("admin:qa_question_change", args=[question.pk]),
    }
    with translation.override(settings.LANGUAGE_CODE):
        send_templated_mail(template="qa/email/staff_follow_up", context=context, recipients=recipients)


def asker_question_answered(*, answer_id: int) -> None:
    from qa.models import Message

    answer = Message.objects.select_related("question__asker").get(pk=answer_id)
    question = answer.question
    if question.asker is None or not question.asker.email:
        return
    context = {
        "question": question,
        "answer": answer,
        "question_url": settings.SITE_URL + question.get_absolute_url(),
    }
    # Written in the language the customer asked in.
    with translation.override(question.language or settings.LANGUAGE_CODE):
        send_templated_mail(template="qa/email/question_answered", context=context, recipients=[question.asker.email])
