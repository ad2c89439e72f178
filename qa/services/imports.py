"""Services for importing FAQ entries one row at a time (import_faq, seed_demo):
checking and tidying a row, the key that finds its tip again, and creating or
updating that tip. A whole file goes through qa.import_batches, to the same result."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qa.models import Tip
from qa.search import normalize
from qa.services.categories import category_get_or_create
from qa.services.tips import tip_create, tip_publish, tip_update
from qa.text_safety import validate_no_nul, validate_title_characters

# Longest imported answer: far above any real FAQ entry, low enough to catch a
# CSV whose quoting went wrong and swallowed the rest of the file into one cell.
TIP_IMPORT_ANSWER_MAX_LENGTH = 20000


def tip_import_key(*, question: str) -> str:
    """What identifies an imported row: its question, normalised (NFKC, case,
    whitespace). Fixing a typo in the answer or moving the row updates the same
    tip; rewording the question makes a new one."""
    canonical = " ".join(normalize(question).split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def tip_import_clean(
    *, question: str, answer: str, category_name: str = "", tags: list[str] | None = None
) -> tuple[str, str, str, list[str]]:
    """One imported FAQ entry, checked and tidied: (question, answer,
    category name, sorted tags). Raises ValidationError with the reason."""
    question = question.strip()
    answer = answer.strip()
    category_name = " ".join(category_name.split())
    tags = sorted({tag.strip() for tag in tags or [] if tag.strip()})
    max_title = Tip._meta.get_field("title").max_length
    # NUL would be a database error on PostgreSQL; bidi controls could disguise a title.
    validate_title_characters(question)
    for text in (answer, category_name, *tags):
        validate_no_nul(text)
    if not question:
        raise ValidationError(_("The question is empty."))
    if not answer:
        raise ValidationError(_("The answer is empty."))
    if len(question) > max_title:
        raise ValidationError(
            _("The question is %(length)d characters long; at most %(max)d are allowed.")
            % {"length": len(question), "max": max_title}
        )
    if len(answer) > TIP_IMPORT_ANSWER_MAX_LENGTH:
        raise ValidationError(
            _("The answer is %(length)d characters long; at most %(max)d are allowed.")
            % {"length": len(answer), "max": TIP_IMPORT_ANSWER_MAX_LENGTH}
        )
    for tag in tags:
        if len(tag) > 100:
            raise ValidationError(_("The tag %(tag)r is longer than 100 characters.") % {"tag": tag[:20] + "…"})
    return question, answer, category_name, tags


@transaction.atomic
def tip_import_row(
    *, question: str, answer: str, category_name: str = "", tags: list[str] | None = None, announce: bool = False
) -> tuple[Tip, str]:
    """Create or update the published tip for one imported FAQ entry.

    Returns the tip and what happened: "created", "updated" or "unchanged".
    A new tip is published; `announce` decides whether it is also posted to the
    social channels. An existing tip keeps its status, so a tip staff
    unpublished stays unpublished when the file is imported again.
    (A whole file goes through qa.import_batches, in batches, to the same result.)
    """
    question, answer, category_name, tags = tip_import_clean(
        question=question, answer=answer, category_name=category_name, tags=tags
    )
    category = category_get_or_create(name=category_name) if category_name else None
    import_key = tip_import_key(question=question)

    tip = Tip.objects.filter(import_key=import_key).first()
    if tip is None:
        tip = tip_create(title=question, answer_text=answer, category=category, tags=tags, import_key=import_key)
        return tip_publish(tip=tip, announce=announce), "created"

    current_tags = sorted(tip.tags.names())
    if (tip.title, tip.answer_text, tip.category_id, current_tags) == (
        question,
        answer,
        category.pk if category else None,
        tags,
    ):
        return tip, "unchanged"
    tip = tip_update(tip=tip, title=question, answer_text=answer, category=category, tags=tags)
    return tip, "updated"
