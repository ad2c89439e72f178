"""CELERY_BROKER_KEY_PREFIX: a site's tasks are queued under its own keys in a
Redis database it may share (settings are read once per process, so the
enqueue runs in a fresh one)."""

from __future__ import annotations

import json
import os
import secrets

import pytest
import redis

from tests.support.databases import redis_keys_delete
from tests.support.processes import manage

pytestmark = pytest.mark.redis

ENQUEUE = """
from publishing.enqueue import delivery_enqueue_send
delivery_enqueue_send(delivery_id=4242)
"""


def test_tasks_are_queued_under_the_prefix(redis_url, tmp_path):
    prefix = f"site-{secrets.token_hex(4)}:"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("CELERY_")},
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TIPCAST_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_BROKER_KEY_PREFIX": prefix,
    }
    client = redis.Redis.from_url(redis_url)
    try:
        manage("shell", "-c", ENQUEUE, env=env)
        keys = {key.decode() for key in client.scan_iter(match=f"{prefix}*")}
        # The queue and the exchange's bindings, all under the prefix.
        assert f"{prefix}celery" in keys and f"{prefix}_kombu.binding.celery" in keys, keys
        [message] = client.lrange(f"{prefix}celery", 0, -1)
        headers = json.loads(message)["headers"]
        assert (headers["task"], headers["argsrepr"]) == ("publishing.send_delivery", "[4242]")
    finally:
        redis_keys_delete(url=redis_url, prefix=prefix)
    assert not list(client.scan_iter(match=f"{prefix}*"))


def test_the_prefix_is_a_redis_broker_option_only(redis_url):
    code = "from django.conf import settings; print(sorted(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"
    base = {**os.environ, "DJANGO_ENV": "test", "CELERY_BROKER_KEY_PREFIX": "site-a:"}
    on_redis = manage("shell", "-c", code, env={**base, "CELERY_BROKER_URL": redis_url})
    assert "'global_keyprefix'" in on_redis
    on_memory = manage("shell", "-c", code, env={**base, "CELERY_BROKER_URL": "memory://"})
    assert "global_keyprefix" not in on_memory
