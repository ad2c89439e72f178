"""Related tips, stored when tips change so that a tip page reads its list
with one indexed query (qa.page_selectors.tip_related_cards).

A tip's stored list holds up to RELATED_LIMIT published tips in its language
sharing its tags, most shared tags first, then newest (a page shows related
tips in the tip's own language only: a tip in another language would take a
place in the list and leave it short). Tips of the same category fill the rest
of the list at read time (an indexed "newest in this category" query), so a
category never has to be pushed into thousands of stored lists.

When a tip is published its own list is computed, and it is inserted into the
lists of the tips sharing its tags wherever it ranks in their top
RELATED_LIMIT (no list is recomputed for that). When it is unpublished, or its
tags change, it leaves the lists that held it, and those lists are recomputed
by a Celery task after commit (qa.tasks.refresh_related_tips). Reads filter on
the related tip's status too, so an unpublished tip is never shown, even
before that task has run.

Only the services (qa.services) call these functions.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count

from qa.models import RelatedTip, Tip

RELATED_LIMIT = 5


def _tag_ids(tip: Tip) -> list[int]:
    return list(tip.tags.values_list("pk", flat=True))


def _sharing_tags(*, tip: Tip, tag_ids: list[int]):
    """Published tips in `tip`'s language, other than `tip`, with at least one
    of `tag_ids`, annotated with how many (`shared`). Reads the tagged items by
    tag (indexed)."""
    tips = Tip.objects.published().filter(language=tip.language).exclude(pk=tip.pk)
    return tips.filter(tags__in=tag_ids).annotate(shared=Count("tags"))


def related_tips_refresh(*, tip_ids) -> None:
    """Recompute the stored lists of these tips from scratch (drafts and
    unpublished tips get an empty list)."""
    for tip in Tip.objects.filter(pk__in=list(tip_ids)).only("pk", "status", "language"):
        RelatedTip.objects.filter(tip=tip).delete()
        tag_ids = _tag_ids(tip) if tip.is_published else []
        if not tag_ids:
            continue
        ranked = (
            _sharing_tags(tip=tip, tag_ids=tag_ids)
            .order_by("-shared", "-published_at", "-id")
            .values_list("pk", "shared")[:RELATED_LIMIT]
        )
        RelatedTip.objects.bulk_create(
            [RelatedTip(tip=tip, related_id=pk, shared_tags=shared) for pk, shared in ranked]
        )


def related_tips_insert(*, tip: Tip) -> None:
    """Insert a just-published `tip` into the stored lists of the tips sharing
    its tags, where it ranks in their top RELATED_LIMIT; the entry it pushes
    out of a full list is dropped."""
    tag_ids = _tag_ids(tip)
    if not tag_ids:
        return
    shared_by_tip = dict(_sharing_tags(tip=tip, tag_ids=tag_ids).values_list("pk", "shared"))
    if not shared_by_tip:
        return
    entries = defaultdict(list)
    rows = (
        RelatedTip.objects.filter(tip__in=_sharing_tags(tip=tip, tag_ids=tag_ids).values("pk"))
        .exclude(related=tip)
        .values_list("pk", "tip_id", "shared_tags", "related__published_at", "related_id")
    )
    for entry_pk, owner, shared, published_at, related_id in rows:
        entries[owner].append(((shared, published_at, related_id), entry_pk))
    new_entries, dropped = [], []
    for owner, shared in shared_by_tip.items():
        mine = (shared, tip.published_at, tip.pk)
        ranked_above = sum(1 for key, _pk in entries[owner] if key > mine)
        if ranked_above >= RELATED_LIMIT:
            continue
        new_entries.append(RelatedTip(tip_id=owner, related=tip, shared_tags=shared))
        if len(entries[owner]) >= RELATED_LIMIT:
            dropped.append(min(entries[owner])[1])
    RelatedTip.objects.filter(pk__in=dropped).delete()
    RelatedTip.objects.bulk_create(new_entries, ignore_conflicts=True)


def related_tips_withdraw(*, tip: Tip) -> None:
    """Take `tip` out of every stored list, and have those lists recomputed
    after commit (a task, so that a tip listed in many places does not slow
    down the request that unpublished or re-tagged it)."""
    owners = list(RelatedTip.objects.filter(related=tip).values_list("tip_id", flat=True))
    RelatedTip.objects.filter(related=tip).delete()
    if owners:
        from qa.tasks import refresh_related_tips

        transaction.on_commit(lambda: refresh_related_tips.delay(owners))


def related_tips_after_publish(*, tip: Tip) -> None:
    related_tips_refresh(tip_ids=[tip.pk])
    related_tips_insert(tip=tip)


def related_tips_publish_many(*, tip_ids) -> None:
    """related_tips_after_publish for each of these tips that is still published."""
    for tip in Tip.objects.published().filter(pk__in=list(tip_ids)):
        related_tips_after_publish(tip=tip)


def related_tips_after_bulk_publish(*, tip_ids) -> None:
    """Tips published by a bulk import: their lists, and their places in the
    others', are computed by a task after commit, so that a batch of 500 tips
    stays a fixed handful of queries. Until it runs, their pages show
    same-category tips only."""
    tip_ids = list(tip_ids)
    if tip_ids:
        from qa.tasks import publish_related_tips

        transaction.on_commit(lambda: publish_related_tips.delay(tip_ids))


def related_tips_after_retag(*, tip: Tip) -> None:
    """The tags or the language of a published tip changed: its own list, and
    its place in the others' lists, follow."""
    related_tips_withdraw(tip=tip)
    related_tips_after_publish(tip=tip)


def related_tips_after_unpublish(*, tip: Tip) -> None:
    related_tips_withdraw(tip=tip)
    RelatedTip.objects.filter(tip=tip).delete()
