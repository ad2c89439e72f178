"""Services: every change to questions, answers and tips goes through here.

Plain functions with keyword arguments, named <entity>_<action>. Views, the
admin, management commands and tasks call them and hold no logic of their own.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from conversations import states
from qa import notifications, page_cache, related, share_image_store
from qa.attachments import CleanImage
from qa.content_language import language_detect
from qa.markup import markdown_render, render_markdown
from qa.models import (
    TIP_EXCERPT_LENGTH,
    Category,
    Message,
    MessageAttachment,
    Question,
    SavedReply,
    Tip,
    TipVote,
)
from qa.phrases import truncate
from qa.pii import PiiFinding, pii_find
from qa.search import normalize
from qa.search.tokens import document_text
from qa.slugs import tip_slug
from qa.text_safety import validate_no_nul, validate_title_characters

# --- Questions ----------------------------------------------------------------------


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


# --- Tips ------------------------------------------------------------------------------


def _tip_refresh_derived(tip: Tip, *, stored_texts: tuple[str, str] | None = None) -> None:
    """Fill the columns derived from the public text: HTML, plain text, excerpt and search text.

    `stored_texts` is the (question_text, answer_text) the database holds for
    this tip: a text that has not changed keeps the HTML and plain text stored
    with it instead of being rendered again (an edit of the title, category or
    tags renders nothing).

    The search columns hold the tip's index tokens (qa.search.tokens); the
    database indexes them in the same transaction (qa.search.index)."""
    stored_question, stored_answer = stored_texts or (None, None)
    if tip.question_text != stored_question or (tip.question_text and not tip.question_html):
        rendered = markdown_render(tip.question_text)
        tip.question_html, tip.question_plain = rendered.html, rendered.text
    if tip.answer_text != stored_answer or (tip.answer_text and not tip.answer_html) or not tip.excerpt:
        rendered = markdown_render(tip.answer_text)
        tip.answer_html, tip.answer_plain = rendered.html, rendered.text
        tip.excerpt = truncate(tip.answer_plain, TIP_EXCERPT_LENGTH)
    tip.search_title = document_text(tip.title, single_kana=True)
    tip.search_body = document_text(f"{tip.question_plain}\n{tip.answer_plain}")
    if not tip.language:
        tip.language = language_detect(f"{tip.title}\n{tip.answer_plain}")
    if not tip.slug:
        tip.slug = tip_slug(tip.title)


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
    answer: Message | None = None,
    import_key: str | None = None,
    language: str = "",
) -> Tip:
    """Create a draft tip, from scratch or from a question and its answer.
    Without a `language`, it is detected from the text."""
    tip = Tip(
        title=title.strip(),
        language=language,
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
    share_image_store.tip_share_image_enqueue(tip_id=tip.pk)
    return tip


def tip_create_from_answer(*, answer: Message) -> Tip:
    """Start a draft tip whose public text is a copy of the customer's question
    and the staff answer. Staff edit it before publishing; the originals stay
    private in the conversation."""
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
    editable = {"title", "slug", "question_text", "answer_text", "category", "language"}
    unknown = set(fields) - editable
    if unknown:
        raise TypeError(f"tip_update() cannot change {', '.join(sorted(unknown))}")
    share_image_before = share_image_store.tip_share_image_name(tip)
    # The admin's form has already set the new values on `tip`: read what is stored.
    stored_title, stored_slug, stored_category_id, stored_language, *stored_texts = (
        Tip.objects.filter(pk=tip.pk)
        .values_list("title", "slug", "category_id", "language", "question_text", "answer_text")
        .first()
    ) or (None, None, None, "", None, None)
    # Compared with the stored slug, not `tip.slug`: the form already set the
    # typed slug on `tip`, so staff's edit would look like no edit at all.
    slug_edited = "slug" in fields and fields["slug"] != stored_slug
    stored_tags = sorted(tip.tags.names())
    for name, value in fields.items():
        setattr(tip, name, value)
    if slug_edited and not fields["slug"] and tip.is_published:
        raise ValidationError({"slug": _("A published tip keeps its slug.")})
    if slug_edited:
        # Staff's own words, made a valid slug the same way (lower case, ASCII, capped).
        tip.slug = tip_slug(fields["slug"])
    elif tip.published_at is None and stored_slug == tip_slug(stored_title or ""):
        # Until a tip first goes public, its address follows the public title:
        # the first draft copies the customer's title, and their wording must
        # not survive in the URL once staff have rewritten it. A slug that is
        # not the title's own was typed by staff: it stays.
        tip.slug = tip_slug(tip.title)
    _tip_refresh_derived(tip, stored_texts=tuple(stored_texts))
    tip.full_clean(exclude=["tags"])
    tip.save()
    if tags is not None:
        tip.tags.set(tags)
    if share_image_store.tip_share_image_name(tip) != share_image_before:
        # Title or category changed: the image shows them. Body edits leave it alone.
        share_image_store.tip_share_image_enqueue(tip_id=tip.pk)
    if tip.is_published:
        if tags is not None and sorted(tip.tags.names()) != stored_tags:
            related.related_tips_after_retag(tip=tip)
        if tip.category_id != stored_category_id or tip.language != stored_language:
            _category_counts_refresh(stored_category_id, tip.category_id)
        page_cache.invalidate_all()
    return tip


def _category_counts_refresh(*category_ids) -> None:
    """Recount the published tips of these categories (an indexed count of one
    category). The category row is locked first, so two transactions that
    change one category count in turn and the later sees the earlier's tip."""
    for pk in sorted({pk for pk in category_ids if pk is not None}):
        if Category.objects.select_for_update().filter(pk=pk).exists():
            counts = dict(
                Tip.objects.published()
                .filter(category_id=pk)
                .order_by()
                .values_list("language")
                .annotate(count=Count("pk"))
            )
            Category.objects.filter(pk=pk).update(published_tip_count=sum(counts.values()), published_tip_counts=counts)


