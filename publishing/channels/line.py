"""A LINE Official Account through line-bot-sdk's Messaging API client (v3).

Each tip is a broadcast of one Flex Message card (the share image, the title,
a button to the tip) to every friend of the account. LINE bills per recipient
(a broadcast to 10,000 friends is 10,000 messages), so:
- the channel is opt-in per tip (Channel.opt_in): staff tick LINE on the tip;
- before each broadcast the month's quota and usage are read from the API, and
  the number of friends it would reach (followers minus blocks, from the
  insight statistics); when usage plus that would pass LINE_QUOTA_SHARE of the
  quota the send is refused with over_budget (the delivery is held,
  publishing.budget), as is LINE's own 429 "You have reached your monthly limit."

What LINE cannot do, and what Tipcast does instead:
- A broadcast cannot be listed, searched or looked up afterwards, so find()
  cannot search. Every attempt at one delivery carries the same
  X-Line-Retry-Key (Post.idempotency_key); LINE executes a key once and
  answers a repeat with 409 for 24 hours, so within that window a retry can
  never broadcast twice, and find() says so (FindResult.resend_is_safe).
  After the window it cannot tell, and the delivery becomes `unknown`.
- A broadcast cannot be deleted or recalled: delete() refuses, and staff see
  why on the delivery when a tip is unpublished.
- The only id LINE gives back is the request id (X-Line-Request-Id); there is
  no public URL of the message.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from linebot.v3 import insight as line_insight
from linebot.v3.messaging import (
    ApiClient,
    BroadcastRequest,
    Configuration,
    FlexContainer,
    FlexMessage,
    MessagingApi,
)
from linebot.v3.messaging.exceptions import ApiException

from publishing import compose
from publishing.channels.base import Channel, FindResult, Post, PublishError, Remote

# LINE accepts a retry key once and refuses repeats for 24 hours after the
# first request; an hour's margin for clocks and a request that took long.
RETRY_KEY_WINDOW = dt.timedelta(hours=24)
RETRY_KEY_MARGIN = dt.timedelta(hours=1)
# altText is shown in notifications and chat lists (LINE allows 1,500 characters).
ALT_TEXT_MAX_GRAPHEMES = 400
# A button's label (LINE allows 40 characters) and an action's URI (1,000).
BUTTON_LABEL_MAX = 40
URI_MAX = 1000
# The share image is 1200 x 630.
HERO_ASPECT_RATIO = "40:21"
MONTHLY_LIMIT_MESSAGE = "monthly limit"
# LINE's 429 carries no Retry-After; broadcasts are limited to 60 an hour.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# LINE's statistics are by day in Japan time, ready the day after.
LINE_STATISTICS_TZ = dt.timezone(dt.timedelta(hours=9))


@dataclass(frozen=True)
class LineQuota:
    """The account's messages this month: `limit` None means the plan has no quota."""

    limit: int | None
    used: int
    share: float

    @property
    def allowed(self) -> int | None:
        """What Tipcast lets itself use: LINE_QUOTA_SHARE of the quota."""
        return None if self.limit is None else int(self.limit * self.share)

    @property
    def exhausted(self) -> bool:
        return self.allowed is not None and self.used >= self.allowed

    def exceeded_by(self, recipients: int) -> bool:
        """A broadcast to `recipients` friends would go past the allowed share."""
        return self.allowed is not None and self.used + recipients > self.allowed


