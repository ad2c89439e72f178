"""The fake X API v2 (see fake_social): POST /2/tweets, GET /2/users/me,
GET /2/users/<id>/tweets (start_time, max_results, pagination_token),
DELETE /2/tweets/<id>, and X's error bodies."""

from __future__ import annotations

import datetime as dt
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
                return self._x_timeline()
            if method == "DELETE" and tweet:
                for post in self.state.live("x"):
                    if post["id"] == tweet.group(1):
                        post["deleted"] = True
                        self.state.record({"event": "delete", "network": "x", "id": post["id"]})
                        return 200, {"data": {"deleted": True}}, None
                return 404, {"title": "Not Found Error", "detail": "Could not find tweet", "status": 404}, None
        return 404, {"title": "Not Found Error", "detail": f"No route {method} {self.route}"}, None

    def _x_timeline(self):
        """GET /2/users/:id/tweets: newest first, start_time (created at or
        after), max_results 5-100, pagination_token/next_token; created_at
        only when asked for in tweet.fields, as X does."""
        limit = int(self.query.get("max_results", 10))
        if not 5 <= limit <= 100:
            return 400, {"title": "Invalid Request", "detail": "max_results must be between 5 and 100"}, None
        posts = list(reversed(self.state.live("x")))
        if self.query.get("start_time"):
            start = dt.datetime.strptime(self.query["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            posts = [post for post in posts if post["created_at"] >= start.timestamp()]
        offset = int(self.query.get("pagination_token") or 0)
        page = posts[offset : offset + limit]
        fields = set((self.query.get("tweet.fields") or "").split(","))
        tweets = [self._x_tweet(post, with_created_at="created_at" in fields) for post in page]
        meta = {"result_count": len(tweets)}
        if offset + limit < len(posts):
            meta["next_token"] = str(offset + limit)
        return 200, ({"data": tweets, "meta": meta} if tweets else {"meta": meta}), None

    def _x_create(self, text: str, auth: str):
        if not self.state.allow_duplicates and any(post["text"] == text for post in self.state.live("x")):
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
    def _x_tweet(post: dict, *, with_created_at: bool = False) -> dict:
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
        if with_created_at:
            created = dt.datetime.fromtimestamp(post["created_at"], dt.UTC)
            tweet["created_at"] = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z"
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
