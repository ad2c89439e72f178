"""Incoming items for the listening tests and the ingest benchmark."""

from __future__ import annotations

import datetime as dt

from conversations.sources.base import Author, Incoming

BASE_TIME = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def author(n: int = 1, *, network: str = "x", handle: str = "", name: str = "") -> Author:
    return Author(
        network=network,
        remote_id=f"user-{n}",
        handle=handle or f"customer{n}",
        name=name or f"Customer {n}",
        profile_url=f"https://x.example/customer{n}",
    )


def mention(n: int, *, who: int = 1, text: str = "", network: str = "x", minutes: int = 0, **fields) -> Incoming:
    return Incoming(
        remote_id=str(1000 + n),
        text=text or f"@tipcast my order {n} has not arrived 📦",
        created_at=BASE_TIME + dt.timedelta(minutes=minutes or n),
        author=fields.pop("author", None) or author(who, network=network),
        url=f"https://x.example/customer{who}/status/{1000 + n}",
        mentions_account=network == "x",
        **fields,
    )
