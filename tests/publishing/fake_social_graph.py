"""The fake Facebook Graph API (see fake_social): POST /vNN.N/<page>/feed,
GET /vNN.N/<page>/feed (fields, since, limit, after; paging.next),
DELETE /vNN.N/<post-id>, and Graph's error bodies.

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
        body = {"data": items}
        if items:
            body["paging"] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(items))}}
            if offset + limit < len(posts):
                query = {key: value for key, value in params.items() if key != "after"}
                query["after"] = _cursor(offset + len(items))
                body["paging"]["next"] = f"https://graph.facebook.com/{version}/{page}/feed?{urlencode(query)}"
        return 200, body, None

    @staticmethod
    def _graph_post(post: dict, fields: list[str]) -> dict:
        """A Post with the fields asked for; the shared link is in its attachment,
        `url` being Facebook's l.facebook.com shim around it."""
        shim = f"https://l.facebook.com/l.php?u={quote(post['link'], safe='')}&h=AT0fake"
        created = dt.datetime.fromtimestamp(post["created_at"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        available = {
            "id": post["id"],
            "message": post["text"],
            "created_time": created,
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

    def _graph_error(self, spec: dict) -> None:
        """A scripted Graph error: a Graph error code (HTTP 400 unless a status is given)."""
        status = int(spec.get("status", 400)) if "code" in spec else int(spec["status"])
        code = spec.get("code", _CODE_FOR_STATUS.get(status, 1))
        extra = {"error_subcode": spec["subcode"]} if spec.get("subcode") else {}
        message = spec.get("message", f"Scripted Graph error {code}")
        self._json(status, _error_body(message, code, fbtrace_id="FakeTrace", **extra))
