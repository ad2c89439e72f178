"""Services for the FAQ import: one batch of rows in a bounded number of queries.

Importing row by row (services.tip_import_row) costs about a dozen queries
per row (look-ups, savepoints, full_clean's unique checks, django-taggit's
set()); 5,139 rows took 289 s. A batch instead reads what exists in one go
(tips by import key with their tags, categories by slug, tags by name), then
writes the new tips, their tags and categories with bulk inserts.

What a tip stores besides its text (HTML, plain text, search columns...) is
computed by services.tip_refresh_derived for every tip, as everywhere else:
there is no second copy of that logic here. Within a batch each distinct
Markdown text is rendered once (qa.markup.markdown_rendered_once). Changed tips go through
services.tip_update one by one (a re-import changes few rows), so they get
exactly what an edit in the admin gets.

New tips are written as published in the bulk insert; services.tips_published_by_import
does, for the whole batch, what tip_publish does beyond the status (the
deliveries when the import is announced).
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from qa import services
from qa.markup import markdown_rendered_once
from qa.models import Category, Tip


@dataclass
class BatchRow:
    line: int
    question: str
    answer: str
    category: str
    tags: list[str]


@dataclass
class BatchLookups:
    """Categories and tags met in earlier batches, so each is looked up once per import.
    In a dry run, categories that would be created are unsaved (pk None)."""

    categories: dict  # slug -> Category
    tags: dict  # name -> Tag

    @classmethod
    def empty(cls):
        return cls(categories={}, tags={})


def tip_import_batch(*, rows: list[BatchRow], announce: bool, dry_run: bool, lookups: BatchLookups) -> list[str]:
    """Import `rows` (already free of in-file duplicates) in the current
    transaction. Returns one outcome per row, in order: "created", "updated",
    "unchanged", or the reason the row was not imported. A bad row never stops
    the others."""
    outcomes: list[str] = [""] * len(rows)
    cleaned = {}
    for index, row in enumerate(rows):
        try:
            question, answer, category_name, tags = services.tip_import_clean(
                question=row.question, answer=row.answer, category_name=row.category, tags=row.tags
            )
        except ValidationError as error:
            outcomes[index] = " ".join(error.messages)
            continue
        cleaned[index] = (question, answer, category_name, tags, services.tip_import_key(question=question))

    category_of = _categories_resolve(
        {entry[2] for entry in cleaned.values() if entry[2]}, dry_run=dry_run, lookups=lookups
    )
    existing = {
        tip.import_key: tip
        for tip in Tip.objects.filter(import_key__in=[entry[4] for entry in cleaned.values()])
        .select_related("category")
        .prefetch_related("tags")
    }

    now = timezone.now()
    new_tips = {}
    with markdown_rendered_once():
        for index, (question, answer, category_name, tags, key) in cleaned.items():
            category = category_of.get(category_name) if category_name else None
            if isinstance(category, str):  # the category name itself was refused
                outcomes[index] = category
                continue
            tip = existing.get(key)
            if tip is None:
                tip = Tip(
                    title=question,
                    answer_text=answer,
                    category=category,
                    import_key=key,
                    status=Tip.Status.PUBLISHED,
                    published_at=now,
                    created_at=now,
                )
                if not dry_run:
                    services.tip_refresh_derived(tip)
                try:
                    # A dry run writes nothing, so it skips rendering, the slow part of the
                    # derived columns; they are all computed (never validated) except the
                    # slug, which tip_refresh_derived always makes valid.
                    tip.clean_fields(exclude=["tags", "category", "question", "answer", *(["slug"] if dry_run else [])])
                except ValidationError as error:
                    outcomes[index] = " ".join(error.messages)
                    continue
                new_tips[index] = (tip, tags)
                outcomes[index] = "created"
                continue
            current = (tip.title, tip.answer_text, _category_slug(tip.category), sorted(t.name for t in tip.tags.all()))
            if current == (question, answer, _category_slug(category), tags):
                outcomes[index] = "unchanged"
                continue
            if not dry_run:
                try:
                    with transaction.atomic():
                        services.tip_update(tip=tip, title=question, answer_text=answer, category=category, tags=tags)
                except ValidationError as error:
                    outcomes[index] = " ".join(error.messages)
                    continue
            outcomes[index] = "updated"

    if new_tips and not dry_run:
        _tips_create(new_tips, rows=rows, outcomes=outcomes, announce=announce, lookups=lookups)
    return outcomes


def _category_slug(category: Category | None) -> str | None:
    return category.slug if category is not None else None


def _categories_resolve(names: set[str], *, dry_run: bool, lookups: BatchLookups) -> dict:
    """name -> Category (saved, or unsaved in a dry run), or the reason the name is refused."""
    result = {}
    wanted = {}
    for name in names:
        slug = slugify(name, allow_unicode=True)
        if not slug:
            result[name] = _("The category name %(name)r has no letters or digits.") % {"name": name}
        elif slug in lookups.categories:
            result[name] = lookups.categories[slug]
        else:
            wanted.setdefault(slug, name)
    if wanted:
        for category in Category.objects.filter(slug__in=list(wanted)):
            lookups.categories[category.slug] = category
        # A Japanese name finds the category it translates, before one of that slug
        # (as services.category_get_or_create does).
        slug_of_name = {name: slug for slug, name in wanted.items()}
        for category in Category.objects.filter(name_ja__in=list(slug_of_name)).order_by("-pk"):
            lookups.categories[slug_of_name[category.name_ja]] = category
        for slug, name in wanted.items():
            if slug not in lookups.categories:
                category = Category(name=name, slug=slug)
                try:
                    category.full_clean(validate_unique=False)
                except ValidationError as error:
                    result[name] = " ".join(error.messages)
                    continue
                if not dry_run:
                    category.save()
                lookups.categories[slug] = category
    for name in names:
        result.setdefault(name, lookups.categories.get(slugify(name, allow_unicode=True)))
    return result


def _tips_create(new_tips: dict, *, rows, outcomes, announce: bool, lookups: BatchLookups) -> None:
    tips = [tip for tip, _tags in new_tips.values()]
    try:
        with transaction.atomic():
            Tip.objects.bulk_create(tips)
    except IntegrityError:
        # Another import created one of these keys meanwhile: fall back to row by row for this batch.
        for index in new_tips:
            row = rows[index]
            try:
                with transaction.atomic():
                    _tip, outcomes[index] = services.tip_import_row(
                        question=row.question,
                        answer=row.answer,
                        category_name=row.category,
                        tags=row.tags,
                        announce=announce,
                    )
            except ValidationError as error:
                outcomes[index] = " ".join(error.messages)
        return
    _tags_attach([(tip, tags) for tip, tags in new_tips.values()], lookups=lookups)
    services.tips_published_by_import(tips=tips, announce=announce)


def _tags_attach(tips_and_tags, *, lookups: BatchLookups) -> None:
    names = {name for _tip, tags in tips_and_tags for name in tags} - set(lookups.tags)
    if names:
        for tag in Tag.objects.filter(name__in=names):
            lookups.tags[tag.name] = tag
        for name in sorted(names - set(lookups.tags)):
            # One at a time: django-taggit makes each new tag's unique slug in save().
            lookups.tags[name] = Tag.objects.create(name=name)
    content_type = ContentType.objects.get_for_model(Tip)
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(content_type=content_type, object_id=tip.pk, tag=lookups.tags[name])
            for tip, tags in tips_and_tags
            for name in tags
        ]
    )
