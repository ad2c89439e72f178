"""The interface every listening source implements (X mentions, Facebook Page
comments, keyword feeds), like publishing's channels: one module a source,
found by kind in settings.CONVERSATION_SOURCE_CLASSES (feeds: one source per
subscription).

A source knows its network's API and limits; it never touches the database.
It turns what the network says into Incoming items; conversations.services
stores them, idempotent by (network, remote id), and keeps the cursor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class ListenError(Exception):
    """A poll failed. The cursor is not moved, so nothing is lost: the next
    poll asks again.

    retry_after: seconds the network asked us to wait (rate limits).
    needs_reauth: the credentials are dead; staff must re-authorise.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, needs_reauth: bool = False, code: str = ""):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.needs_reauth = needs_reauth
        self.code = code


@dataclass(frozen=True)
class Author:
    """Who wrote an incoming item, as the network names them."""

    network: str
    remote_id: str
    handle: str = ""
    name: str = ""
    profile_url: str = ""


@dataclass(frozen=True)
class Incoming:
    """One post, comment or feed item that may start or continue a conversation.

    Text is as the network gave it (plain text; a feed's HTML summary goes in
    `html`): ingestion sanitises it with the one sanitiser (qa.markup)."""

    # Unique on its network (X post id, Facebook comment id, a feed item's
    # "<subscription id>:<guid or link>").
    remote_id: str
    text: str
    created_at: dt.datetime
    author: Author
    url: str = ""
    # The remote id of the post or comment this one answers ("" when it starts a thread).
    in_reply_to: str = ""
    # What groups a thread on the network (X conversation_id, the Facebook post id).
    thread_id: str = ""
    # X: the post mentions or quotes the account, so the account may reply to it.
    mentions_account: bool = False
    # Written by our own account (our replies, seen again by the poller): never a customer message.
    is_own: bool = False
    title: str = ""
    html: str = ""
    # The network's language guess ("ja", "en", ""), a hint only.
    language: str = ""


@dataclass(frozen=True)
class Poll:
    """What one poll brought: new items, oldest first, and where to start next time."""

    items: list[Incoming]
    cursor: str
    # Reads the network bills (X: one per post returned), for the month's count.
    reads: int = 0
    details: dict = field(default_factory=dict)


class Source:
    kind: str = ""
    # Network.* value: the channel of the messages and conversations it brings.
    network: str = ""
    label: str = ""

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    @property
    def enabled(self) -> bool:
        """True when the credentials (or the URL) this source needs are configured."""
        raise NotImplementedError

    def poll(self, *, cursor: str) -> Poll:
        """Items newer than `cursor` ("" the first time); raises ListenError."""
        raise NotImplementedError
