"""/healthz: 200 when the database, cache and broker answer; 503 naming the part that does not."""

import pytest
from django.test import override_settings

from tests.support.processes import free_port

pytestmark = pytest.mark.django_db

# This helper's own Redis database number, so parallel suites never share keys.
PROD_REDIS_DB = 6


@pytest.fixture
def filesystem_broker(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    options = {"data_folder_in": str(queue), "data_folder_out": str(queue), "store_processed": False}
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options):
        yield queue


def redis_url_with_db(url: str, db: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{db}"


def test_healthy_with_database_cache_and_filesystem_broker(client, filesystem_broker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
    # Never cached by a proxy: a stale "ok" is worse than none.
    assert "no-cache" in response["Cache-Control"]


def test_broker_on_a_closed_port_is_503_naming_the_broker(client):
    broker = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CELERY_BROKER_URL=broker, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error: ")
    # The answer is public: it names the part, not the host behind it.
    assert "127.0.0.1" not in response.content.decode()


def test_missing_filesystem_broker_folder_is_503(client, tmp_path):
    options = {"data_folder_in": str(tmp_path / "gone"), "data_folder_out": str(tmp_path / "gone")}
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_broken_cache_is_503_naming_the_cache(client, filesystem_broker):
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=broken):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"


def test_a_cache_that_loses_values_is_503(client, filesystem_broker):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


@pytest.mark.redis
def test_healthy_with_redis_as_cache_and_broker(client, redis_url):
    url = redis_url_with_db(redis_url, PROD_REDIS_DB)
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    with override_settings(CACHES=cache, CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_only_get_is_allowed(client, filesystem_broker):
    assert client.post("/healthz").status_code == 405
