"""The fake X API v2 (see fake_social): POST /2/tweets, GET /2/users/me,
GET /2/users/<id>/tweets, DELETE /2/tweets/<id>, and X's error bodies."""

from __future__ import annotations

import json
import re
import time

X_HOSTS = {"api.twitter.com", "api.x.com"}
ME = {"id": "1000000001", "name": "Tipcast Support", "username": "tipcast"}
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
_URL_IN_TEXT = re.compile(r"https?://\S+")


def is_x_route(route: str) -> bool:
    return route.startswith("/2/")


class XRoutes:
    """The X half of FakeSocialHandler: each method answers (status, body, headers)."""

    def _x(self, method: str):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            return 401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, None
        tweet = re.match(r"^/2/tweets/(\d+)$", self.route)
        timeline = re.match(r"^/2/users/(\d+)/tweets$", self.route)
        with self.state.lock:
            if method == "POST" and self.route == "/2/tweets":
                return self._x_create(json.loads(self.raw_body or b"{}").get("text", ""), auth)
            if method == "GET" and self.route == "/2/users/me":
                return 200, {"data": ME}, None
            if method == "GET" and timeline:
                limit = int(self.query.get("max_results", 10))
                tweets = [self._x_tweet(post) for post in reversed(self.state.live("x"))][:limit]
                return (
                    200,
                    {"data": tweets, "meta": {"result_count": len(tweets)}}
                    if tweets
                    else {"meta": {"result_count": 0}},
                    None,
                )
            if method == "DELETE" and tweet:
                for post in self.state.live("x"):
                    if post["id"] == tweet.group(1):
                        post["deleted"] = True
                        self.state.record({"event": "delete", "network": "x", "id": post["id"]})
                        return 200, {"data": {"deleted": True}}, None
                return 404, {"title": "Not Found Error", "detail": "Could not find tweet", "status": 404}, None
        return 404, {"title": "Not Found Error", "detail": f"No route {method} {self.route}"}, None

    def _x_create(self, text: str, auth: str):
        if any(post["text"] == text for post in self.state.live("x")):
            return (
                403,
                {"title": "Forbidden", "status": 403, "type": "about:blank", "detail": DUPLICATE_DETAIL},
                None,
            )
        urls = _URL_IN_TEXT.findall(text)
        post = {
            "network": "x",
            "id": str(1790000000000000000 + next(self.state.ids)),
            "text": text,
            "link": urls[0] if urls else "",
            "urls": urls,
            "auth": auth[:6],
            "deleted": False,
            "created_at": time.time(),
        }
        self.state.posts.append(post)
        self.state.record({"event": "post", **post})
        return 201, {"data": {"id": post["id"], "text": text}}, None

    @staticmethod
    def _x_tweet(post: dict) -> dict:
        """A tweet as X returns it: links in the text are t.co URLs."""
        text, url_entities = post["text"], []
        for index, url in enumerate(post["urls"]):
            short = f"https://t.co/fake{post['id'][-6:]}{index}"
            start = text.find(url)
            text = text.replace(url, short, 1)
            url_entities.append(
                {
                    "start": start,
                    "end": start + len(short),
                    "url": short,
                    "expanded_url": url,
                    "display_url": url.split("://", 1)[-1][:25],
                }
            )
        tweet = {"id": post["id"], "text": text, "edit_history_tweet_ids": [post["id"]]}
        if url_entities:
            tweet["entities"] = {"urls": url_entities}
        return tweet

    def _x_error(self, spec: dict) -> None:
        """A scripted X error: an HTTP status, with the rate-limit reset header on a 429."""
        status = int(spec["status"])
        headers = {}
        if status == 429:
            headers["x-rate-limit-reset"] = str(int(time.time() + float(spec.get("reset_in", 60))))
        if status == 403 and spec.get("duplicate"):
            detail = DUPLICATE_DETAIL
        else:
            detail = spec.get("message", f"Scripted X error {status}")
        self._json(
            status,
            {
                "title": self.responses.get(status, ("Error",))[0],
                "detail": detail,
                "type": "about:blank",
                "status": status,
            },
            headers,
        )
