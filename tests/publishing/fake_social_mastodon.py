"""The fake Mastodon instance (see fake_social):

    GET  /api/v2/instance                    configuration.statuses.max_characters
    POST /api/v1/statuses                    Idempotency-Key honoured: the same key
                                             answers the status it made, never a second one
    GET  /api/v1/accounts/verify_credentials
    GET  /api/v1/accounts/<id>/statuses      newest first, limit <= 40, max_id
    DELETE /api/v1/statuses/<id>

Like Mastodon: a status over the instance's limit (graphemes, every URL 23)
is a 422, a bad token a 401, a rate limit a 429 with X-RateLimit-Reset (ISO 8601).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from urllib.parse import parse_qs

import regex

ACCOUNT_ID = "109000000000000001"
ACCESS_TOKEN = "mastodon-bot-token"
_URL = re.compile(r"https?://\S+")


def is_mastodon_route(route: str) -> bool:
    return route.startswith(("/api/v1/", "/api/v2/"))


def _length(text: str) -> int:
    return len(regex.findall(r"\X", _URL.sub("x" * 23, text)))


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


class MastodonRoutes:
    """The Mastodon half of FakeSocialHandler: each method answers (status, body, headers)."""

    def _mastodon(self, method: str):
        state = self.state
        # Mastodon.py asks for /api/v2/instance/ (Rails ignores the slash).
        if self.route.rstrip("/") == "/api/v2/instance" and method == "GET":
            limit = state.mastodon_max_characters
            state.mastodon_instance_reads += 1
            return 200, {"domain": "social.example", "configuration": {"statuses": {"max_characters": limit}}}, None
        if self.headers.get("Authorization", "") != f"Bearer {ACCESS_TOKEN}":
            return 401, {"error": "The access token is invalid"}, None
        with state.lock:
            if self.route == "/api/v1/accounts/verify_credentials" and method == "GET":
                return 200, {"id": ACCOUNT_ID, "username": "tipcast", "acct": "tipcast"}, None
            if self.route == "/api/v1/statuses" and method == "POST":
                return self._mastodon_create()
            timeline = re.match(r"^/api/v1/accounts/(\d+)/statuses$", self.route)
            if timeline and method == "GET":
                return self._mastodon_timeline()
            one = re.match(r"^/api/v1/statuses/(\d+)$", self.route)
            if one and method == "DELETE":
                for post in state.live("mastodon"):
                    if post["id"] == one.group(1):
                        post["deleted"] = True
                        state.record({"event": "delete", "network": "mastodon", "id": post["id"]})
                        return 200, self._mastodon_status(post), None
                return 404, {"error": "Record not found"}, None
        return 404, {"error": f"fake Mastodon has no {method} {self.route}"}, None

    def _mastodon_params(self) -> dict:
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(self.raw_body or b"{}")
        return {key: values[-1] for key, values in parse_qs(self.raw_body.decode()).items()}

    def _mastodon_create(self):
        params = self._mastodon_params()
        text = params.get("status", "")
        key = self.headers.get("Idempotency-Key", "")
        state = self.state
        if key and key in state.mastodon_idempotency:
            state.mastodon_idempotent_replays += 1
            return 200, self._mastodon_status(state.mastodon_idempotency[key]), None
        if _length(text) > state.mastodon_max_characters:
            limit = state.mastodon_max_characters
            return 422, {"error": f"Validation failed: Text character limit of {limit} exceeded"}, None
        urls = _URL.findall(text)
        post = {
            "network": "mastodon",
            "id": str(int(ACCOUNT_ID) + next(state.ids) * 1000),
            "text": text,
            "link": urls[0] if urls else "",
            "idempotency_key": key,
            "visibility": params.get("visibility", ""),
            "language": params.get("language", ""),
            "auth": "Bearer",
            "deleted": False,
            "created_at": time.time(),
        }
        state.posts.append(post)
        if key:
            state.mastodon_idempotency[key] = post
        state.record({"event": "post", **post})
        return 200, self._mastodon_status(post), None

    def _mastodon_timeline(self):
        limit = min(int(self.query.get("limit", 20)), 40)
        posts = sorted(self.state.live("mastodon"), key=lambda p: int(p["id"]), reverse=True)
        if self.query.get("max_id"):
            posts = [p for p in posts if int(p["id"]) < int(self.query["max_id"])]
        return 200, [self._mastodon_status(p) for p in posts[:limit]], None

    @staticmethod
    def _mastodon_status(post: dict) -> dict:
        """A status as Mastodon returns it: the text as HTML, links as anchors."""

        def anchor(match):
            url = match.group(0)
            return f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">{html.escape(url[:30])}</a>'

        escaped = _URL.sub(anchor, post["text"].replace("&", "&amp;").replace("<", "&lt;"))
        return {
            "id": post["id"],
            "created_at": _iso(post["created_at"]),
            "uri": f"https://social.example/users/tipcast/statuses/{post['id']}",
            "url": f"https://social.example/@tipcast/{post['id']}",
            "content": "<p>" + escaped.replace("\n", "<br />") + "</p>",
            "visibility": post.get("visibility") or "public",
            "card": None,
            "reblog": None,
        }

    def _mastodon_error(self, spec: dict) -> None:
        status = int(spec["status"])
        headers = {}
        if status == 429:
            reset = dt.datetime.fromtimestamp(time.time() + float(spec.get("reset_in", 60)), dt.UTC)
            headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            }
            body = {"error": "Too many requests"}
        elif status == 401:
            body = {"error": "The access token is invalid"}
        else:
            body = {"error": spec.get("message", f"Scripted {status}")}
        self._json(status, body, headers)
