"""The fake LINE Messaging API (see fake_social): POST /v2/bot/message/broadcast,
GET /v2/bot/message/quota, GET /v2/bot/message/quota/consumption,
GET /v2/bot/insight/followers, and LINE's error bodies.

Like LINE:
- every request needs `Authorization: Bearer <token>` (401 otherwise);
- a broadcast carrying an X-Line-Retry-Key that was accepted before is refused
  with 409 and the first request's id in x-line-accepted-request-id, so it is
  never executed twice (the duplicate guard; allow_duplicates does not lift it:
  it is LINE's documented behaviour, not a heuristic);
- each broadcast costs one message per friend (`line_friends`), counted in
  the consumption; GET /v2/bot/insight/followers reports them (followers
  minus blocks; "unready" when line_friends is None); with a limited quota a broadcast that would exceed it is
  refused with 429 "You have reached your monthly limit.".
Point the channel at it with LINE_API_BASE_URL=<the fake's URL>.
"""

from __future__ import annotations

import json
import uuid

LINE_TOKEN = "line-channel-token"
LINE_PREFIX = "/v2/bot/"
_MESSAGES = {
    400: "The request body has 1 error(s)",
    401: "Authentication failed. Confirm that the access token in the authorization header is valid.",
    403: "Access to this API is not available for your account",
    429: "Too Many Requests",
    500: "Internal server error",
}


def is_line_route(route: str) -> bool:
    return route.startswith(LINE_PREFIX)


class LineRoutes:
    """Mixed into the fake server's handler; uses its state, _json and raw_body."""

    def _line(self, method: str):
        if self.headers.get("Authorization") != f"Bearer {LINE_TOKEN}":
            return 401, {"message": _MESSAGES[401]}, {}
        state = self.state
        if method == "GET" and self.route == "/v2/bot/message/quota":
            if state.line_quota is None:
                return 200, {"type": "none"}, {}
            return 200, {"type": "limited", "value": state.line_quota}, {}
        if method == "GET" and self.route == "/v2/bot/message/quota/consumption":
            return 200, {"totalUsage": state.line_usage}, {}
        if method == "GET" and self.route == "/v2/bot/insight/followers":
            if state.line_friends is None:
                return 200, {"status": "unready"}, {}
            figures = {"followers": state.line_friends + 2, "targetedReaches": state.line_friends, "blocks": 2}
            return 200, {"status": "ready", **figures}, {}
        if method == "POST" and self.route == "/v2/bot/message/broadcast":
            return self._line_broadcast()
        return 404, {"message": "Not found"}, {}

    def _line_broadcast(self):
        state = self.state
        key = self.headers.get("X-Line-Retry-Key") or ""
        with state.lock:
            if key and key in state.line_accepted:
                return (
                    409,
                    {"message": "The retry key is already accepted"},
                    {"x-line-accepted-request-id": state.line_accepted[key], "x-line-request-id": _request_id()},
                )
            if state.line_quota is not None and state.line_usage + (state.line_friends or 0) > state.line_quota:
                return 429, {"message": "You have reached your monthly limit."}, {}
            body = json.loads(self.raw_body or b"{}")
            request_id = _request_id()
            message = (body.get("messages") or [{}])[0]
            post = {
                "network": "line",
                "id": request_id,
                "text": message.get("altText", ""),
                "link": _button_uri(message),
                "message": message,
                "retry_key": key,
                "auth": self.headers.get("Authorization"),
                "deleted": False,
            }
            state.posts.append(post)
            state.record({"event": "post", **post})
            state.line_usage += state.line_friends or 0
            if key:
                state.line_accepted[key] = request_id
        return 200, {}, {"x-line-request-id": request_id}

    def _line_error(self, spec: dict) -> None:
        status = int(spec.get("status", 500))
        message = spec.get("message") or _MESSAGES.get(status, "Error")
        if status == 429 and spec.get("monthly"):
            message = "You have reached your monthly limit."
        self._json(status, {"message": message}, {"x-line-request-id": _request_id()})


def _request_id() -> str:
    return str(uuid.uuid4())


def _button_uri(message: dict) -> str:
    try:
        return message["contents"]["footer"]["contents"][0]["action"]["uri"]
    except (KeyError, IndexError, TypeError):
        return ""
