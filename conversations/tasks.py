"""Celery tasks for conversations: thin, they call services."""

from celery import shared_task

from conversations import listening, services


@shared_task(name="conversations.expire")
def expire_conversations() -> int:
    return services.conversations_expire()


@shared_task(name="conversations.poll_source")
def poll_source(*, kind: str) -> list[str]:
    """Beat polls each source kind; "feeds" hands each enabled feed to its own
    task, so that one slow blog never holds up the others."""
    if kind == listening.FEEDS:
        kinds = listening.feed_kinds_enabled()
        for feed_kind in kinds:
            poll_source.delay(kind=feed_kind)
        return kinds
    return [f"{outcome.kind}: {outcome.status}" for outcome in listening.source_poll(kind=kind)]
