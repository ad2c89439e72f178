"""A fake X API v2 + Facebook Graph API server on loopback, for cross-process tests.

Just enough of both APIs for tweepy and facebook-sdk to post, list and delete:

    X:      POST /2/tweets, GET /2/users/me, GET /2/users/<id>/tweets, DELETE /2/tweets/<id>
    Graph:  POST /vNN.N/<page>/feed, GET /vNN.N/<page>/feed, DELETE /vNN.N/<post-id>

Like the real networks it refuses an exact duplicate (X: 403 "duplicate content",
Graph: code 506) and wraps links in X posts in t.co URLs (the original is in
entities.urls[].expanded_url).

Control endpoints (JSON):
    GET  /_fake/posts   -> {"posts": [...]}: every post received, with network, id, text,
                           link, version (Graph), auth, deleted
    POST /_fake/script  {"x": [...], "facebook": [...], "always": {"x": 401}}: queue of
                        responses per network, consumed one per API request. An entry is
                        "ok", an HTTP status (500, 401, 403, 429...), or a dict:
                          {"status": 429, "reset_in": 2}           X rate limit, reset in 2 s
                          {"status": 403, "duplicate": true}        X duplicate content
                          {"code": 190, "subcode": 463}             a Graph error code (HTTP 400)
                          {"status": "drop"}                        handle the request (the post
                                                                    IS created), then close the
                                                                    connection without a reply
                          {"status": "ok", "delay": 1.5}            answer late
                        An entry may carry "method": "POST" to apply only to that method
                        (other requests pass it by). "always" answers every request to that
                        network with the entry until the next reset.
    POST /_fake/reset   forget posts and scripts.

Run it as a process:  python -m tests.publishing.fake_social --port 8765 --state-file posts.jsonl
(--port 0 picks a free port; the first line on stdout is "listening on http://127.0.0.1:<port>").
Every post and delete is also appended to the state file as one JSON line.

Point the channels at it with PUBLISHING_REQUESTS_SESSION_FACTORY =
"tests.publishing.fake_social.RedirectingSession" and FAKE_SOCIAL_URL=http://127.0.0.1:<port>.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests

X_HOSTS = {"api.twitter.com", "api.x.com"}
GRAPH_HOSTS = {"graph.facebook.com"}
ME = {"id": "1000000001", "name": "Tipcast Support", "username": "tipcast"}
_URL_IN_TEXT = re.compile(r"https?://\S+")
_GRAPH_PATH = re.compile(r"^/(v\d+\.\d+)/(.+)$")


class RedirectingSession(requests.Session):
    """A requests.Session that sends X and Graph API requests to the fake server
    at $FAKE_SOCIAL_URL instead, keeping path, query, body and headers."""

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname in X_HOSTS | GRAPH_HOSTS:
            fake = urlsplit(os.environ["FAKE_SOCIAL_URL"])
            url = urlunsplit((fake.scheme, fake.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


class FakeSocialState:
    """Everything the server remembers; one lock, because the server is threaded."""

    def __init__(self, state_file: str | None = None):
        self.lock = threading.Lock()
        self.state_file = state_file
        self.reset()

    def reset(self):
        self.posts: list[dict] = []
        self.scripts: dict[str, deque] = {"x": deque(), "facebook": deque()}
        self.always: dict[str, object] = {}
        self.ids = itertools.count(1)

    def record(self, event: dict) -> None:
        if self.state_file:
            with open(self.state_file, "a", encoding="utf-8") as file:
                file.write(json.dumps(event, ensure_ascii=False) + "\n")

    def next_scripted(self, network: str, method: str):
        """The scripted response for this request, or None to behave normally."""
        if network in self.always:
            return self.always[network]
        queue = self.scripts[network]
        if queue:
            entry = queue[0]
            if not (isinstance(entry, dict) and entry.get("method") and entry["method"].upper() != method):
                return queue.popleft()
        return None

    def live(self, network: str) -> list[dict]:
        return [post for post in self.posts if post["network"] == network and not post["deleted"]]


class FakeSocialHandler(BaseHTTPRequestHandler):
    server_version = "FakeSocial/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> FakeSocialState:
        return self.server.state

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if os.environ.get("FAKE_SOCIAL_VERBOSE"):
            super().log_message(format, *args)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # --- plumbing -----------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.route, self.query = parts.path, {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length else b""
        if self.route.startswith("/_fake/"):
            return self._control(method)
        network = "x" if self.route.startswith("/2/") else "facebook" if _GRAPH_PATH.match(self.route) else None
        if network is None:
            return self._json(404, {"error": f"fake_social does not implement {method} {self.route}"})
        with self.state.lock:
            entry = self.state.next_scripted(network, method)
        if isinstance(entry, dict) and entry.get("delay"):
            time.sleep(float(entry["delay"]))
        if isinstance(entry, dict):
            status = entry.get("status", 400 if "code" in entry else "ok")
        else:
            status = entry
        if entry is not None and status not in ("ok", "drop"):
            return self._scripted_error(network, entry)
        handler = self._x if network == "x" else self._graph
        status_code, body, headers = handler(method)
        if status == "drop":
            # The network did the work, but the client never hears back.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._json(status_code, body, headers)

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict:
        return {key: values[-1] for key, values in parse_qs(self.raw_body.decode()).items()}

    # --- control ------------------------------------------------------------------------

    def _control(self, method: str) -> None:
        with self.state.lock:
            if method == "GET" and self.route in ("/_fake/posts", "/_fake/health"):
                return self._json(200, {"posts": list(self.state.posts)})
            if method == "POST" and self.route == "/_fake/reset":
                self.state.reset()
                return self._json(200, {"ok": True})
            if method == "POST" and self.route == "/_fake/script":
                script = json.loads(self.raw_body or b"{}")
                for network in ("x", "facebook"):
                    self.state.scripts[network].extend(script.get(network, []))
                self.state.always.update(script.get("always", {}))
                return self._json(200, {"ok": True})
        self._json(404, {"error": f"unknown control endpoint {method} {self.route}"})

    def _scripted_error(self, network: str, entry) -> None:
        spec = entry if isinstance(entry, dict) else {"status": entry}
        if network == "facebook":
            status = int(spec.get("status", 400)) if "code" in spec else int(spec["status"])
            code = spec.get("code", {500: 2, 503: 2, 429: 4, 401: 190, 403: 200}.get(status, 1))
            error = {
                "message": spec.get("message", f"Scripted Graph error {code}"),
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "FakeTrace",
            }
            if spec.get("subcode"):
                error["error_subcode"] = spec["subcode"]
            return self._json(status, {"error": error})
        status = int(spec["status"])
        headers = {}
        if status == 429:
            headers["x-rate-limit-reset"] = str(int(time.time() + float(spec.get("reset_in", 60))))
        if status == 403 and spec.get("duplicate"):
            detail = "You are not allowed to create a Tweet with duplicate content."
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

    # --- X API v2 -----------------------------------------------------------------------

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
                {
                    "title": "Forbidden",
                    "status": 403,
                    "type": "about:blank",
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                },
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

    # --- Graph API ----------------------------------------------------------------------

    def _graph(self, method: str):
        version, rest = _GRAPH_PATH.match(self.route).groups()
        params = {**self.query, **(self._form() if method == "POST" else {})}
        if not params.get("access_token"):
            return (
                400,
                {"error": {"message": "An active access token must be used", "type": "OAuthException", "code": 2500}},
                None,
            )
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
        return (
            400,
            {"error": {"message": f"Unknown path components: {self.route}", "type": "OAuthException", "code": 2500}},
            None,
        )

    def _graph_create(self, page: str, version: str, params: dict):
        message, link = params.get("message", ""), params.get("link", "")
        if any(post["text"] == message and post["link"] == link for post in self.state.live("facebook")):
            return 400, {"error": {"message": "Duplicate status message", "type": "OAuthException", "code": 506}}, None
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


class FakeSocialServer:
    """The server in a background thread of this process (tests), or the
    foreground (the command line)."""

    def __init__(self, port: int = 0, state_file: str | None = None, host: str = "127.0.0.1"):
        self.httpd = ThreadingHTTPServer((host, port), FakeSocialHandler)
        self.httpd.daemon_threads = True
        self.httpd.state = FakeSocialState(state_file)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self) -> FakeSocialState:
        return self.httpd.state

    def start(self) -> FakeSocialServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-social", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Fake X + Facebook Graph API server for tests.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", default=None, help="Append every post and delete here, as JSON lines.")
    args = parser.parse_args(argv)
    server = FakeSocialServer(port=args.port, state_file=args.state_file, host=args.host)
    print(f"listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
