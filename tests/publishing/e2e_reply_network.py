"""A network every process of the reply end-to-end test shares: a JSON-lines
file (E2E_REPLY_NETWORK) that send() appends to and timeline() lists, so the
base class's find_reply really searches what a killed worker posted.

send() makes the post, then keeps the caller waiting E2E_REPLY_SEND_DELAY
seconds before answering, like a network whose answer is slow: a worker
killed in that window has posted but recorded nothing. The networks' own HTTP
edges (X, Facebook) are tested with their fake servers; this is the pipeline.
Loaded by tests/publishing/e2e_reply_settings.py.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
import uuid
from pathlib import Path

from publishing.channels.base import Channel, Post, Remote, TimelineItem, TimelinePage


def _path() -> Path:
    return Path(os.environ["E2E_REPLY_NETWORK"])


def network_append(entry: dict) -> None:
    with open(_path(), "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.write(json.dumps(entry, ensure_ascii=False) + "\n")


def network_entries() -> list[dict]:
    if not _path().exists():
        return []
    with open(_path(), encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_SH)
        return [json.loads(line) for line in file if line.strip()]


class FileNetworkChannel(Channel):
    label = "File network"
    enabled = True
    supports_replies = True
    supports_likes = True

    def send(self, post: Post) -> Remote:
        remote_id = f"post-{uuid.uuid4().hex[:12]}"
        network_append({"id": remote_id, "in_reply_to": post.in_reply_to, "text": post.text, "at": time.time()})
        time.sleep(float(os.environ.get("E2E_REPLY_SEND_DELAY", "0")))
        return Remote(id=remote_id, url=f"https://network.example/{remote_id}")

    def like(self, remote_id: str) -> None:
        network_append({"like": remote_id, "at": time.time()})

    def timeline(self, *, since: dt.datetime):
        items = [
            TimelineItem(
                remote=Remote(id=entry["id"], url=f"https://network.example/{entry['id']}"),
                created_at=dt.datetime.fromtimestamp(entry["at"], dt.UTC),
                text=entry["text"],
                in_reply_to=entry["in_reply_to"],
            )
            for entry in reversed(network_entries())
            if "id" in entry and entry["at"] >= since.timestamp()
        ]
        yield TimelinePage(items=items, more=False)
