"""Celery tasks for conversations: thin, they call services."""

from celery import shared_task

from conversations import services


@shared_task(name="conversations.expire")
def expire_conversations() -> int:
    return services.conversations_expire()
