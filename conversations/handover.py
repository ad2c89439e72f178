"""Hand a public conversation over to a private channel (seeds 001, 002).

When an order, money or personal data comes up on X or Facebook, staff post a
short public reply with a link to the ask form. The link is signed: it names
the person on the network and the conversation, and it expires. A customer
who signs in and sends the form through it starts a web conversation that
joins the same person's history (Question.person), and their site account is
linked to that person if it was not linked yet.

The link travels in a public post, so anyone can open it. Holding it proves
nothing about who you are: it only pre-fills the form and files the new
question under the person. A person already linked to another site account
is never relinked, and that account's questions are never shown to anyone
else (My questions lists the asker's own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from conversations.models import Person

SALT = "conversations.handover"
# The ask form's query parameter and hidden field that carry the token.
PARAMETER = "handover"


@dataclass(frozen=True)
class Handover:
    person: Person
    question: object  # qa.Question: the public conversation handed over

    @property
    def title(self) -> str:
        """The ask form's pre-filled title: "Re: <the conversation's title>", within the title's limit."""
        title = _("Re: %(title)s") % {"title": self.question.title}
        return title[: settings.QUESTION_TITLE_MAX_LENGTH]


def _max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.CONVERSATION_HANDOVER_LINK_DAYS)


def handover_token(*, person: Person, question) -> str:
    return signing.dumps({"person": person.pk, "question": question.pk}, salt=SALT, compress=True)


def handover_link(*, person: Person, question) -> str:
    """The absolute address of the ask form, pre-filled for `person` about `question`."""
    query = urlencode({PARAMETER: handover_token(person=person, question=question)})
    return f"{settings.SITE_URL}{reverse('qa:ask')}?{query}"


def handover_read(token: str) -> Handover | None:
    """The hand-over a token names, or None when it is forged, expired or its
    person or conversation is gone (the form then works as a plain ask form)."""
    from qa.models import Question

    if not token:
        return None
    try:
        payload = signing.loads(token, salt=SALT, max_age=_max_age())
        person = Person.objects.get(pk=int(payload["person"]))
        question = Question.objects.get(pk=int(payload["question"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Person.DoesNotExist, Question.DoesNotExist):
        return None
    return Handover(person=person, question=question)


@transaction.atomic
def handover_question_create(*, handover: Handover, asker, **fields):
    """The customer's question sent through a hand-over link: it joins the
    person's history, and links the person to the asker's account when the
    person had none. A person linked to someone else keeps their link, and the
    question then stands alone (the link was public; it proves nothing)."""
    from qa import services as qa_services

    person = Person.objects.select_for_update().get(pk=handover.person.pk)
    if person.user_id is None:
        person.user = asker
        person.save(update_fields=["user", "updated_at"])
    joins = person.user_id == asker.pk
    return qa_services.question_create(asker=asker, person=person if joins else None, **fields)
