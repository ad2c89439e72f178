"""Services for the "was this helpful?" votes on a tip."""

from django.db import IntegrityError, transaction
from django.db.models import F

from qa import page_cache
from qa.models import Tip, TipVote


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
