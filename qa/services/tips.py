"""Services for tips: creating (from scratch or from an answer), editing,
publishing (with or without the personal-data check), unpublishing and
deleting, the columns derived from a tip's text when it is saved, and
rebuilding what the public pages read (public_reads_refresh)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qa import page_cache, related, share_image_store, tip_pages
from qa.content_language import language_detect
from qa.markup import markdown_render
from qa.models import TIP_EXCERPT_LENGTH, Category, Message, Question, Tip
from qa.phrases import truncate
from qa.pii import PiiFinding, pii_find
from qa.search.tokens import document_text
from qa.services.categories import category_counts_refresh
from qa.slugs import tip_slug


def tip_refresh_derived(tip: Tip, *, stored_texts: tuple[str, str] | None = None) -> None:
    """Fill the columns derived from the public text: HTML, plain text, excerpt and search text.

    `stored_texts` is the (question_text, answer_text) the database holds for
    this tip: a text that has not changed keeps the HTML and plain text stored
    with it instead of being rendered again (an edit of the title, category or
    tags renders nothing).

    The search columns hold the tip's index tokens (qa.search.tokens); the
    database indexes them in the same transaction (qa.search.index).

    Public because bulk writers (qa.import_batches, bench/) fill the same
    columns this way before a bulk insert: there is no second copy."""
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
    tip_refresh_derived(tip)
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
    tip_refresh_derived(tip, stored_texts=tuple(stored_texts))
    tip.full_clean(exclude=["tags"])
    tip.save()
    if tags is not None:
        tip.tags.set(tags)
    if share_image_store.tip_share_image_name(tip) != share_image_before:
        # Title or category changed: the image shows them. Body edits leave it alone.
        share_image_store.tip_share_image_enqueue(tip_id=tip.pk)
    if tip.is_published:
        retagged = tags is not None and sorted(tip.tags.names()) != stored_tags
        if retagged or tip.language != stored_language:
            # Related lists hold tips of one language: a tip that changed language changes lists too.
            related.related_tips_after_retag(tip=tip)
        if tip.category_id != stored_category_id or tip.language != stored_language:
            category_counts_refresh(stored_category_id, tip.category_id)
        tip_pages.tip_pages_refresh(tip_ids=[tip.pk])
        page_cache.invalidate_all()
    return tip


def public_reads_refresh(*, batch_size: int = 500) -> int:
    """Rebuild what the public pages read instead of computing it: every
    published tip's related list and stored page parts (qa.tip_pages), and
    every category's count. For an upgrade or a bulk load; the services keep
    them up to date otherwise. Returns the number of tips."""
    tip_ids = list(Tip.objects.published().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(tip_ids), batch_size):
        with transaction.atomic():
            related.related_tips_refresh(tip_ids=tip_ids[start : start + batch_size])
            tip_pages.tip_pages_refresh(tip_ids=tip_ids[start : start + batch_size])
    with transaction.atomic():
        category_counts_refresh(*Category.objects.values_list("pk", flat=True))
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
    category_counts_refresh(tip.category_id)
    # Its page's parts, before the post that brings its first visitors goes out.
    tip_pages.tip_pages_refresh(tip_ids=[tip.pk])
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
    category_counts_refresh(*(tip.category_id for tip in tips))
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
    category_counts_refresh(tip.category_id)
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
        category_counts_refresh(tip.category_id)
        page_cache.invalidate_all()


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