class LineChannel(Channel):
    kind = "line"
    label = _("LINE Official Account")
    opt_in = True
    idempotency_window = RETRY_KEY_WINDOW - RETRY_KEY_MARGIN

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("access_token"))

    @contextmanager
    def api(self):
        configuration = Configuration(host=self.config.get("api_base_url"), access_token=self.config["access_token"])
        # No silent retries inside urllib3: the pipeline decides, with the retry key.
        configuration.retries = False
        with ApiClient(configuration) as client:
            yield MessagingApi(client)

    @contextmanager
    def insight(self):
        configuration = line_insight.Configuration(
            host=self.config.get("api_base_url"), access_token=self.config["access_token"]
        )
        configuration.retries = False
        with line_insight.ApiClient(configuration) as client:
            yield line_insight.Insight(client)

    # --- compose --------------------------------------------------------------------------

    def compose(self, tip, *, text_override: str = "") -> Post:
        from qa.share_image_store import tip_share_image_url

        link = compose.tip_link(tip, source=self.kind)
        if len(link) > URI_MAX:
            raise PublishError(
                f"The tip's link is {len(link)} characters; LINE allows {URI_MAX} in a button.",
                permanent=True,
                code="uri_too_long",
            )
        alt_text = compose.truncate_graphemes(compose.nfc(text_override.strip() or tip.title), ALT_TEXT_MAX_GRAPHEMES)
        image = tip_share_image_url(tip)
        card = flex_card(title=compose.nfc(tip.title), link=link, image_url=image)
        return Post(
            text=alt_text,
            link=link,
            details={"length": len(compose.graphemes(alt_text)), "image": image or "", "flex": card},
        )

    # --- send -------------------------------------------------------------------------------

    def quota(self, *, timeout: float | None = None) -> LineQuota:
        """This month's quota and usage, as LINE counts them; raises PublishError."""
        timeout = timeout or settings.PUBLISHING_HTTP_TIMEOUT
        with _errors_mapped(), self.api() as api:
            quota = api.get_message_quota(_request_timeout=timeout)
            consumption = api.get_message_quota_consumption(_request_timeout=timeout)
        limit = quota.value if str(getattr(quota.type, "value", quota.type)) == "limited" else None
        return LineQuota(limit=limit, used=consumption.total_usage, share=settings.LINE_QUOTA_SHARE)

    def broadcast_reach(self, *, timeout: float | None = None) -> int | None:
        """About how many friends a broadcast reaches (and so how many
        messages it costs): the followers minus the blocks on the latest day
        LINE has figures for (yesterday or the day before, Japan time); None
        when it has none yet. Raises PublishError."""
        timeout = timeout or settings.PUBLISHING_HTTP_TIMEOUT
        today = timezone.now().astimezone(LINE_STATISTICS_TZ).date()
        with _errors_mapped(), self.insight() as insight:
            for days_back in (1, 2):
                day = f"{today - dt.timedelta(days=days_back):%Y%m%d}"
                figures = insight.get_number_of_followers(var_date=day, _request_timeout=timeout)
                if figures.status == "ready" and figures.followers is not None:
                    return max(0, figures.followers - (figures.blocks or 0))
        return None

    def _refuse_past_the_quota_share(self) -> None:
        quota = self.quota()
        if quota.limit is None:
            return
        reach = 0 if quota.exhausted else (self.broadcast_reach() or 0)
        if quota.exhausted or quota.exceeded_by(reach):
            cost = f" and a broadcast reaches about {reach} friends" if reach else ""
            raise PublishError(
                f"LINE: {quota.used} of this month's {quota.limit} messages are used{cost}; Tipcast stops at "
                f"{quota.allowed} ({settings.LINE_QUOTA_SHARE:.0%}, LINE_QUOTA_SHARE).",
                over_budget=True,
                code="quota_share",
            )

    def send(self, post: Post) -> Remote:
        self._refuse_past_the_quota_share()
        message = FlexMessage(alt_text=post.text, contents=FlexContainer.from_dict(post.details["flex"]))
        try:
            with _errors_mapped(sending=True), self.api() as api:
                response = api.broadcast_with_http_info(
                    BroadcastRequest(messages=[message]),
                    x_line_retry_key=post.idempotency_key or None,
                    _request_timeout=settings.PUBLISHING_HTTP_TIMEOUT,
                )
        except _AlreadyAccepted as accepted:
            return Remote(id=accepted.request_id, url="", existing=True)
        return Remote(id=_header(response.headers, "x-line-request-id"), url="")

    def find(self, tip, *, since: dt.datetime) -> FindResult:
        """LINE cannot list broadcasts. Within the retry key's window a new
        attempt (same key) is safe; after it nothing can be proven."""
        if timezone.now() - since < self.idempotency_window:
            return FindResult.resend_is_safe(
                "LINE cannot list broadcasts, but a new attempt carries the same X-Line-Retry-Key, "
                "which LINE executes once (409 for a repeat within 24 hours)"
            )
        return FindResult.cannot_tell(
            "LINE cannot list the broadcasts an account made, and the retry key of the first attempt "
            "has expired (LINE keeps it 24 hours)"
        )

    def delete(self, remote: Remote) -> None:
        raise PublishError(
            "LINE cannot delete or recall a broadcast message: it stays in the friends' chats.",
            permanent=True,
            code="unsupported",
        )


