"""The fake X API v2 (see fake_social): POST /2/tweets (replies too),
GET /2/users/me, GET /2/users/<id>/tweets (start_time, max_results,
pagination_token), GET /2/users/<id>/mentions (since_id, max_results,
pagination_token, expansions=author_id), POST /2/users/<id>/likes,
DELETE /2/tweets/<id>, and X's error bodies.

Posts by other people (mentions, or posts that do not mention the account)
are injected with POST /_fake/x/posts {"posts": [{"text": ..., "author":
{"id", "username", "name"}, "mentions": true, "quote_of": id, "in_reply_to": id,
"lang": "ja"}]} -> {"ids": [...]}. As X does since 2026, a reply to a post
that neither mentions nor quotes the account is refused with a 403."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

X_HOSTS = {"api.twitter.com", "api.x.com"}
ME = {"id": "1000000001", "name": "Tipcast Support", "username": "tipcast"}
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED_DETAIL = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to."
)
REPLY_TARGET_GONE_DETAIL = "You attempted to reply to a Tweet that is deleted or not visible to you."
CUSTOMER = {"id": "2000000001", "username": "customer", "name": "A Customer"}
_MENTION = re.compile(r"@(\w+)")
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
        mentions = re.match(r"^/2/users/(\w+)/mentions$", self.route)
        likes = re.match(r"^/2/users/(\w+)/likes$", self.route)
        with self.state.lock:
            if method == "POST" and self.route == "/2/tweets":
                return self._x_create(json.loads(self.raw_body or b"{}"), auth)
            if method == "GET" and self.route == "/2/users/me":
                return 200, {"data": ME}, None
            if method == "GET" and timeline:
                return self._x_timeline()
            if method == "GET" and mentions:
                return self._x_mentions()
            if method == "POST" and likes:
                return self._x_like(str(json.loads(self.raw_body or b"{}").get("tweet_id", "")))
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

    def _x_create(self, body: dict, auth: str):
        text = body.get("text", "")
        in_reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        target = self._x_find(in_reply_to) if in_reply_to else None
        if in_reply_to and target is None:
            return 403, {"title": "Forbidden", "status": 403, "detail": REPLY_TARGET_GONE_DETAIL}, None
        if target is not None and target["network"] == "x-foreign" and not self._x_mentions_account(target):
            return 403, {"title": "Forbidden", "status": 403, "detail": REPLY_NOT_ALLOWED_DETAIL}, None
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
        if target is not None:
            post["in_reply_to"] = in_reply_to
            post["conversation_id"] = target.get("conversation_id") or target["id"]
        self.state.posts.append(post)
        self.state.record({"event": "post", **post})
        return 201, {"data": {"id": post["id"], "text": text}}, None

    @staticmethod
    def _x_tweet(post: dict, *, with_created_at: bool = False) -> dict:
        """A tweet as X returns it: links in the text are t.co URLs, & < > escaped."""
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
        tweet = {"id": post["id"], "text": _escaped(text), "edit_history_tweet_ids": [post["id"]]}
        if post.get("in_reply_to"):
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": post["in_reply_to"]}]
        if with_created_at:
            created = dt.datetime.fromtimestamp(post["created_at"], dt.UTC)
            tweet["created_at"] = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z"
        if url_entities:
            tweet["entities"] = {"urls": url_entities}
        return tweet

    # --- conversations: other people's posts, mentions, likes --------------------------------

    def _x_find(self, tweet_id: str) -> dict | None:
        for post in self.state.live("x") + self.state.x_foreign:
            if post["id"] == tweet_id:
                return post
        return None

    def _x_mentions_account(self, post: dict) -> bool:
        """The post mentions the account, or quotes one of its posts."""
        own = {mine["id"] for mine in self.state.live("x")}
        return ME["username"].lower() in post["mentions"] or post.get("quote_of", "") in own

    def _x_inject(self, posts: list[dict]) -> list[str]:
        ids = []
        for spec in posts:
            post_id = str(1790000000000000000 + next(self.state.ids))
            in_reply_to = str(spec.get("in_reply_to") or "")
            target = self._x_find(in_reply_to) if in_reply_to else None
            text = spec.get("text", "")
            post = {
                "network": "x-foreign",
                "id": post_id,
                "text": text,
                "author": spec.get("author") or CUSTOMER,
                "mentions": [name.lower() for name in _MENTION.findall(text)],
                "quote_of": str(spec.get("quote_of") or ""),
                "in_reply_to": in_reply_to,
                "conversation_id": (target or {}).get("conversation_id") or in_reply_to or post_id,
                "lang": spec.get("lang", "ja"),
                "created_at": time.time(),
            }
            self.state.x_foreign.append(post)
            ids.append(post_id)
        return ids

    def _x_control(self, method: str):
        if method == "POST" and self.route == "/_fake/x/posts":
            return self._json(200, {"ids": self._x_inject(json.loads(self.raw_body or b"{}").get("posts", []))})
        if method == "GET" and self.route == "/_fake/x/likes":
            return self._json(200, {"likes": sorted(self.state.x_likes), "requests": self.state.x_like_requests})
        return self._json(404, {"error": f"unknown control endpoint {method} {self.route}"})

    def _x_mentions(self):
        """GET /2/users/:id/mentions: newest first, since_id, max_results
        5-100, pagination_token/next_token, includes.users with
        expansions=author_id; & < > escaped in the text, as X does."""
        limit = int(self.query.get("max_results", 10))
        if not 5 <= limit <= 100:
            return 400, {"title": "Invalid Request", "detail": "max_results must be between 5 and 100"}, None
        since = int(self.query.get("since_id") or 0)
        posts = [
            post
            for post in reversed(self.state.x_foreign)
            if self._x_mentions_account(post) and int(post["id"]) > since
        ]
        offset = int(self.query.get("pagination_token") or 0)
        page = posts[offset : offset + limit]
        self.state.x_mention_reads += len(page)
        fields = set((self.query.get("tweet.fields") or "").split(","))
        tweets = [self._x_foreign_tweet(post, fields) for post in page]
        meta = {"result_count": len(tweets)}
        if tweets:
            meta.update(newest_id=tweets[0]["id"], oldest_id=tweets[-1]["id"])
        if offset + limit < len(posts):
            meta["next_token"] = str(offset + limit)
        if not tweets:
            return 200, {"meta": meta}, None
        body = {"data": tweets, "meta": meta}
        if "author_id" in (self.query.get("expansions") or "").split(","):
            authors = {post["author"]["id"]: post["author"] for post in page}
            user_fields = set((self.query.get("user.fields") or "").split(",")) | {"id", "name", "username"}
            body["includes"] = {
                "users": [
                    {key: value for key, value in user.items() if key in user_fields} for user in authors.values()
                ]
            }
        return 200, body, None

    @staticmethod
    def _x_foreign_tweet(post: dict, fields: set[str]) -> dict:
        tweet = {"id": post["id"], "text": _escaped(post["text"]), "edit_history_tweet_ids": [post["id"]]}
        created = dt.datetime.fromtimestamp(post["created_at"], dt.UTC)
        references = [{"type": "replied_to", "id": post["in_reply_to"]}] if post["in_reply_to"] else []
        if post["quote_of"]:
            references.append({"type": "quoted", "id": post["quote_of"]})
        optional = {
            "author_id": post["author"]["id"],
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
            "conversation_id": post["conversation_id"],
            "lang": post["lang"],
            "referenced_tweets": references,
            "entities": {"mentions": [{"username": name} for name in post["mentions"]]},
        }
        tweet.update({name: value for name, value in optional.items() if name in fields and value})
        return tweet

    def _x_like(self, tweet_id: str):
        """POST /2/users/:id/likes: liking a post twice answers liked=true again."""
        self.state.x_like_requests += 1
        if self._x_find(tweet_id) is None:
            return 404, {"title": "Not Found Error", "detail": f"Could not find tweet with id: [{tweet_id}]."}, None
        self.state.x_likes.add(tweet_id)
        return 200, {"data": {"liked": True}}, None

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


def _escaped(text: str) -> str:
    """X's API escapes these three in a post's text (and only these)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def use_fake_x(settings, monkeypatch, server, *, access_token: str = "token") -> None:
    """Point the X channel and the X mentions source (their real tweepy
    clients) at the fake server `server`, with credentials."""
    monkeypatch.setenv("FAKE_SOCIAL_URL", server.url)
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = "tests.publishing.fake_social.RedirectingSession"
    settings.PUBLISHING_HTTP_TIMEOUT = 5.0
    settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = access_token, "token-secret"
