"""The fake Facebook Graph API (see fake_social): POST /vNN.N/<page>/feed,
GET /vNN.N/<page>/feed (fields, since, limit, after; paging.next; a post's
updated_time moves with its newest comment), DELETE /vNN.N/<post-id>, and
Graph's error bodies.

Comments (state.facebook_comments; someone else's are injected through
POST /_fake/facebook/comments): GET /vNN.N/<post or comment>/comments (filter
toplevel or stream, order chronological or reverse_chronological, since,
until, limit, after), POST /vNN.N/<post or comment>/comments (a comment by the
Page; like Facebook, a reply to a reply goes under its top-level comment),
POST /vNN.N/<id>/likes (liking twice is no error), GET /vNN.N/<id>?fields=...

Like Graph v3.3 and later, a feed read that asks for the Post field `link`
is refused with "(#12) link field is deprecated for versions v3.3 and higher".
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from urllib.parse import quote, urlencode

GRAPH_HOSTS = {"graph.facebook.com"}
_GRAPH_PATH = re.compile(r"^/(v\d+\.\d+)/(.+)$")
# The Graph error code a bare scripted HTTP status stands for.
_CODE_FOR_STATUS = {500: 2, 503: 2, 429: 4, 401: 190, 403: 200}
LINK_DEPRECATED = "(#12) link field is deprecated for versions v3.3 and higher"


def _top_level_fields(fields: str) -> list[str]:
    """'id,attachments{url,unshimmed_url},message' -> ['id', 'attachments', 'message']."""
    names, depth, current = [], 0, ""
    for char in fields:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            names.append(current.strip())
            current = ""
            continue
        if depth == 0 and char not in "{}":
            current += char
    if current.strip():
        names.append(current.strip())
    return names


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


def _graph_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _graph_comment(comment: dict, fields: list[str]) -> dict:
    """A Comment with the fields asked for; `from` is missing when the commenter hides it."""
    post_number = comment["post"].split("_")[-1]
    page = comment["post"].split("_")[0]
    available = {
        "id": comment["id"],
        "message": comment["message"],
        "created_time": _graph_time(comment["created_at"]),
        "permalink_url": f"https://www.facebook.com/{page}/posts/{post_number}?comment_id={comment['seq']}",
    }
    if comment["from"]:
        available["from"] = comment["from"]
    if comment["parent"]:
        available["parent"] = {"id": comment["parent"]}
    return {name: available[name] for name in ["id", *fields] if name in available}


def _paged(items: list[dict], offset: int, limit: int, total: int, path: str, params: dict) -> dict:
    """Graph's list body: data, cursors, and paging.next while more remain."""
    body = {"data": items}
    if items:
        body["paging"] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(items))}}
        if offset + limit < total:
            query = {key: value for key, value in params.items() if key != "after"}
            query["after"] = _cursor(offset + len(items))
            body["paging"]["next"] = f"https://graph.facebook.com/{path}?{urlencode(query)}"
    return body


def _missing(object_id: str, method: str):
    message = (
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation"
    )
    return 400, {"error": {"message": message, "type": "GraphMethodException", "code": 100, "error_subcode": 33}}, None


def is_graph_route(route: str) -> bool:
    return _GRAPH_PATH.match(route) is not None


def _error_body(message: str, code: int, **extra) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