def public_reads_refresh(*, batch_size: int = 500) -> int:
    """Rebuild what the public pages read instead of computing it: every
    published tip's related list and every category's count. For an upgrade or
    a bulk load; the services keep both up to date otherwise. Returns the
    number of tips."""
    tip_ids = list(Tip.objects.published().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(tip_ids), batch_size):
        with transaction.atomic():
            related.related_tips_refresh(tip_ids=tip_ids[start : start + batch_size])
    with transaction.atomic():
        _category_counts_refresh(*Category.objects.values_list("pk", flat=True))
        page_cache.invalidate_all()
    return len(tip_ids)


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
    related.related_tips_after_publish(tip=tip)
    _category_counts_refresh(tip.category_id)
    page_cache.invalidate_all()
    if announce:
        # Deliveries are created in this transaction (the outbox): a rolled
        # back publish posts nothing, a committed one cannot lose its posts.
        from publishing.services import deliveries_create_for_tip

        deliveries_create_for_tip(tip=tip)
    if not share_image_store.tip_share_image_is_current(tip):
        # A tip from before share images existed: networks read og:image when the post goes out.
        share_image_store.tip_share_image_enqueue(tip_id=tip.pk)
    return tip


def tips_published_by_import(*, tips: list[Tip], announce: bool) -> None:
    """For tips an import wrote as published in one bulk insert
    (qa.import_batches): what tip_publish does beyond setting the status.
    Keep the two (and tip_create) in step."""
    related.related_tips_after_bulk_publish(tip_ids=[tip.pk for tip in tips])
    _category_counts_refresh(*(tip.category_id for tip in tips))
    page_cache.invalidate_all()
    if announce:
        from publishing.services import deliveries_create_for_tip

        for tip in tips:
            deliveries_create_for_tip(tip=tip)
    # New tips have no share image yet (tip_create enqueues one per tip).
    share_image_store.tips_share_images_enqueue(tip_ids=[tip.pk for tip in tips])


@transaction.atomic
def tip_unpublish(*, tip: Tip) -> Tip:
    tip = Tip.objects.select_for_update().get(pk=tip.pk)
    if tip.status != Tip.Status.PUBLISHED:
        return tip
    tip.status = Tip.Status.UNPUBLISHED
    tip.save(update_fields=["status", "updated_at"])
    related.related_tips_after_unpublish(tip=tip)
    _category_counts_refresh(tip.category_id)
    page_cache.invalidate_all()
    from publishing.services import deliveries_withdraw_for_tip

    deliveries_withdraw_for_tip(tip=tip)
    return tip


@transaction.atomic
def tip_delete(*, tip: Tip) -> None:
    """Delete a tip for good (the admin's delete). A published one leaves its
    category's count, the related lists that named it and the cached public
    pages, as unpublishing does."""
    tip = Tip.objects.select_for_update().filter(pk=tip.pk).first()
    if tip is None:
        return
    was_published = tip.is_published
    if was_published:
        related.related_tips_withdraw(tip=tip)
    from publishing.services import deliveries_withdraw_for_deleted_tip

    # Its posts come down as on unpublishing; the deliveries outlive the tip.
    deliveries_withdraw_for_deleted_tip(tip=tip)
    tip.delete()
    if was_published:
        _category_counts_refresh(tip.category_id)
        page_cache.invalidate_all()


