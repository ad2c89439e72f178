"""The Facebook Page webhook: Meta calls it within seconds of a comment on the
Page's posts, so staff need not wait for the next poll (the poller,
conversations.sources.facebook_comments, still runs and catches whatever a
missed delivery lost; ingestion is idempotent by comment id).

Set up in the Meta app: Webhooks → Page → callback URL
https://<site>/webhooks/facebook/, verify token FACEBOOK_WEBHOOK_VERIFY_TOKEN,
subscribe to the `feed` field (and subscribe the app to the Page).

GET  answers Meta's verification (hub.mode=subscribe, hub.verify_token, hub.challenge).
POST carries change events, signed: X-Hub-Signature-256 is "sha256=" and the
     HMAC-SHA256 of the raw body with FACEBOOK_APP_SECRET. A body that is not
     signed so is refused (403) before it is parsed; one larger than
     FACEBOOK_WEBHOOK_MAX_BYTES is refused (413) before it is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conversations.sources.base import Incoming
from conversations.sources.facebook_comments import comment_incoming
from publishing.channels.facebook import graph_time

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_HUB_SIGNATURE_256"
# Meta's challenge is a number; anything this long is not Meta's.
MAX_CHALLENGE_LENGTH = 256


def item_ingest(item: Incoming):
    """Store one comment: the one place this module calls ingestion
    (conversations.services.incoming_ingest, from the listening branch)."""
    from conversations.services import incoming_ingest

    return incoming_ingest(item=item)


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    """Whether `header` is "sha256=<hex HMAC-SHA256 of body with secret>" (constant time)."""
    scheme, _sep, received = (header or "").partition("=")
    if scheme != "sha256" or not received:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())


def webhook_items(payload: dict, *, page_id: str) -> list[Incoming]:
    """The new comments on `page_id`'s posts among a delivery's changes.
    Other fields, other verbs (edited, remove, hide) and other Pages are left
    out; a change without a comment id, post id or time is skipped and logged."""
    items = []
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict) or str(entry.get("id") or "") != page_id:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "feed":
                continue
            if value.get("item") != "comment" or value.get("verb") != "add":
                continue
            comment_id, post_id = str(value.get("comment_id") or ""), str(value.get("post_id") or "")
            created_at = _event_time(value.get("created_time"))
            if not (comment_id and post_id and created_at):
                logger.warning("Facebook webhook: a comment change without its ids or time was skipped: %r", value)
                continue
            parent_id = str(value.get("parent_id") or "")
            author = value.get("from") if isinstance(value.get("from"), dict) else None
            items.append(
                comment_incoming(
                    comment_id=comment_id,
                    post_id=post_id,
                    message=str(value.get("message") or ""),
                    created_at=created_at,
                    author=author,
                    # Graph names the post as the parent of a top-level comment.
                    parent_id="" if parent_id == post_id else parent_id,
                    url="",
                    page_id=page_id,
                )
            )
    return items


def _event_time(value) -> dt.datetime | None:
    """Webhook times are Unix seconds (an ISO string in older payloads)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return graph_time(value)
        except ValueError:
            return None
    return None


@csrf_exempt  # Meta cannot send a CSRF token; the body's signature authenticates it instead.
@require_http_methods(["GET", "HEAD", "POST"])  # HEAD wherever GET works (monitors send it)
def facebook_webhook(request: HttpRequest) -> HttpResponse:
    secret, verify_token = settings.FACEBOOK_APP_SECRET, settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN
    if not (secret and verify_token):
        raise Http404("The Facebook webhook is not configured.")
    if request.method in ("GET", "HEAD"):
        return _verification(request, verify_token)
    max_bytes = settings.FACEBOOK_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
    if declared > max_bytes:
        return HttpResponse("Too large.", status=413, content_type="text/plain")
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        return HttpResponse("Too large.", status=413, content_type="text/plain")
    if not signature_valid(body, request.META.get(SIGNATURE_HEADER, ""), secret):
        logger.warning("Facebook webhook: a delivery with a missing or bad signature was refused.")
        return HttpResponseForbidden("Bad signature.", content_type="text/plain")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse("Not JSON.", status=400, content_type="text/plain")
    if not isinstance(payload, dict) or payload.get("object") != "page":
        # Signed by our app but not about a Page: acknowledged, so Meta does not retry it.
        return JsonResponse({"received": 0})
    items = webhook_items(payload, page_id=settings.FACEBOOK_PAGE_ID)
    # An error here answers 500 and Meta delivers again: ingestion is idempotent.
    for item in items:
        item_ingest(item)
    return JsonResponse({"received": len(items)})


def _verification(request: HttpRequest, verify_token: str) -> HttpResponse:
    """Meta's subscription check: echo hub.challenge when the token matches."""
    challenge = request.GET.get("hub.challenge", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and constant_time_compare(request.GET.get("hub.verify_token", ""), verify_token)
        and len(challenge) <= MAX_CHALLENGE_LENGTH
    ):
        # Plain text, so an echoed challenge can never be read as HTML.
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponseForbidden("Verification failed.", content_type="text/plain")
