"""The "Was this helpful?" vote: who a voter is, and the limits on anonymous votes.

- Signed in: one vote per user and tip (TipVote's unique constraint on the
  hashed user id); voting again with the other answer changes the vote.
- Anonymous: a random id in a signed, long-lived cookie stands for the
  visitor, so a new session is not a new voter. A cookie whose signature does
  not match is ignored (the visitor gets a new id, never the forged one).
- Clearing cookies still makes a new voter, so first votes from anonymous
  visitors are also capped per IP address and tip per day
  (VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP). This is best effort: people behind one
  office or mobile network share an address (hence a cap per tip, not per
  site), and someone with many addresses gets past it. The per-IP rate on all
  votes (VOTE_RATE_PER_IP) still applies on top.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from qa import selectors, services
from supportsite.same_origin import csrf_token_or_same_origin

# Session key remembering which tips this visitor voted on and how, so the
# page can thank them (and offer to change the answer) instead of asking again.
VOTED_TIPS_SESSION_KEY = "qa_voted_tips"
VOTER_COOKIE = "tipcast_voter"
VOTER_COOKIE_SALT = "qa.views.voting.voter"
VOTER_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600


def _voter_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _anonymous_voter_id(request) -> tuple[str, bool]:
    """The id in the visitor's signed cookie, or a new one; and whether it is new."""
    visitor_id = request.get_signed_cookie(
        VOTER_COOKIE, default=None, salt=VOTER_COOKIE_SALT, max_age=VOTER_COOKIE_MAX_AGE
    )
    if visitor_id:
        return visitor_id, False
    return secrets.token_urlsafe(18), True


def _anonymous_cap_reached(request, tip) -> bool:
    """Count one first vote on `tip` from this IP address (django-ratelimit's
    "ip" key, the same client address every limit of the site uses)."""
    return is_ratelimited(
        request,
        group=f"qa.tip_vote.anonymous.tip{tip.pk}",
        key="ip",
        rate=settings.VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP,
        method=ALL,
        increment=True,
    )


def _vote_rate(group, request):
    # Read per request (not at import) so that override_settings applies.
    return settings.VOTE_RATE_PER_IP


# The vote form sits on shared, cached pages that carry no per-visitor CSRF
# token: a same-origin POST (Sec-Fetch-Site / Origin) is accepted instead.
@csrf_token_or_same_origin
@require_POST
@ratelimit(key="ip", rate=_vote_rate, method="POST", block=True)
def tip_vote(request, pk):
    tip = selectors.tip_get_published(pk=pk)
    back = redirect(tip.get_absolute_url() + "#vote")
    choice = request.POST.get("helpful")
    if choice not in {"yes", "no"}:
        messages.error(request, _("Please choose Yes or No."))
        return back

    new_visitor_id = None
    if request.user.is_authenticated:
        voter_key = _voter_key(f"user:{request.user.pk}")
    else:
        visitor_id, is_new = _anonymous_voter_id(request)
        voter_key = _voter_key(f"visitor:{visitor_id}")
        if is_new:
            new_visitor_id = visitor_id
        first_vote = is_new or selectors.tip_vote_of(tip=tip, voter_key=voter_key) is None
        if first_vote and _anonymous_cap_reached(request, tip):
            messages.info(
                request,
                _(
                    "Thank you! Many people on your network have already voted on this tip today, "
                    "so this vote was not counted."
                ),
            )
            return back

    outcome = services.tip_vote(tip=tip, voter_key=voter_key, helpful=choice == "yes")
    voted = request.session.get(VOTED_TIPS_SESSION_KEY, {})
    if outcome == services.VoteOutcome.UNCHANGED:
        voted.setdefault(str(tip.pk), choice)
        messages.info(request, _("You have already voted on this tip. Thank you!"))
    else:
        voted[str(tip.pk)] = choice
        if outcome == services.VoteOutcome.CHANGED:
            messages.success(request, _("Your answer was changed. Thank you!"))
        else:
            messages.success(request, _("Thank you for your feedback!"))
    request.session[VOTED_TIPS_SESSION_KEY] = voted
    if new_visitor_id is not None:
        back.set_signed_cookie(
            VOTER_COOKIE,
            new_visitor_id,
            salt=VOTER_COOKIE_SALT,
            max_age=VOTER_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return back
