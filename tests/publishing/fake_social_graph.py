"""The fake Facebook Graph API (see fake_social): POST /vNN.N/<page>/feed,
GET /vNN.N/<page>/feed, DELETE /vNN.N/<post-id>, and Graph's error bodies."""

from __future__ import annotations

import re
import time

GRAPH_HOSTS = {"graph.facebook.com"}
_GRAPH_PATH = re.compile(r"^/(v\d+\.\d+)/(.+)$")
# The Graph error code a bare scripted HTTP status stands for.
_CODE_FOR_STATUS = {500: 2, 503: 2, 429: 4, 401: 190, 403: 200}


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
                limit = int(params.get("limit", 25))
                items = [
                    {
                        "id": post["id"],
                        "message": post["text"],
                        "link": post["link"],
                        "permalink_url": f"https://www.facebook.com/{post['id']}",
                    }
                    for post in reversed(self.state.live("facebook"))
                    if post["page"] == feed.group(1)
                ]
                return 200, {"data": items[:limit]}, None
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

    def _graph_create(self, page: str, version: str, params: dict):
        message, link = params.get("message", ""), params.get("link", "")
        if any(post["text"] == message and post["link"] == link for post in self.state.live("facebook")):
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
