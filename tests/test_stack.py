"""The production stack on 127.0.0.1: the commands the containers run, for real.

gunicorn (2 workers, docker/gunicorn.conf.py), a Celery worker and Celery beat,
with DJANGO_ENV=production, against PostgreSQL and Redis, posting to the fake
X/Facebook server. Staff publish 20 tips through the admin over HTTP; the
worker is killed with SIGKILL half-way and started again. Every tip must reach
each network exactly once, and /healthz must answer 200 the whole time.

Uses its own PostgreSQL database (tipcast_prod_stack) and Redis database
number (6), so it never touches another suite's data.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.conftest import require_service
from tests.publishing.fake_social import FakeSocialServer, fake_social_environment
from tests.support.admin_http import admin_session, publish_through_admin
from tests.support.databases import postgres_database_create, postgres_database_drop, query, redis_database_emptied
from tests.support.processes import ROOT, ProcessGroups, free_port, manage, port_open, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "tipcast_prod_stack"
REDIS_DB = 6
TIP_COUNT = 20
NETWORKS = ("x", "facebook")
STAFF_PASSWORD = "stack-test-" + secrets.token_hex(8)

SETUP_SCRIPT = """
from django.contrib.auth import get_user_model
from qa import services
from qa.models import Category
get_user_model().objects.create_superuser(username="ops", email="ops@example.com", password={password!r})
category = Category.objects.create(name="配送 Shipping", slug="shipping", order=1)
ids = [
    services.tip_create(title=f"配送状況の確認 {{n}} / Tracking parcel {{n}}",
                        answer_text=f"マイページの注文履歴から確認できます ({{n}}).", category=category).pk
    for n in range(1, {count} + 1)
]
print("TIP_IDS", ",".join(map(str, ids)))
"""


@pytest.fixture
def postgres_database():
    require_service("PostgreSQL", port_open("127.0.0.1", 5432), "127.0.0.1:5432")
    url = postgres_database_create(server_url=POSTGRES_SERVER, name=DATABASE_NAME)
    yield url
    postgres_database_drop(url=url)


@pytest.fixture
def stack_redis_url(redis_url):
    return redis_database_emptied(url=redis_url, db=REDIS_DB)


@pytest.fixture
def fake_social():
    with FakeSocialServer(port=0) as server:
        yield server


def delivery_counts(database_url: str) -> dict:
    return dict(query(database_url, "SELECT status, count(*) FROM publishing_delivery GROUP BY status"))


def deliveries_with_status(database_url: str, status: str) -> list[int]:
    return [row[0] for row in query(database_url, "SELECT id FROM publishing_delivery WHERE status = %s", (status,))]


def test_stack_publishes_every_tip_exactly_once_through_a_worker_crash(
    tmp_path, postgres_database, stack_redis_url, fake_social
):
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "CELERY_", "PUBLISHING_", "X_", "FACEBOOK_"))
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Staff sign in with the admin's password form here (tests/support/admin_http.py);
            # the second factor is tested in tests/qa/test_staff_mfa.py.
            "TIPCAST_STAFF_REQUIRE_MFA": "false",
            "SITE_URL": f"https://127.0.0.1:{web_port}",
            "DATABASE_URL": postgres_database,
            "CACHE_URL": stack_redis_url,
            "CELERY_BROKER_URL": stack_redis_url,
            "TIPCAST_VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "LOG_FORMAT": "json",
            "GUNICORN_BIND": f"127.0.0.1:{web_port}",
            "GUNICORN_WORKERS": "2",
            # Both networks configured, every request sent to the fake server.
            **fake_social_environment(fake_social.url),
            # No drip and a fast sweeper, so the test takes seconds, not a day.
            "PUBLISHING_DRIP_INTERVAL_MINUTES": "0",
            "PUBLISHING_POSTING_HOURS": "00:00-24:00",
            "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
            "PUBLISHING_CLAIM_LEASE_SECONDS": "3",
            "PUBLISHING_RETRY_BASE_SECONDS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    python = sys.executable
    bin_dir = Path(python).parent

    # What the image build and the `migrate` service do, then the data staff would have.
    manage("collectstatic", "--noinput", env=env)
    manage("migrate", "--noinput", env=env)
    setup = manage("shell", "-c", SETUP_SCRIPT.format(password=STAFF_PASSWORD, count=TIP_COUNT), env=env)
    tip_ids = [int(pk) for pk in re.search(r"TIP_IDS ([\d,]+)", setup).group(1).split(",")]
    schedule_file = tmp_path / "var" / "celerybeat-schedule"
    schedule_file.parent.mkdir(exist_ok=True)  # the image creates /app/var

    # The container commands (docker-compose.yml), with local addresses.
    web_cmd = [str(bin_dir / "gunicorn"), "supportsite.wsgi:application", "--config", "docker/gunicorn.conf.py"]
    worker_cmd = [
        str(bin_dir / "celery"),
        "-A",
        "supportsite",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--hostname",
        f"stack-{web_port}@%h",
    ]
    beat_cmd = [
        str(bin_dir / "celery"),
        "-A",
        "supportsite",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(schedule_file),
    ]

    processes = ProcessGroups(tmp_path, env)
    health_statuses, stop_polling = [], threading.Event()
    poller = threading.Thread()  # replaced once the site is up
    try:
        processes.start("web", web_cmd)
        processes.start("worker", worker_cmd)
        processes.start("beat", beat_cmd)
        wait_for(lambda: health(base) == 200, timeout=60, what=lambda: f"/healthz 200\n{processes.log('web')[-4000:]}")

        def poll_health():
            while not stop_polling.is_set():
                health_statuses.append(health(base))
                stop_polling.wait(0.3)

        poller = threading.Thread(target=poll_health, daemon=True)
        poller.start()

        # Every post takes a moment at the "network", so the kill lands mid-send.
        requests.post(
            f"{fake_social.url}/_fake/script",
            json={
                "always": {
                    "x": {"status": "ok", "delay": 0.4},
                    "facebook": {"status": "ok", "delay": 0.4},
                }
            },
            timeout=5,
        )

        staff = admin_session(base, username="ops", password=STAFF_PASSWORD, behind_tls_proxy=True)
        for tip_id in tip_ids[: TIP_COUNT // 2]:
            publish_through_admin(staff, base, tip_id)

        # Kill the worker while it is inside a send (a delivery claimed as
        # "sending"), after some posts went out: its fate is decided by
        # reconciliation with the network, never by a blind second post.
        wait_for(
            lambda: len(fake_social.state.posts) >= 6 and deliveries_with_status(postgres_database, "sending"),
            timeout=60,
            interval=0.05,
            what=lambda: f"a send in flight\n{processes.log('worker')[-4000:]}",
        )
        processes.kill("worker")
        interrupted = deliveries_with_status(postgres_database, "sending")
        assert len(fake_social.state.posts) < TIP_COUNT * len(NETWORKS)

        # Published while no worker runs: the outbox keeps them.
        for tip_id in tip_ids[TIP_COUNT // 2 :]:
            publish_through_admin(staff, base, tip_id)
        processes.start("worker", worker_cmd)

        expected = TIP_COUNT * len(NETWORKS)
        wait_for(
            lambda: delivery_counts(postgres_database).get("sent") == expected,
            timeout=120,
            what=lambda: (
                f"every delivery sent: {delivery_counts(postgres_database)}\n{processes.log('worker')[-4000:]}"
            ),
        )

        # The containers' own healthchecks agree.
        ping = subprocess.run(
            [
                str(bin_dir / "celery"),
                "-A",
                "supportsite",
                "inspect",
                "ping",
                "-d",
                f"stack-{web_port}@{socket.gethostname()}",
                "--timeout",
                "5",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ping.returncode == 0, ping.stdout + ping.stderr
        for check in (["web", f"{base}/healthz"], ["beat", str(schedule_file)]):
            result = subprocess.run(
                [python, "docker/healthcheck.py", *check],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert result.returncode == 0, result.stderr
    finally:
        stop_polling.set()
        # Let a probe in flight finish first: stopping gunicorn under it would
        # record a failure the site never had.
        if poller.is_alive():
            poller.join(timeout=10)
        processes.stop_all()

    assert delivery_counts(postgres_database) == {"sent": TIP_COUNT * len(NETWORKS)}
    assert set(interrupted) <= set(deliveries_with_status(postgres_database, "sent"))
    posts = fake_social.state.posts
    for network in NETWORKS:
        network_posts = [post for post in posts if post["network"] == network]
        # Exactly once: one post per tip, never a second one deleted afterwards.
        assert len(network_posts) == TIP_COUNT, [post["text"] for post in network_posts]
        assert not any(post["deleted"] for post in network_posts)
        assert len({post["text"] for post in network_posts}) == TIP_COUNT
    assert len(health_statuses) >= 5
    assert set(health_statuses) == {200}, health_statuses


def health(base: str) -> int:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code
    except requests.RequestException:
        return 0
