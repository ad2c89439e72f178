"""The fake Bluesky PDS (see fake_social), XRPC under /xrpc/:

    com.atproto.server.createSession / refreshSession  (JWTs with exp; sessions counted)
    com.atproto.repo.uploadBlob, createRecord (rkey optional), listRecords (newest
    record key first, cursor), deleteRecord (succeeds when the record is gone)

Like the PDS: an expired access token is refused with 400 ExpiredToken, an
unknown one with 401 InvalidToken, a refreshed session's old refresh token is
dead, a wrong app password is 401 AuthenticationRequired, a rate limit is a 429
with RateLimit-Reset (Unix seconds), and a record key that exists is refused
(400 InvalidRequest "Record already exists": the real PDS's wording is not
documented; the channel matches "already").
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

DID = "did:plc:tipcastfake0000000000000"
HANDLE = "tipcast.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def is_bluesky_route(route: str) -> bool:
    return route.startswith("/xrpc/")


def _jwt(payload: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(payload)}.{secrets.token_urlsafe(16)}"


def _tid() -> str:
    value = (time.time_ns() // 1000) << 10
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyRoutes:
    """The Bluesky half of FakeSocialHandler: each method answers (status, body, headers)."""

    def _bluesky(self, method: str):
        state = self.state
        nsid = self.route.removeprefix("/xrpc/")
        with state.lock:
            if nsid == "com.atproto.server.createSession" and method == "POST":
                return self._bsky_session_create(json.loads(self.raw_body or b"{}"))
            if nsid == "com.atproto.server.refreshSession" and method == "POST":
                return self._bsky_session_refresh()
            refused = self._bsky_refused_access()
            if refused:
                return refused
            if nsid == "com.atproto.repo.uploadBlob" and method == "POST":
                digest = hashlib.sha256(self.raw_body).hexdigest()[:52]
                state.bluesky_blobs[digest] = len(self.raw_body)
                blob = {
                    "$type": "blob",
                    "ref": {"$link": f"bafkrei{digest}"},
                    "mimeType": self.headers.get("Content-Type", "application/octet-stream"),
                    "size": len(self.raw_body),
                }
                return 200, {"blob": blob}, None
            if nsid == "com.atproto.repo.createRecord" and method == "POST":
                return self._bsky_create(json.loads(self.raw_body or b"{}"))
            if nsid == "com.atproto.repo.listRecords" and method == "GET":
                return self._bsky_list()
            if nsid == "com.atproto.repo.deleteRecord" and method == "POST":
                body = json.loads(self.raw_body or b"{}")
                uri = f"at://{DID}/{body.get('collection')}/{body.get('rkey')}"
                for post in state.live("bluesky"):
                    if post["id"] == uri:
                        post["deleted"] = True
                        state.record({"event": "delete", "network": "bluesky", "id": uri})
                return 200, {}, None
        return 501, {"error": "MethodNotImplemented", "message": f"fake PDS has no {method} {nsid}"}, None

    # --- sessions -------------------------------------------------------------------------------

    def _bsky_tokens(self) -> dict:
        now = int(time.time())
        ttl = self.state.bluesky_access_ttl
        access = _jwt({"scope": "com.atproto.appPass", "sub": DID, "iat": now, "exp": now + ttl})
        refresh = _jwt({"scope": "com.atproto.refresh", "sub": DID, "iat": now, "exp": now + 90 * 86400})
        self.state.bluesky_access[access] = now + ttl
        self.state.bluesky_refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID, "active": True}

    def _bsky_session_create(self, body: dict):
        self.state.bluesky_sessions_created += 1
        if body.get("password") != APP_PASSWORD or body.get("identifier") not in (HANDLE, DID):
            return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, None
        return 200, self._bsky_tokens(), None

    def _bsky_session_refresh(self):
        token = self._bearer()
        if token not in self.state.bluesky_refresh:
            return 400, {"error": "ExpiredToken", "message": "Token has been revoked"}, None
        self.state.bluesky_refresh.discard(token)
        self.state.bluesky_sessions_refreshed += 1
        return 200, self._bsky_tokens(), None

    def _bearer(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ").strip()

    def _bsky_refused_access(self):
        token = self._bearer()
        if not token:
            return 401, {"error": "AuthMissing", "message": "Authentication Required"}, None
        expires = self.state.bluesky_access.get(token)
        if expires is None:
            return 401, {"error": "InvalidToken", "message": "Bad token scope"}, None
        if expires < time.time():
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}, None
        return None

    # --- records -------------------------------------------------------------------------------

    def _bsky_create(self, body: dict):
        record, collection = body.get("record") or {}, body.get("collection")
        rkey = body.get("rkey") or _tid()
        uri = f"at://{DID}/{collection}/{rkey}"
        if any(post["id"] == uri for post in self.state.posts if post["network"] == "bluesky"):
            return 400, {"error": "InvalidRequest", "message": f"Record already exists: {uri}"}, None
        links = [
            feature["uri"]
            for facet in record.get("facets") or []
            for feature in facet.get("features") or []
            if feature.get("uri")
        ]
        external = (record.get("embed") or {}).get("external") or {}
        post = {
            "network": "bluesky",
            "id": uri,
            "rkey": rkey,
            "text": record.get("text", ""),
            "link": (links or [external.get("uri", "")])[0],
            "record": record,
            "auth": "Bearer",
            "deleted": False,
            "created_at": time.time(),
        }
        self.state.posts.append(post)
        self.state.record({"event": "post", **{key: value for key, value in post.items() if key != "record"}})
        return 200, {"uri": uri, "cid": f"bafyrei{hashlib.sha256(uri.encode()).hexdigest()[:52]}"}, None

    def _bsky_list(self):
        limit = min(int(self.query.get("limit", 50)), 100)
        collection = self.query.get("collection")
        posts = sorted(
            (p for p in self.state.live("bluesky") if p["id"].split("/")[3] == collection),
            key=lambda p: p["rkey"],
            reverse=True,
        )
        cursor = self.query.get("cursor")
        if cursor:
            posts = [p for p in posts if p["rkey"] < cursor]
        page = posts[:limit]
        body = {"records": [{"uri": p["id"], "cid": "bafyreifake", "value": p["record"]} for p in page]}
        if len(posts) > limit:
            body["cursor"] = page[-1]["rkey"]
        return 200, body, None

    def _bluesky_error(self, spec: dict) -> None:
        status = int(spec["status"])
        headers = {}
        if status == 429:
            reset = int(time.time() + float(spec.get("reset_in", 60)))
            headers = {"RateLimit-Limit": "30", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
            body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
        elif status == 401:
            body = {"error": spec.get("error", "AuthenticationRequired"), "message": "Invalid identifier or password"}
        elif status == 400:
            body = {"error": spec.get("error", "InvalidRequest"), "message": spec.get("message", "Scripted 400")}
        else:
            body = {"error": "InternalServerError", "message": f"Scripted {status}"}
        self._json(status, body, headers)
