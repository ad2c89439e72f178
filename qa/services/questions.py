"""Services for questions and messages on the site: asking, answering, the
customer's attached images, and the saved replies staff answer with."""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import states
from qa import notifications
from qa.attachments import CleanImage
from qa.content_language import language_detect
from qa.markup import render_markdown
from qa.models import Category, Message, MessageAttachment, Question, SavedReply


@transaction.atomic
def question_create(
    *, asker, title: str, body: str, category: Category | None = None, language: str = "", person=None
) -> Question:
    """A customer asks on the site: a conversation that began on the web. Its
    opening is also its first message, so the history reads the same on every channel."""
    now = timezone.now()
    rendered_html = render_markdown(body)
    question = Question(
        asker=asker,
        person=person,
        title=title.strip(),
        body=body,
        body_html=rendered_html,
        category=category,
        language=language or language_detect(f"{title}\n{body}"),
        created_at=now,
        waiting_since=now,
        last_customer_message_at=now,
    )
    question.full_clean()
    question.save()
    message_create(question=question, kind=Message.Kind.CUSTOMER, author=asker, body=body, created_at=now)
    transaction.on_commit(lambda: notifications.staff_new_question(question_id=question.pk))
    return question


def message_create(
    *, question: Question, kind: str, author, body: str, is_public: bool = True, created_at=None
) -> Message:
    """Store something said on the site in a conversation (the customer's
    opening or follow-up, a staff reply or note): rendered by the one
    sanitiser, in the conversation's language, validated. Callers own the
    conversation's state and the e-mails."""
    message = Message(
        question=question,
        kind=kind,
        author=author,
        body=body,
        body_html=render_markdown(body),
        is_public=is_public,
        channel=Message.Channel.WEB,
        language=question.language,
        created_at=created_at or timezone.now(),
    )
    message.full_clean()
    message.save()
    return message


@transaction.atomic
def question_answer(*, question: Question, author, body: str, is_public: bool) -> Message:
    """Record a staff answer on the web. The asker is e-mailed; the
    conversation now waits on the customer (conversations.states)."""
    if not body.strip():
        raise ValidationError({"body": _("An answer cannot be empty.")})
    answer = message_create(question=question, kind=Message.Kind.REPLY, author=author, body=body, is_public=is_public)
    states.after_staff_reply(question, at=answer.created_at)
    transaction.on_commit(lambda: notifications.asker_question_answered(answer_id=answer.pk))
    return answer


def message_attachments_add(*, message: Message, images: list[CleanImage]) -> list[MessageAttachment]:
    """Store the cleaned images (qa.attachments) of a customer's message in the
    private storage. Files written before a failure are removed again."""
    attachments = []
    try:
        for image in images:
            attachment = MessageAttachment(
                message=message,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                bytes=len(image.content),
            )
            # A random name: the customer's file name says nothing we need and may say too much.
            attachment.file.save(f"{secrets.token_hex(16)}.{image.extension}", ContentFile(image.content), save=False)
            attachments.append(attachment)
            attachment.save()
    except BaseException:
        for attachment in attachments:
            attachment.file.delete(save=False)
        raise
    return attachments


def saved_reply_create(*, title: str, body: str, order: int = 0) -> SavedReply:
    reply = SavedReply(title=title, body=body, order=order)
    reply.full_clean()
    reply.save()
    return reply