class GraphRoutes:
    """The Graph half of FakeSocialHandler: each method answers (status, body, headers)."""

    def _graph(self, method: str):
        version, rest = _GRAPH_PATH.match(self.route).groups()
        params = {**self.query, **(self._form() if method == "POST" else {})}
        if not params.get("access_token"):
            return 400, _error_body("An active access token must be used", 2500), None
        with self.state.lock:
            comments = re.match(r"^([^/]+)/comments$", rest)
            if comments:
                return self._graph_comments(method, version, comments.group(1), params)
            likes = re.match(r"^([^/]+)/likes$", rest)
            if method == "POST" and likes:
                return self._graph_like(likes.group(1))
            if method == "GET" and "/" not in rest:
                return self._graph_object(rest, params)
            feed = re.match(r"^([^/]+)/feed$", rest)
            if method == "POST" and feed:
                return self._graph_create(feed.group(1), version, params)
            if method == "GET" and feed:
                return self._graph_feed(version, feed.group(1), params)
            if method == "DELETE" and "/" not in rest:
                for post in self.state.live("facebook"):
                    if post["id"] == rest:
                        post["deleted"] = True
                        self.state.record({"event": "delete", "network": "facebook", "id": post["id"]})
                        return 200, {"success": True}, None
                return (
                    400,
                    {
                        "error": {
                            "message": f"Unsupported delete request. Object with ID '{rest}' does not exist",
                            "type": "GraphMethodException",
                            "code": 100,
                            "error_subcode": 33,
                        }
                    },
                    None,
                )
        return 400, _error_body(f"Unknown path components: {self.route}", 2500), None

    def _graph_feed(self, version: str, page: str, params: dict):
        fields = _top_level_fields(params.get("fields") or "id,message,created_time")
        if "link" in fields:
            return 400, _error_body(LINK_DEPRECATED, 12, fbtrace_id="FakeTrace"), None
        limit = min(int(params.get("limit", 25)), 100)
        posts = [post for post in reversed(self.state.live("facebook")) if post["page"] == page]
        if params.get("since"):
            posts = [post for post in posts if post["created_at"] >= float(params["since"])]
        offset = _offset(params["after"]) if params.get("after") else 0
        items = [self._graph_post(post, fields) for post in posts[offset : offset + limit]]
        return 200, _paged(items, offset, limit, len(posts), f"{version}/{page}/feed", params), None

    def _graph_post(self, post: dict, fields: list[str]) -> dict:
        """A Post with the fields asked for; the shared link is in its attachment,
        `url` being Facebook's l.facebook.com shim around it."""
        shim = f"https://l.facebook.com/l.php?u={quote(post['link'], safe='')}&h=AT0fake"
        created = _graph_time(post["created_at"])
        available = {
            "id": post["id"],
            "message": post["text"],
            "created_time": created,
            "updated_time": _graph_time(
                max([post["created_at"]] + [c["created_at"] for c in self._graph_post_comments(post["id"])])
            ),
            "permalink_url": f"https://www.facebook.com/{post['id']}",
            "attachments": {"data": [{"type": "share", "unshimmed_url": post["link"], "url": shim}]}
            if post["link"]
            else {"data": []},
        }
        return {name: available[name] for name in ["id", *fields] if name in available}

    def _graph_create(self, page: str, version: str, params: dict):
        message, link = params.get("message", ""), params.get("link", "")
        duplicate = any(post["text"] == message and post["link"] == link for post in self.state.live("facebook"))
        if duplicate and not self.state.allow_duplicates:
            return 400, _error_body("Duplicate status message", 506), None
        post = {
            "network": "facebook",
            "id": f"{page}_{next(self.state.ids)}",
            "page": page,
            "text": message,
            "link": link,
            "version": version,
            "auth": "access_token",
            "deleted": False,
            "created_at": time.time(),
        }
        self.state.posts.append(post)
        self.state.record({"event": "post", **post})
        return 200, {"id": post["id"]}, None

    # --- comments and likes ---------------------------------------------------------------

    def _graph_post_comments(self, post_id: str) -> list[dict]:
        return [comment for comment in self.state.facebook_comments if comment["post"] == post_id]

    def _graph_find(self, object_id: str) -> tuple[dict | None, dict | None]:
        """(post, comment): the live Page post or the comment with this id."""
        post = next((post for post in self.state.live("facebook") if post["id"] == object_id), None)
        comment = next((c for c in self.state.facebook_comments if c["id"] == object_id), None)
        return post, comment

    def _graph_comments(self, method: str, version: str, object_id: str, params: dict):
        post, comment = self._graph_find(object_id)
        if post is None and comment is None:
            return _missing(object_id, method)
        if method == "POST":
            target_post = post["id"] if post else comment["post"]
            # Facebook nests comments two deep: a reply to a reply joins its top-level comment.
            parent = "" if post else (comment["parent"] or comment["id"])
            page = target_post.split("_")[0]
            return self._graph_add_comment(
                target_post, params.get("message", ""), {"id": page, "name": "Tipcast"}, parent, time.time()
            )
        if post is not None:
            found = self._graph_post_comments(post["id"])
            if params.get("filter", "toplevel") != "stream":
                found = [c for c in found if not c["parent"]]
        else:
            found = [c for c in self.state.facebook_comments if c["parent"] == comment["id"]]
        if params.get("since"):
            found = [c for c in found if c["created_at"] >= float(params["since"])]
        if params.get("until"):
            found = [c for c in found if c["created_at"] <= float(params["until"])]
        found.sort(key=lambda c: (c["created_at"], c["seq"]), reverse=params.get("order") == "reverse_chronological")
        fields = _top_level_fields(params.get("fields") or "id,message,created_time")
        limit = min(int(params.get("limit", 25)), 100)
        offset = _offset(params["after"]) if params.get("after") else 0
        items = [_graph_comment(c, fields) for c in found[offset : offset + limit]]
        return 200, _paged(items, offset, limit, len(found), f"{version}/{object_id}/comments", params), None

    def _graph_add_comment(self, post_id: str, message: str, author: dict | None, parent: str, created_at: float):
        seq = next(self.state.ids)
        comment = {
            "id": f"{post_id.split('_')[-1]}_{seq}",
            "seq": seq,
            "post": post_id,
            "parent": parent,
            "message": message,
            "from": author,
            "created_at": created_at,
        }
        self.state.facebook_comments.append(comment)
        self.state.record({"event": "comment", "network": "facebook", **comment})
        return 200, {"id": comment["id"]}, None

    def _graph_inject_comment(self, spec: dict):
        """Control: someone comments on the Page's post (or replies to a comment)."""
        post, _comment = self._graph_find(spec.get("post", ""))
        if post is None:
            return 404, {"error": f"no live post {spec.get('post')!r}"}, None
        author = spec["from"] if "from" in spec else {"id": "990001", "name": "A customer"}
        created_at = float(spec.get("created_at") or time.time())
        return self._graph_add_comment(post["id"], spec.get("message", ""), author, spec.get("parent", ""), created_at)

    def _graph_like(self, object_id: str):
        post, comment = self._graph_find(object_id)
        if post is None and comment is None:
            return _missing(object_id, "POST")
        self.state.facebook_likes[object_id] = self.state.facebook_likes.get(object_id, 0) + 1
        return 200, {"success": True}, None

    def _graph_object(self, object_id: str, params: dict):
        post, comment = self._graph_find(object_id)
        fields = _top_level_fields(params.get("fields") or "id")
        if comment is not None:
            return 200, _graph_comment(comment, fields), None
        if post is not None:
            return 200, self._graph_post(post, fields), None
        return _missing(object_id, "GET")

    def _graph_error(self, spec: dict) -> None:
        """A scripted Graph error: a Graph error code (HTTP 400 unless a status is given)."""
        status = int(spec.get("status", 400)) if "code" in spec else int(spec["status"])
        code = spec.get("code", _CODE_FOR_STATUS.get(status, 1))
        extra = {"error_subcode": spec["subcode"]} if spec.get("subcode") else {}
        message = spec.get("message", f"Scripted Graph error {code}")
        self._json(status, _error_body(message, code, fbtrace_id="FakeTrace", **extra))
