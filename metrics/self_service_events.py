"""Self-service and deflection: the site events counted per day (issue 12).

Every count goes through metrics.services.daily_count_add: a number per day,
event and key, never a cookie, an IP address or a user id.

The ask form (a signed-in customer asking a question) is followed through
three hidden markers it carries while the customer works on it, filled by
static/js/ask.js and sent back with every post of the form (Preview, the
"Before you send" step, Edit), so that each form is counted once per stage:

- ``ask.started``: the customer typed into the form for the first time. ask.js
  sends one POST beacon (qa:ask_event, CSRF token, rate-limited per user) on
  the first keystroke in any field, and marks the form ``ask_started``.
  A beacon rather than a flag on the first suggestion request: a customer who
  starts with the text, not the title, has started too, and a GET that
  counts would be counted by any prefetcher or crawler.
- ``ask.suggested``: the form showed at least one similar tip. Counted by
  the suggestion request that carries ``count=1`` (ask.js sends it until the
  form first showed a tip) when it finds one, or by the "Before you send" step
  when it shows tips to a form not yet marked ``ask_shown``.
- ``ask.clicked``: the customer opened one of the suggested tips from the form
  (ask.js sends a beacon on the form's first click and marks it
  ``ask_clicked``).
- ``suggestion.click`` (key: tip id): every opening of a suggested tip. The
  suggested links carry ``?from=suggestion``, and the tip page counts it
  around the page cache (qa.views.public.tip_detail), so a page served from
  the cache counts as well. This one also counts clicks without JavaScript
  (the "Before you send" step).
- ``ask.sent``, ``ask.sent_suggested``, ``ask.sent_clicked``: a question sent
  from the form, and whether the form had shown tips / had a tip opened.

Forms abandoned after a click = ``ask.clicked`` - ``ask.sent_clicked``: forms
in which the customer opened a suggested tip and then sent nothing (in the
period: a form clicked late on the last day and sent after midnight counts in
both days' numbers; over a period this evens out).

Deflection rate = abandoned after a click / (abandoned after a click + sent
after a suggestion): of the forms that showed tips and ended one way or the
other, the share where the customer read a tip and left without asking. Forms
that showed tips and were left without opening any are not counted either way:
nothing says whether a tip helped.

Searches (the search page, qa.views.public.search, around its page cache):
``search`` per search with a query (first page of results, GET: a HEAD or the
next page is not a new search), and ``search.miss`` keyed by the normalised
query (qa.search.services.search_miss_key, the SearchMiss key) when it found
nothing. Helpful votes are rolled up from qa.TipVote (metrics.self_service_rollup).
"""

from collections.abc import Mapping

from metrics.services import daily_count_add
from qa.search.services import search_miss_key

ASK_STARTED = "ask.started"
ASK_SUGGESTED = "ask.suggested"
ASK_CLICKED = "ask.clicked"
ASK_SENT = "ask.sent"
ASK_SENT_SUGGESTED = "ask.sent_suggested"
ASK_SENT_CLICKED = "ask.sent_clicked"
SUGGESTION_CLICK = "suggestion.click"
SEARCH = "search"
SEARCH_MISS = "search.miss"
VOTE_HELPFUL = "vote.helpful"
VOTE_UNHELPFUL = "vote.unhelpful"

# The hidden inputs of the ask form; each holds "1" once its stage was counted.
MARKER_STARTED = "ask_started"
MARKER_SHOWN = "ask_shown"
MARKER_CLICKED = "ask_clicked"
ASK_MARKERS = (MARKER_STARTED, MARKER_SHOWN, MARKER_CLICKED)

# What ask.js's beacon may report, and the event each one counts.
BEACON_EVENTS = {"started": ASK_STARTED, "clicked": ASK_CLICKED}

# The query parameter on a suggested tip's link, and its value.
SUGGESTION_PARAMETER = "from"
SUGGESTION_VALUE = "suggestion"


def ask_markers(data: Mapping) -> dict[str, str]:
    """The markers a posted form carries ("1" or ""): anything else is ignored."""
    return {name: "1" if data.get(name) == "1" else "" for name in ASK_MARKERS}


def suggestion_url(url: str) -> str:
    """A suggested tip's address, marked so the tip page counts the click."""
    return f"{url}?{SUGGESTION_PARAMETER}={SUGGESTION_VALUE}"


def ask_beacon_count(*, event: str) -> bool:
    """Count what ask.js reported; False for anything it cannot report."""
    name = BEACON_EVENTS.get(event)
    if name is None:
        return False
    daily_count_add(name)
    return True


def ask_suggestions_shown_count(*, markers: Mapping[str, str]) -> None:
    """The form showed similar tips: counted once per form (see the module docstring)."""
    if markers.get(MARKER_SHOWN) != "1":
        daily_count_add(ASK_SUGGESTED)


def ask_sent_count(*, markers: Mapping[str, str]) -> None:
    daily_count_add(ASK_SENT)
    if markers.get(MARKER_SHOWN) == "1":
        daily_count_add(ASK_SENT_SUGGESTED)
    if markers.get(MARKER_CLICKED) == "1":
        daily_count_add(ASK_SENT_CLICKED)


def suggestion_click_count(request, *, tip_id: int, status_code: int) -> None:
    """Count a suggested tip opened: a GET of its page that carries the marker
    and found the tip (a redirect to the canonical address is counted there)."""
    if request.method == "GET" and status_code == 200 and request.GET.get(SUGGESTION_PARAMETER) == SUGGESTION_VALUE:
        daily_count_add(SUGGESTION_CLICK, str(tip_id))


def search_count(request, *, missed_query: str | None) -> None:
    """Count a search (and what it did not find); see the module docstring."""
    if request.method != "GET" or not request.GET.get("q", "").strip() or request.GET.get("page", "1") != "1":
        return
    daily_count_add(SEARCH)
    if missed_query:
        key = search_miss_key(missed_query)
        if key:
            daily_count_add(SEARCH_MISS, key)
