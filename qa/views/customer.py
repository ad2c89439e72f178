"""Pages for signed-in customers: asking a question and reading the answers.

Views stay thin: forms check input, qa.services.question_create saves (and
e-mails staff), qa.selectors reads. Suggestions come from selectors.tip_suggest
(the search page's engine, which copes with whole sentences).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from conversations.handover import PARAMETER as handover_parameter
from conversations.handover import Handover, handover_question_create, handover_read
from conversations.services import conversation_follow_up
from metrics import self_service_events
from qa import selectors, services
from qa.forms import FollowUpForm, QuestionForm
from qa.markup import render_markdown
from qa.search import excerpt
from supportsite.request_size import FORM_OVERHEAD_BYTES, body_at_most, form_body_max_bytes

SUGGESTION_LIMIT = 5
SUGGESTION_EXCERPT_LENGTH = 120
MY_QUESTIONS_PER_PAGE = 20

# The buttons of the ask form (<button name="action" value="…">).
ACTION_PREVIEW = "preview"  # show the rendered Markdown, save nothing
ACTION_SUBMIT = "submit"  # first send: show similar tips if there are any
ACTION_CONFIRM = "confirm"  # "none of these tips answer me": save
ACTION_EDIT = "edit"  # back from the confirmation step to the form


def _suggestions(query: str) -> list[dict]:
    """Up to five published tips similar to `query`, ready for JSON or a template."""
    tips = selectors.tip_suggest(text=query, limit=SUGGESTION_LIMIT)
    terms = tips.terms
    return [
        {
            "title": tip.title,
            # Marked, so that the tip page counts the click (metrics.self_service_events).
            "url": self_service_events.suggestion_url(tip.get_canonical_url()),
            "excerpt": excerpt(tip.answer_plain, terms, SUGGESTION_EXCERPT_LENGTH),
        }
        for tip in tips
    ]


def _check_rates(request, limits) -> None:
    """Count one request against each (group, key, rate) limit, and raise
    Ratelimited (the project's 429 page) when any is exceeded."""
    limited = [
        is_ratelimited(request, group=group, key=key, rate=rate, method=ALL, increment=True)
        for group, key, rate in limits
    ]
    if any(limited):
        raise Ratelimited()


def _check_ask_rate(request) -> None:
    """Count one question against the per-user and the per-IP limit.

    Only sending a question counts: previewing or going back to edit does not,
    so a careful customer is never blocked for re-reading their text.
    """
    _check_rates(
        request,
        [("qa.ask.user", "user", settings.ASK_RATE_PER_USER), ("qa.ask.ip", "ip", settings.ASK_RATE_PER_IP)],
    )


def _check_preview_rate(request) -> None:
    """Count one Markdown preview (the ask form's button or ask.js) against its
    own per-user and per-IP limit: rendering is the costliest thing a customer can ask for."""
    _check_rates(
        request,
        [
            ("qa.preview.user", "user", settings.PREVIEW_RATE_PER_USER),
            ("qa.preview.ip", "ip", settings.PREVIEW_RATE_PER_IP),
        ],
    )


def _ask_body_max_bytes() -> int:
    return form_body_max_bytes(settings.QUESTION_TITLE_MAX_LENGTH + settings.QUESTION_BODY_MAX_LENGTH)


def _preview_body_max_bytes() -> int:
    return form_body_max_bytes(settings.QUESTION_BODY_MAX_LENGTH)


# ?q= is all a suggestion request carries: it has no business sending a body.
SUGGEST_BODY_MAX_BYTES = 4096


def _suggestions_already_seen(request, title: str) -> bool:
    """ask.js showed similar tips for this very title while it was typed (it
    sends that title back as `suggested_for`): the customer has looked at them
    and pressed Send anyway, so a "Before you send" step would only repeat them.
    A title changed after the suggestions still gets the step."""
    seen = request.POST.get("suggested_for", "")[: settings.QUESTION_TITLE_MAX_LENGTH]
    return bool(seen.strip()) and seen.strip() == title.strip()


def _handover_of(form) -> Handover | None:
    """The hand-over the form was opened through (a signed link staff posted publicly), if any."""
    return handover_read(str(form["handover"].value() or ""))


def _render_ask(request, form, *, preview_html="", status=200):
    context = {
        "form": form,
        "preview_html": preview_html,
        "handover": _handover_of(form),
        # Carried through every round trip, so each stage of the form is counted once.
        "ask_markers": self_service_events.ask_markers(request.POST),
    }
    return render(request, "qa/ask.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@body_at_most(_ask_body_max_bytes)
def ask(request):
    if request.method in ("GET", "HEAD"):
        token = request.GET.get(handover_parameter, "")[:2000]
        handover = handover_read(token)
        initial = {"title": handover.title, "handover": token} if handover else {}
        return _render_ask(request, QuestionForm(initial=initial))

    form = QuestionForm(request.POST)
    action = request.POST.get("action", ACTION_SUBMIT)
    if action == ACTION_EDIT:
        return _render_ask(request, form)
    if action == ACTION_PREVIEW:
        # The preview is shown even when the form still has errors: the
        # customer sees both what they wrote and what is missing.
        body = form.data.get("body", "")[: settings.QUESTION_BODY_MAX_LENGTH]
        _check_preview_rate(request)
        return _render_ask(request, form, preview_html=render_markdown(body))
    if not form.is_valid():
        status = 400 if form.has_error("__all__", code="rejected") else 200
        return _render_ask(request, form, status=status)

    data = form.cleaned_data
    if action != ACTION_CONFIRM and not _suggestions_already_seen(request, data["title"]):
        suggestions = _suggestions(data["title"])
        if suggestions:
            markers = self_service_events.ask_markers(request.POST)
            self_service_events.ask_suggestions_shown_count(markers=markers)
            context = {
                "form": form,
                "suggestions": suggestions,
                "ask_markers": {**markers, self_service_events.MARKER_SHOWN: "1"},
            }
            return render(request, "qa/ask_confirm.html", context)

    _check_ask_rate(request)
    fields = {
        "asker": request.user,
        "title": data["title"],
        "body": data["body"],
        "category": data["category"],
        "language": translation.get_language() or "",
    }
    handover = handover_read(data["handover"])
    try:
        if handover:
            question = handover_question_create(handover=handover, **fields)
        else:
            question = services.question_create(**fields)
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return _render_ask(request, form)
    self_service_events.ask_sent_count(markers=self_service_events.ask_markers(request.POST))
    messages.success(request, _("Thank you. Your question was sent; we will e-mail you when it is answered."))
    return redirect(question.get_absolute_url())


@require_safe
@body_at_most(lambda: SUGGEST_BODY_MAX_BYTES)
def suggest(request):
    """Published tips similar to ?q= (the title being typed), as JSON.
    `count=1`: ask.js has not shown this form a tip yet; count it if this answer does."""
    query = request.GET.get("q", "")[: settings.QUESTION_TITLE_MAX_LENGTH]
    results = _suggestions(query)
    if results and request.method == "GET" and request.GET.get("count") == "1":
        self_service_events.ask_suggestions_shown_count(markers={})
    return JsonResponse({"results": results})


# ask.js sends at most two beacons per form (started, clicked); this is far above
# what a person filling in forms sends, and keeps a script from inflating the numbers.
ASK_EVENT_RATE_PER_USER = "60/h"
# An event name and the CSRF token: nothing more.
ASK_EVENT_BODY_MAX_BYTES = 1024


@login_required
@require_POST
@body_at_most(lambda: ASK_EVENT_BODY_MAX_BYTES)
def ask_event(request):
    """ask.js's beacon: the form was started, or a suggested tip opened from it
    (metrics.self_service_events). Answers 204 with no body; the page ignores it."""
    if is_ratelimited(
        request, group="qa.ask_event.user", key="user", rate=ASK_EVENT_RATE_PER_USER, method=ALL, increment=True
    ):
        return HttpResponse(status=429)
    if not self_service_events.ask_beacon_count(event=request.POST.get("event", "")):
        return HttpResponseBadRequest()
    return HttpResponse(status=204)


@login_required
@require_POST
@body_at_most(_preview_body_max_bytes)
def markdown_preview(request):
    """The sanitised HTML of the posted Markdown `body`, for ask.js's preview."""
    body = request.POST.get("body", "")
    if len(body) > settings.QUESTION_BODY_MAX_LENGTH:
        return HttpResponseBadRequest(_("The text is too long to preview."))
    _check_preview_rate(request)
    return JsonResponse({"html": render_markdown(body)})


@login_required
def my_questions(request):
    paginator = Paginator(selectors.question_list_for_user(user=request.user), MY_QUESTIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "qa/my_questions.html", {"page_obj": page, "questions": page.object_list})


def _check_follow_up_rate(request) -> None:
    """Count one follow-up against the per-user and the per-IP limit. Every
    post counts, valid or not: checking its images is the costly part."""
    _check_rates(
        request,
        [
            ("qa.follow_up.user", "user", settings.FOLLOW_UP_RATE_PER_USER),
            ("qa.follow_up.ip", "ip", settings.FOLLOW_UP_RATE_PER_IP),
        ],
    )


def _follow_up_body_max_bytes() -> int:
    """The text plus one file more than allowed at the largest size, so that
    choosing one image too many gets the form's message rather than a 413."""
    files = settings.CONVERSATION_ATTACHMENTS_PER_MESSAGE + 1
    return form_body_max_bytes(settings.QUESTION_BODY_MAX_LENGTH) + files * (
        settings.CONVERSATION_ATTACHMENT_MAX_BYTES + FORM_OVERHEAD_BYTES
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@body_at_most(_follow_up_body_max_bytes)
def my_question(request, pk: int):
    """The customer's conversation: every message they may read, and their reply form."""
    question = selectors.question_get_for_user(user=request.user, pk=pk)
    form, status = FollowUpForm(), 200
    if request.method == "POST":
        _check_follow_up_rate(request)
        form = FollowUpForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = conversation_follow_up(
                    question=question,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    attachments=form.cleaned_data["attachments"],
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                messages.success(request, _("Your reply was sent. We will e-mail you when our support team answers."))
                return redirect(f"{question.get_absolute_url()}#message-{message.pk}")
    context = {
        "question": question,
        "thread": question.messages.all(),  # prefetched by the selector: never staff notes
        "form": form,
        "files_dropped": bool(request.FILES) and form.is_bound and bool(form.errors),
    }
    return render(request, "qa/my_question.html", context, status=status)
