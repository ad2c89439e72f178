"""Where a channel keeps a network session between sends and processes.

The one place a channel touches the database: a session must outlive the
process (workers restart, several run at once) and every process must see
the newest one, because a refreshed session invalidates the one before it.
"""

from __future__ import annotations

from publishing.models import ChannelSession


def channel_session_load(*, kind: str, identity: str) -> str:
    """The stored session of `identity` on `kind`, or "" (none, or another account's)."""
    stored = ChannelSession.objects.filter(kind=kind).values_list("identity", "value").first()
    if stored is None or stored[0].casefold() != identity.casefold():
        return ""
    return stored[1]


def channel_session_save(*, kind: str, identity: str, value: str) -> None:
    ChannelSession.objects.update_or_create(kind=kind, defaults={"identity": identity, "value": value})


def channel_session_forget(*, kind: str) -> None:
    ChannelSession.objects.filter(kind=kind).delete()