class VoteOutcome:
    COUNTED = "counted"  # this visitor's first vote on the tip
    CHANGED = "changed"  # they had voted the other way: the vote moved
    UNCHANGED = "unchanged"  # the same answer again: nothing to do


@transaction.atomic
def tip_vote(*, tip: Tip, voter_key: str, helpful: bool) -> str:
    """Record one "was this helpful?" vote per voter and tip (a unique
    constraint); voting again with the other answer changes the vote.
    Returns a VoteOutcome."""
    counter = {True: "helpful_yes", False: "helpful_no"}
    vote = TipVote.objects.select_for_update().filter(tip=tip, voter_key=voter_key).first()
    if vote is None:
        try:
            with transaction.atomic():
                TipVote.objects.create(tip=tip, voter_key=voter_key, helpful=helpful)
        except IntegrityError:
            # The same visitor's first vote, twice at once: the other request counted it.
            return VoteOutcome.UNCHANGED
        Tip.objects.filter(pk=tip.pk).update(**{counter[helpful]: F(counter[helpful]) + 1})
        page_cache.invalidate_tip(tip_id=tip.pk)
        return VoteOutcome.COUNTED
    if vote.helpful == helpful:
        return VoteOutcome.UNCHANGED
    vote.helpful = helpful
    vote.save(update_fields=["helpful"])
    Tip.objects.filter(pk=tip.pk).update(
        **{counter[helpful]: F(counter[helpful]) + 1, counter[not helpful]: F(counter[not helpful]) - 1}
    )
    page_cache.invalidate_tip(tip_id=tip.pk)
    return VoteOutcome.CHANGED


# --- Saved replies ----------------------------------------------------------------------


def saved_reply_create(*, title: str, body: str, order: int = 0) -> SavedReply:
    reply = SavedReply(title=title, body=body, order=order)
    reply.full_clean()
    reply.save()
    return reply


# --- Importing (import_faq, seed_demo) -------------------------------------------------------

# Longest imported answer: far above any real FAQ entry, low enough to catch a
# CSV whose quoting went wrong and swallowed the rest of the file into one cell.
TIP_IMPORT_ANSWER_MAX_LENGTH = 20000


def tip_import_key(*, question: str) -> str:
    """What identifies an imported row: its question, normalised (NFKC, case,
    whitespace). Fixing a typo in the answer or moving the row updates the same
    tip; rewording the question makes a new one."""
    canonical = " ".join(normalize(question).split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def category_get_or_create(*, name: str) -> Category:
    """The category with this name (or its slug), created when missing."""
    name = " ".join(name.split())
    slug = slugify(name, allow_unicode=True)
    if not slug:
        raise ValidationError(_("The category name %(name)r has no letters or digits.") % {"name": name})
    # A Japanese name finds the category it translates ("会員・アカウント" is "Account"),
    # before a category of that slug (one made from that name before it was a translation).
    existing = Category.objects.filter(name_ja=name).order_by("pk").first()
    existing = existing or Category.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    category = Category(name=name, slug=slug)
    category.full_clean()
    category.save()
    return category


def category_translate(*, category: Category, name_ja: str) -> Category:
    """Give a category its Japanese name (when it has none yet: staff may have chosen another)."""
    if not category.name_ja:
        category.name_ja = " ".join(name_ja.split())
        category.full_clean()
        category.save(update_fields=["name_ja"])
        page_cache.invalidate_all()
    return category


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


# --- Publishing with a personal-data check (staff admin) ---------------------------------


class PiiFound(Exception):
    """The tip's public text looks like it contains personal data; staff must
    confirm they checked it before it is published."""

    def __init__(self, findings):
        super().__init__(", ".join(f"{label}: {finding.text}" for label, finding in findings))
        self.findings = findings


def tip_pii_findings(*, tip: Tip) -> list[tuple[str, PiiFinding]]:
    """Personal data spotted in the text a tip would publish, as (field label, finding)."""
    findings = []
    for name in ("title", "question_text", "answer_text"):
        label = str(Tip._meta.get_field(name).verbose_name)
        findings.extend((label, finding) for finding in pii_find(getattr(tip, name)))
    return findings


def tip_publish_checked(*, tip: Tip, pii_confirmed: bool = False, announce: bool = True) -> Tip:
    """Publish a tip unless its public text shows personal data that staff have
    not confirmed as checked; raises PiiFound then, and nothing changes."""
    findings = tip_pii_findings(tip=tip)
    if findings and not pii_confirmed:
        raise PiiFound(findings)
    return tip_publish(tip=tip, announce=announce)
