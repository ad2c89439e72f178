"""Services: every change to questions, answers and tips goes through here.

Plain functions with keyword arguments, named <entity>_<action>. Views, the
admin, management commands and tasks call them and hold no logic of their own.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from qa import notifications
from qa.markup import render_markdown
from qa.models import Answer, Category, Question, SavedReply, Tip, TipVote
from qa.search import normalize

# --- Questions ----------------------------------------------------------------------


@transaction.atomic
def question_create(*, asker, title: str, body: str, category: Category | None = None) -> Question:
    question = Question(asker=asker, title=title.strip(), body=body, category=category)
    question.body_html = render_markdown(body)
    question.full_clean()
    question.save()
    transaction.on_commit(lambda: notifications.staff_new_question(question_id=question.pk))
    return question


@transaction.atomic
def question_answer(*, question: Question, author, body: str, is_public: bool) -> Answer:
    """Record a staff answer. The asker is e-mailed; a first answer moves a new
    question to answered."""
    if not body.strip():
        raise ValidationError({"body": "An answer cannot be empty."})
    answer = Answer(question=question, author=author, body=body, is_public=is_public)
    answer.body_html = render_markdown(body)
    answer.full_clean()
    answer.save()
    now = timezone.now()
    updates = {"updated_at": now}
    if question.first_answered_at is None:
        updates["first_answered_at"] = now
    if question.status == Question.Status.NEW:
        updates["status"] = Question.Status.ANSWERED
    Question.objects.filter(pk=question.pk).update(**updates)
    for field, value in updates.items():
        setattr(question, field, value)
    transaction.on_commit(lambda: notifications.asker_question_answered(answer_id=answer.pk))
    return answer


def question_assign(*, question: Question, assignee) -> Question:
    question.assignee = assignee
    question.save(update_fields=["assignee", "updated_at"])
    return question


def question_mark_spam(*, questions) -> int:
    """Mark questions as spam; returns how many changed."""
    return Question.objects.filter(pk__in=[q.pk for q in questions]).exclude(status=Question.Status.SPAM).update(
        status=Question.Status.SPAM, updated_at=timezone.now()
    )


def question_close(*, question: Question) -> Question:
    question.status = Question.Status.CLOSED
    question.save(update_fields=["status", "updated_at"])
    return question


# --- Tips ------------------------------------------------------------------------------


def _tip_slug(title: str) -> str:
    return slugify(title, allow_unicode=True)[:80].strip("-") or "tip"


def _tip_refresh_derived(tip: Tip) -> None:
    """Fill the columns derived from the public text: HTML and search text."""
    tip.question_html = render_markdown(tip.question_text)
    tip.answer_html = render_markdown(tip.answer_text)
    tip.search_title = normalize(tip.title)
    tip.search_body = normalize(f"{tip.question_text}\n{tip.answer_text}")
    if not tip.slug:
        tip.slug = _tip_slug(tip.title)


@transaction.atomic
def tip_create(
    *,
    title: str,
    answer_text: str,
    question_text: str = "",
    category: Category | None = None,
    tags: list[str] | None = None,
    slug: str = "",
    question: Question | None = None,
    answer: Answer | None = None,
    import_key: str | None = None,
) -> Tip:
    """Create a draft tip, from scratch or from a question and its answer."""
    tip = Tip(
        title=title.strip(),
        slug=slug,
        question_text=question_text,
        answer_text=answer_text,
        category=category,
        question=question,
        answer=answer,
        import_key=import_key,
    )
    _tip_refresh_derived(tip)
    tip.full_clean(exclude=["tags"])
    tip.save()
    if tags:
        tip.tags.set(tags)
    return tip


def tip_create_from_answer(*, answer: Answer) -> Tip:
    """Start a draft tip whose public text is a copy of the customer's question
    and the staff answer. Staff edit it before publishing; the originals stay
    private on the Question and Answer."""
    question = answer.question
    existing = Tip.objects.filter(question=question).first()
    if existing is not None:
        return existing
    return tip_create(
        title=question.title,
        question_text=question.body,
        answer_text=answer.body,
        category=question.category,
        question=question,
        answer=answer,
    )


@transaction.atomic
def tip_update(*, tip: Tip, tags: list[str] | None = None, **fields) -> Tip:
    """Change a tip's public text or metadata. Never posts it again: editing a
    published tip only changes the page the posts link to."""
    editable = {"title", "slug", "question_text", "answer_text", "category"}
    unknown = set(fields) - editable
    if unknown:
        raise TypeError(f"tip_update() cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(tip, name, value)
    if tip.is_published and "slug" in fields and not fields["slug"]:
        raise ValidationError({"slug": "A published tip keeps its slug."})
    _tip_refresh_derived(tip)
    tip.full_clean(exclude=["tags"])
    tip.save()
    if tags is not None:
        tip.tags.set(tags)
    return tip


@transaction.atomic
def tip_publish(*, tip: Tip, announce: bool = True) -> Tip:
    """Make a tip public. `announce=False` publishes without social posts
    (bulk imports)."""
    tip = Tip.objects.select_for_update().get(pk=tip.pk)
    if tip.is_published:
        return tip
    tip.status = Tip.Status.PUBLISHED
    tip.published_at = tip.published_at or timezone.now()
    tip.save(update_fields=["status", "published_at", "updated_at"])
    return tip


@transaction.atomic
def tip_unpublish(*, tip: Tip) -> Tip:
    tip = Tip.objects.select_for_update().get(pk=tip.pk)
    if tip.status != Tip.Status.PUBLISHED:
        return tip
    tip.status = Tip.Status.UNPUBLISHED
    tip.save(update_fields=["status", "updated_at"])
    return tip


def tip_vote(*, tip: Tip, voter_key: str, helpful: bool) -> bool:
    """Count one "was this helpful?" vote per visitor. Returns False when this
    visitor had already voted (the first vote stands)."""
    try:
        with transaction.atomic():
            TipVote.objects.create(tip=tip, voter_key=voter_key, helpful=helpful)
            counter = "helpful_yes" if helpful else "helpful_no"
            Tip.objects.filter(pk=tip.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:
        return False
    return True


# --- Saved replies ----------------------------------------------------------------------


def saved_reply_create(*, title: str, body: str, order: int = 0) -> SavedReply:
    reply = SavedReply(title=title, body=body, order=order)
    reply.full_clean()
    reply.save()
    return reply

