"""A fake X API v2 + Facebook Graph API + LINE Messaging API + Bluesky PDS +
Mastodon server on loopback, for cross-process tests.

Just enough of each API for tweepy, facebook-sdk, atproto and Mastodon.py to post, list and delete:

    X:        POST /2/tweets, GET /2/users/me, GET /2/users/<id>/tweets, GET /2/users/<id>/mentions,
              POST /2/users/<id>/likes, DELETE /2/tweets/<id>
    Graph:    POST /vNN.N/<page>/feed, GET /vNN.N/<page>/feed, DELETE /vNN.N/<post-id>,
              GET/POST /vNN.N/<id>/comments, POST /vNN.N/<id>/likes, GET /vNN.N/<id>
    Bluesky:  /xrpc/com.atproto.* (fake_social_bluesky)
    Mastodon: /api/v1/statuses, /api/v1/accounts/..., /api/v2/instance (fake_social_mastodon)

Like the real networks it refuses an exact duplicate (X: 403 "duplicate content",
Graph: code 506) and wraps links in X posts in t.co URLs (the original is in
entities.urls[].expanded_url).

Control endpoints (JSON):
    GET  /_fake/posts   -> {"posts": [...]}: every post received, with network, id, text,
                           link, version (Graph), auth, deleted
    POST /_fake/script  {"x": [...], "facebook": [...], "bluesky": [...], "mastodon": [...],
                         "always": {"x": 401}}: queue of
                        responses per network, consumed one per API request. An entry is
                        "ok", an HTTP status (500, 401, 403, 429...), or a dict:
                          {"status": 429, "reset_in": 2}           X rate limit, reset in 2 s
                          {"status": 403, "duplicate": true}        X duplicate content
                          {"code": 190, "subcode": 463}             a Graph error code (HTTP 400)
                          {"status": "drop"}                        handle the request (the post
                                                                    IS created), then close the
                                                                    connection without a reply
                          {"status": "hang", "delay": 30}           handle the request (the post
                                                                    IS created), then say nothing
                                                                    for 30 s and close
                          {"status": "ok", "delay": 1.5}            answer late
                        An entry may carry "method": "POST" to apply only to that method
                        (other requests pass it by). "always" answers every request to that
                        network with the entry until the next reset.
    POST /_fake/chaos   {"seed": 7, "allow_duplicates": true,
                         "post": {"x": [[0.04, 500], [0.03, {"status": "drop"}], ...]}}:
                        random faults on POSTs (creating posts), until the next reset: each
                        [probability, entry] is drawn in turn for every unscripted POST.
                        allow_duplicates turns the networks' duplicate guard off, so that a
                        post we send twice shows up as two posts.
    POST /_fake/line    {"quota": 1000 or null, "usage": 0, "friends": 1}: the LINE account's
                        monthly quota, messages used, and friends per broadcast.
    POST /_fake/facebook/comments {"post": "<post id>", "message": "...", "from": {"id", "name"}
                        or null (hidden author), "parent": "<comment id>", "created_at": unix}:
                        a comment someone made on the Page's post -> {"id": ...}
    GET  /_fake/facebook/likes -> {"likes": {object id: times liked}}
    POST /_fake/x/posts {"posts": [...]}: posts by other people on X (mentions...), see fake_social_x.
    GET  /_fake/x/likes -> {"likes": [ids], "requests": n}
    POST /_fake/reset   forget posts and scripts.

LINE's routes (fake_social_line) need no redirecting session: point
LINE_API_BASE_URL at the server (fake_line_environment).

Run it as a process:  python -m tests.publishing.fake_social --port 8765 --state-file posts.jsonl
(--port 0 picks a free port; the first line on stdout is "listening on http://127.0.0.1:<port>").
Every post and delete is also appended to the state file as one JSON line.

Point the channels at it with PUBLISHING_REQUESTS_SESSION_FACTORY =
"tests.publishing.fake_social.RedirectingSession" and FAKE_SOCIAL_URL=http://127.0.0.1:<port>
(fake_social_environment gives both, with credentials for the two networks).

The X routes live in fake_social_x, the Graph routes in fake_social_graph; this
module holds the server, its state, the routing and the control endpoints.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests

from tests.publishing.fake_social_bluesky import APP_PASSWORD, HANDLE, BlueskyRoutes, is_bluesky_route
from tests.publishing.fake_social_graph import GRAPH_HOSTS, GraphRoutes, is_graph_route
from tests.publishing.fake_social_line import LINE_TOKEN, LineRoutes, is_line_route
from tests.publishing.fake_social_mastodon import ACCESS_TOKEN, MastodonRoutes, is_mastodon_route
from tests.publishing.fake_social_x import X_HOSTS, XRoutes, is_x_route

NETWORKS = ("x", "facebook", "line", "bluesky", "mastodon")


class RedirectingSession(requests.Session):
    """A requests.Session that sends X and Graph API requests to the fake server
    at $FAKE_SOCIAL_URL instead, keeping path, query, body and headers."""

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        if parts.hostname in X_HOSTS | GRAPH_HOSTS:
            fake = urlsplit(os.environ["FAKE_SOCIAL_URL"])
            url = urlunsplit((fake.scheme, fake.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def fake_social_environment(url: str, *, networks=("x", "facebook")) -> dict:
    """Environment variables for a process whose channels for `networks`
    (configured, so the console channel switches itself off) post to the fake
    server at `url`. Bluesky and Mastodon are pointed at it by their own
    settings (atproto sends through httpx, not a requests session)."""
    environment = {
        "PUBLISHING_REQUESTS_SESSION_FACTORY": "tests.publishing.fake_social.RedirectingSession",
        "FAKE_SOCIAL_URL": url,
    }
    if "x" in networks:
        environment.update(
            {"X_API_KEY": "ck", "X_API_SECRET": "cs", "X_ACCESS_TOKEN": "at", "X_ACCESS_TOKEN_SECRET": "as"}
        )
    if "facebook" in networks:
        environment.update({"FACEBOOK_PAGE_ID": "424242", "FACEBOOK_PAGE_ACCESS_TOKEN": "page-token"})
    if "bluesky" in networks:
        environment.update({"BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": APP_PASSWORD, "BLUESKY_SERVICE_URL": url})
    if "mastodon" in networks:
        environment.update({"MASTODON_API_BASE_URL": url, "MASTODON_ACCESS_TOKEN": ACCESS_TOKEN})
    return environment


def fake_line_environment(url: str) -> dict:
    """Environment variables for a process whose LINE channel talks to the fake server at `url`."""
    return {"LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN, "LINE_API_BASE_URL": url}


class FakeSocialState:
    """Everything the server remembers; one lock, because the server is threaded."""

    def __init__(self, state_file: str | None = None):
        self.lock = threading.Lock()
        self.state_file = state_file
        self.reset()

    def reset(self):
        self.posts: list[dict] = []
        self.scripts: dict[str, deque] = {network: deque() for network in NETWORKS}
        self.always: dict[str, object] = {}
        self.chaos: dict[str, list] = {}
        self.random = random.Random(0)
        self.allow_duplicates = False
        self.ids = itertools.count(1)
        # LINE: the plan's monthly quota (None: no limit), messages used, friends
        # each broadcast reaches, and the retry keys accepted (key -> request id).
        self.line_quota: int | None = None
        self.line_usage = 0
        self.line_friends = 1
        self.line_accepted: dict[str, str] = {}
        # Bluesky: live tokens (access -> expiry), and how often sessions were made.
        self.bluesky_access: dict[str, float] = {}
        self.bluesky_refresh: set[str] = set()
        self.bluesky_access_ttl = 7200
        self.bluesky_sessions_created = 0
        self.bluesky_sessions_refreshed = 0
        self.bluesky_blobs: dict[str, int] = {}
        # Mastodon: the instance's limit, statuses by Idempotency-Key, how often both were used.
        self.mastodon_max_characters = 500
        self.mastodon_instance_reads = 0
        self.mastodon_idempotency: dict[str, dict] = {}
        self.mastodon_idempotent_replays = 0
        # Facebook: comments on the Page's posts (fake_social_graph), and likes per object id.
        self.facebook_comments: list[dict] = []
        self.facebook_likes: dict[str, int] = {}
        # X conversations (fake_social_x): posts by other people, posts liked,
        # like requests, and mentions served (X bills each one read).
        self.x_foreign: list[dict] = []
        self.x_likes: set[str] = set()
        self.x_like_requests = 0
        self.x_mention_reads = 0

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
        if method == "POST":
            for probability, chaos_entry in self.chaos.get(network, []):
                if self.random.random() < probability:
                    return chaos_entry
        return None

    def live(self, network: str) -> list[dict]:
        return [post for post in self.posts if post["network"] == network and not post["deleted"]]


class FakeSocialHandler(XRoutes, GraphRoutes, LineRoutes, BlueskyRoutes, MastodonRoutes, BaseHTTPRequestHandler):
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
        network = (
            "x"
            if is_x_route(self.route)
            else "facebook"
            if is_graph_route(self.route)
            else "line"
            if is_line_route(self.route)
            else "bluesky"
            if is_bluesky_route(self.route)
            else "mastodon"
            if is_mastodon_route(self.route)
            else None
        )
        if network is None:
            return self._json(404, {"error": f"fake_social does not implement {method} {self.route}"})
        with self.state.lock:
            entry = self.state.next_scripted(network, method)
        if isinstance(entry, dict):
            status = entry.get("status", 400 if "code" in entry else "ok")
        else:
            status = entry
        if isinstance(entry, dict) and entry.get("delay") and status != "hang":
            time.sleep(float(entry["delay"]))
        if entry is not None and status not in ("ok", "drop", "hang"):
            return self._scripted_error(network, entry)
        handler = {
            "x": self._x,
            "facebook": self._graph,
            "line": self._line,
            "bluesky": self._bluesky,
            "mastodon": self._mastodon,
        }[network]
        status_code, body, headers = handler(method)
        if status == "hang":
            time.sleep(float(entry.get("delay", 30)))
        if status in ("drop", "hang"):
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
            if method == "POST" and self.route == "/_fake/chaos":
                chaos = json.loads(self.raw_body or b"{}")
                self.state.chaos = chaos.get("post", {})
                self.state.random = random.Random(chaos.get("seed", 0))
                self.state.allow_duplicates = bool(chaos.get("allow_duplicates"))
                return self._json(200, {"ok": True})
            if method == "POST" and self.route == "/_fake/line":
                account = json.loads(self.raw_body or b"{}")
                for name in ("quota", "usage", "friends"):
                    if name in account:
                        setattr(self.state, f"line_{name}", account[name])
                return self._json(200, {"ok": True})
            if method == "POST" and self.route == "/_fake/facebook/comments":
                return self._json(*self._graph_inject_comment(json.loads(self.raw_body or b"{}"))[:2])
            if method == "GET" and self.route == "/_fake/facebook/likes":
                return self._json(200, {"likes": dict(self.state.facebook_likes)})
            if self.route.startswith("/_fake/x/"):
                return self._x_control(method)
            if method == "POST" and self.route == "/_fake/script":
                script = json.loads(self.raw_body or b"{}")
                for network in NETWORKS:
                    self.state.scripts[network].extend(script.get(network, []))
                self.state.always.update(script.get("always", {}))
                return self._json(200, {"ok": True})
        self._json(404, {"error": f"unknown control endpoint {method} {self.route}"})

    def _scripted_error(self, network: str, entry) -> None:
        spec = entry if isinstance(entry, dict) else {"status": entry}
        errors = {
            "facebook": self._graph_error,
            "line": self._line_error,
            "bluesky": self._bluesky_error,
            "mastodon": self._mastodon_error,
        }
        return errors.get(network, self._x_error)(spec)


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