def flex_card(*, title: str, link: str, image_url: str | None) -> dict:
    """A Flex bubble: the share image (LINE wants HTTPS), the title, and a
    button to the tip labelled in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        label = compose.truncate_graphemes(gettext("Read the tip"), BUTTON_LABEL_MAX)
    bubble = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": title, "weight": "bold", "size": "lg", "wrap": True}],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {"type": "button", "style": "primary", "action": {"type": "uri", "label": label, "uri": link}}
            ],
        },
    }
    if image_url and image_url.startswith("https://"):
        bubble["hero"] = {
            "type": "image",
            "url": image_url,
            "size": "full",
            "aspectRatio": HERO_ASPECT_RATIO,
            "aspectMode": "cover",
            "action": {"type": "uri", "uri": link},
        }
    return bubble


# --- errors ------------------------------------------------------------------------------------


class _AlreadyAccepted(Exception):
    """LINE's 409: a request with this retry key was accepted before."""

    def __init__(self, request_id: str):
        super().__init__(request_id)
        self.request_id = request_id


def _header(headers, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def _api_message(exc) -> str:
    try:
        body = json.loads(exc.body or b"{}")
    except (TypeError, ValueError):
        return str(exc.reason or exc.status)
    message = body.get("message") or str(exc.reason or "")
    details = "; ".join(
        f"{detail.get('property', '')}: {detail.get('message', '')}" for detail in body.get("details") or []
    )
    return f"{message} ({details})" if details else message


@contextmanager
def _errors_mapped(*, sending: bool = False):
    """Turn line-bot-sdk's and urllib3's exceptions into PublishError. While
    `sending`, a server error, a read timeout or a dropped connection may come
    after LINE accepted the broadcast, so it is flagged ambiguous (the retry
    key makes the next attempt safe)."""
    try:
        yield
    except (ApiException, line_insight.ApiException) as exc:
        raise _publish_error(exc, sending=sending) from exc
    except urllib3.exceptions.MaxRetryError as exc:
        raise _transport_error(exc.reason or exc, sending=sending) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _transport_error(exc, sending=sending) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"Unexpected answer from LINE: {exc!r}", code=type(exc).__name__, ambiguous=sending) from exc


def _transport_error(exc: BaseException, *, sending: bool) -> PublishError:
    # A connection that was never made cannot have broadcast anything.
    never_connected = isinstance(exc, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))
    return PublishError(
        f"Could not reach LINE: {exc}", code=type(exc).__name__, ambiguous=sending and not never_connected
    )


def _publish_error(exc, *, sending: bool) -> PublishError | _AlreadyAccepted:
    status = exc.status or 0
    message = _api_message(exc)
    if status == 409 and sending:
        return _AlreadyAccepted(_header(exc.headers, "x-line-accepted-request-id"))
    if status == 401:
        return PublishError(f"LINE rejected the channel access token: {message}", needs_reauth=True, code="401")
    if status == 429 and MONTHLY_LIMIT_MESSAGE in message.lower():
        return PublishError(f"LINE refused: {message}", over_budget=True, code="429-monthly-limit")
    if status == 429:
        retry_after = _header(exc.headers, "retry-after")
        wait = float(retry_after) if retry_after.isdigit() else DEFAULT_RATE_LIMIT_WAIT
        return PublishError(f"LINE rate limit: {message}", retry_after=wait, code="429")
    if status == 403:
        return PublishError(f"LINE does not allow this account to do this: {message}", permanent=True, code="403")
    if 400 <= status < 500:
        return PublishError(f"LINE refused the request ({status}): {message}", permanent=True, code=str(status))
    if status >= 500:
        return PublishError(f"LINE server error ({status}): {message}", code=str(status), ambiguous=sending)
    # status 0: the SDK's own failure (e.g. TLS) before any answer.
    return PublishError(f"Could not reach LINE: {exc.reason}", code="0")
